"""meetings as a workflow with state: the meeting, its invitees' answers, its tasks

Revision ID: 0013_meetings
Revises: 0012_plan
Create Date: 2026-12-03 18:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0013_meetings'
down_revision: Union[str, Sequence[str], None] = '0012_plan'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Metadata only: time, place, agenda and minutes stay in the encrypted messages."""
    op.create_table('meeting',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('thread_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('meeting_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('convener_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('invitation_message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('details_message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('invited_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('change_count', sa.Integer(), nullable=False),
    sa.Column('changed_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('held_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('minutes_message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['sick_leave_case.id'], ),
    sa.ForeignKeyConstraint(['convener_id'], ['actor.id'], ),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_thread_id'), ['thread_id'], unique=False)

    op.create_table('meeting_invitee',
    sa.Column('meeting_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('answered_at', directory.columns.UTCDateTime(), nullable=True),
    sa.Column('answer_message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('meeting_id', 'actor_id')
    )
    with op.batch_alter_table('meeting_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_invitee_actor_id'), ['actor_id'], unique=False)

    op.create_table('meeting_task',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('meeting_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('minutes_message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('owner_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('done_at', directory.columns.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['sick_leave_case.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_task_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_meeting_task_owner', ['owner_id', 'done_at'], unique=False)


def downgrade() -> None:
    op.drop_table('meeting_task')
    op.drop_table('meeting_invitee')
    op.drop_table('meeting')
