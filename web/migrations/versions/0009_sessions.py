"""browser sessions the server can end

Revision ID: 0009_sessions
Revises: 0008_logv2
Create Date: 2026-12-03 17:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0009_sessions'
down_revision: Union[str, Sequence[str], None] = '0008_logv2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """One row per browser sign-in, named by the hash of the id in its cookie."""
    op.create_table('web_session',
    sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('expires_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('shared_computer', sa.Boolean(), nullable=False),
    sa.Column('id_token', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id_hash')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_session_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_expires_at'))
        batch_op.drop_index(batch_op.f('ix_web_session_actor_id'))
    op.drop_table('web_session')
