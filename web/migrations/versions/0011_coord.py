"""coordinator_appointment: the history of who coordinated a case (messaging/coordinator.py)

Revision ID: 0011_coord
Revises: 0010_caselife
Create Date: 2026-12-03 17:50:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


revision: str = '0011_coord'
down_revision: Union[str, Sequence[str], None] = '0010_caselife'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('coordinator_appointment',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('coordinator_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('appointed_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('rules_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('employee_view', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('employee_view_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('wishes_message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('relation_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('started_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('ended_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('ended_by', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['sick_leave_case.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['actor.id'], ),
    sa.ForeignKeyConstraint(['coordinator_id'], ['actor.id'], ),
    sa.ForeignKeyConstraint(['appointed_by'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('coordinator_appointment', schema=None) as batch_op:
        batch_op.create_index('ix_coordinator_appointment_case', ['case_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_coordinator_appointment_coordinator_id'), ['coordinator_id'], unique=False)


def downgrade() -> None:
    op.drop_table('coordinator_appointment')
