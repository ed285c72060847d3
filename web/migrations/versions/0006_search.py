"""search: the prefixes of indexed words, for correcting typing mistakes

Revision ID: 0006_search
Revises: 0005_navreq
Create Date: 2026-12-03 13:45:00.000000

``search_prefix`` holds every prefix (4 to 21 letters) of every word in the actor
search index (``directory.query.index_prefixes``); it is filled here from the search
text already stored, and kept up by ``directory.service.register_actor``.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from directory.query import index_prefixes


# revision identifiers, used by Alembic.
revision: str = '0006_search'
down_revision: Union[str, Sequence[str], None] = '0005_navreq'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 10_000


def upgrade() -> None:
    table = op.create_table('search_prefix',
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.PrimaryKeyConstraint('prefix')
    )
    bind = op.get_bind()
    prefixes: set[str] = set()
    for (text,) in bind.execute(sa.text("SELECT search_text FROM actor WHERE search_text != ''")):
        prefixes |= index_prefixes(text)
    ordered = sorted(prefixes)
    for start in range(0, len(ordered), BATCH):
        bind.execute(table.insert(), [{"prefix": p} for p in ordered[start:start + BATCH]])


def downgrade() -> None:
    op.drop_table('search_prefix')
