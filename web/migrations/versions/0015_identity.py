"""identity links, NAV ident and HER-id on actors, relation provenance, directory audit

Revision ID: 0015_identity
Revises: 0014_attach
Create Date: 2026-12-03 20:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import directory.columns


# revision identifiers, used by Alembic.
revision: str = '0015_identity'
down_revision: Union[str, Sequence[str], None] = '0014_attach'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """What real identity providers and the registries need: people found by NAV ident
    or HER-id, sign-in identities linked once, relations that say where they come from
    and whether the employee confirmed them, and an audit trail of directory changes."""
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nav_ident', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True))
        batch_op.add_column(sa.Column('her_id', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True))
        batch_op.create_index(batch_op.f('ix_actor_nav_ident'), ['nav_ident'], unique=False)
        batch_op.create_index(batch_op.f('ix_actor_her_id'), ['her_id'], unique=False)
    with op.batch_alter_table('relation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('confirmed_at', directory.columns.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('disputed_at', directory.columns.UTCDateTime(), nullable=True))
    op.create_table('identity_link',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('matched_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('linked_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('last_sign_in_at', directory.columns.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer', 'subject', name='uq_identity_link_issuer_subject')
    )
    with op.batch_alter_table('identity_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_link_actor_id'), ['actor_id'], unique=False)
    op.create_table('directory_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('by_actor_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('by_label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['by_actor_id'], ['actor.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('directory_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_change_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_change_target_id'), ['target_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('directory_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_change_target_id'))
        batch_op.drop_index(batch_op.f('ix_directory_change_at'))
    op.drop_table('directory_change')
    with op.batch_alter_table('identity_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_link_actor_id'))
    op.drop_table('identity_link')
    with op.batch_alter_table('relation', schema=None) as batch_op:
        batch_op.drop_column('disputed_at')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('source')
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_her_id'))
        batch_op.drop_index(batch_op.f('ix_actor_nav_ident'))
        batch_op.drop_column('her_id')
        batch_op.drop_column('nav_ident')
