"""follow-up plan versions and their shares

Revision ID: 0012_plan
Revises: 0011_coord
Create Date: 2026-12-03 17:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0012_plan'
down_revision: Union[str, Sequence[str], None] = '0011_coord'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """One row per plan version (numbered per case) and per copy sent on."""
    op.create_table('plan_version',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('thread_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('evaluation_date', sa.Date(), nullable=False),
    sa.Column('acknowledged_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('acknowledgement_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('evaluated_at', directory.columns.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['sick_leave_case.id'], ),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index('ix_plan_version_case_number', ['case_id', 'number'], unique=True)
    op.create_table('plan_share',
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('thread_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('shared_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('shared_at', directory.columns.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], ),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ),
    sa.ForeignKeyConstraint(['shared_by'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('plan_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_share_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_share_version_id'))
    op.drop_table('plan_share')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_version_case_number')
    op.drop_table('plan_version')
