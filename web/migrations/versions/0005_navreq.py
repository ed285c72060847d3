"""NAV's request and summons are made with the message that carries them

Revision ID: 0005_navreq
Revises: 0004
Create Date: 2026-12-03 14:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0005_navreq'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """nav_request: the message that made it, and NAV's answer-by date; nav_summons:
    NAV's call to dialogue meeting 2 or 3 (folketrygdloven § 8-7a), metadata only."""
    with op.batch_alter_table('nav_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
        batch_op.add_column(sa.Column('answer_by', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_nav_request_message_id'), ['message_id'], unique=False)

    op.create_table('nav_summons',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('convener_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('meeting_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('invitee_ids', sa.Text(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('expires_at', directory.columns.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['convener_id'], ['actor.id'], ),
    sa.ForeignKeyConstraint(['subject_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nav_summons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nav_summons_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_nav_summons_subject_convener', ['subject_id', 'convener_id'], unique=False)


def downgrade() -> None:
    op.drop_table('nav_summons')
    with op.batch_alter_table('nav_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nav_request_message_id'))
        batch_op.drop_column('answer_by')
        batch_op.drop_column('message_id')
