"""idempotency keys

Revision ID: 0007_idempotency
Revises: 0006_search
Create Date: 2026-12-03 13:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0007_idempotency'
down_revision: Union[str, Sequence[str], None] = '0006_search'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """One row per (caller, Idempotency-Key): claimed before the route runs, then the answer."""
    op.create_table('idempotency_key',
    sa.Column('caller', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('headers', sa.Text(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('flash', sa.Text(), nullable=True),
    sa.Column('created_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('expires_at', directory.columns.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('caller', 'key')
    )
    op.create_index('ix_idempotency_key_expires_at', 'idempotency_key', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_idempotency_key_expires_at', table_name='idempotency_key')
    op.drop_table('idempotency_key')
