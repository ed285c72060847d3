"""the case's end and the purge of its content after the retention period

Revision ID: 0010_caselife
Revises: 0009_sessions
Create Date: 2026-12-03 17:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0010_caselife'
down_revision: Union[str, Sequence[str], None] = '0009_sessions'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """A case records its end (date, reason, who, when) and when its content was purged;
    a purged message keeps its row without the sealed bytes."""
    with op.batch_alter_table('sick_leave_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', directory.columns.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('purged_at', directory.columns.UTCDateTime(), nullable=True))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.alter_column('envelope', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.alter_column('envelope', existing_type=sa.LargeBinary(), nullable=False)
    with op.batch_alter_table('sick_leave_case', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('closed_reason')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_on')
