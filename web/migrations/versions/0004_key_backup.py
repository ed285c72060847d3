"""key backup

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """One passphrase-wrapped key backup per actor (opaque to the server)."""
    op.create_table('key_backup',
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('backup', sa.Text(), nullable=False),
    sa.Column('updated_at', directory.columns.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('actor_id')
    )


def downgrade() -> None:
    op.drop_table('key_backup')
