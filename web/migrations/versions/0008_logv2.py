"""disclosure log v2: one Merkle tree per subject

Revision ID: 0008_logv2
Revises: 0007_idempotency
Create Date: 2026-12-03 17:00:00.000000

Every existing entry becomes a leaf of its subject's tree, in ``seq`` order, so no
entry is lost and each keeps its time stamp.  The global chain (``prev_hash``,
``entry_hash``) and its heads go.  Nothing is signed here (a migration holds no key):
the first append to a log, the app at start-up, or ``samband sign-head`` signs the
current head of every log that has none.
"""
import hashlib
import json
from datetime import UTC
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import directory.columns
from consent import logformat, merkle

revision: str = '0008_logv2'
down_revision: Union[str, Sequence[str], None] = '0007_idempotency'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 5000
_FIELDS = ("seq", "entry_id", "occurred_at", "tag", "subject_id", "actor_id", "sender_id", "recipient_id", "category",
           "purpose", "case_id", "outcome", "basis_kind", "basis_ref", "basis_text", "reason")


def _log(*extra):
    """The entry table as this migration sees it (typed, so times come back as UTC datetimes)."""
    return sa.table(
        "disclosure_log", sa.column("seq", sa.Integer), sa.column("occurred_at", directory.columns.UTCDateTime()),
        *(sa.column(name, sa.String) for name in _FIELDS if name not in ("seq", "occurred_at")), *extra,
    )


def _batches(bind, table):
    last = 0
    while True:
        rows = bind.execute(sa.select(table).where(table.c.seq > last).order_by(table.c.seq).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].seq


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('disclosure_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaf_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('leaf_hash', sa.LargeBinary(), nullable=True))
    op.create_table('disclosure_log_tree',
    sa.Column('log_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.Column('last_at', directory.columns.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('log_id'),
    sa.UniqueConstraint('subject_id')
    )
    op.create_table('disclosure_log_tree_head',
    sa.Column('log_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tree_size', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signed_at', directory.columns.UTCDateTime(), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('log_id', 'tree_size')
    )

    # Every subject's tree, built from his entries in the order they were appended.
    table = _log(sa.column("leaf_index", sa.Integer), sa.column("leaf_hash", sa.LargeBinary))
    set_leaf = table.update().where(table.c.seq == sa.bindparam("b_seq")).values(
        leaf_index=sa.bindparam("b_index"), leaf_hash=sa.bindparam("b_hash"))
    trees: dict[str, tuple[merkle.Frontier, object]] = {}
    for rows in _batches(bind, table):
        updates = []
        for row in rows:
            frontier, last = trees.get(row.subject_id, (merkle.Frontier(), None))
            fields = {name: getattr(row, name) for name in logformat.LEAF_FIELDS if name not in ("index", "log_id")}
            leaf = merkle.leaf_hash(logformat.leaf_bytes(
                {**fields, "index": frontier.size, "log_id": logformat.log_id(row.subject_id)}))
            updates.append({"b_seq": row.seq, "b_index": frontier.size, "b_hash": leaf})
            at = row.occurred_at if last is None or row.occurred_at > last else last
            trees[row.subject_id] = (frontier.append(leaf), at)
        bind.execute(set_leaf, updates)
    tree_table = sa.table("disclosure_log_tree", sa.column("log_id", sa.String), sa.column("subject_id", sa.String),
                          sa.column("size", sa.Integer), sa.column("frontier", sa.LargeBinary),
                          sa.column("last_at", directory.columns.UTCDateTime()))
    values = [{"log_id": logformat.log_id(s), "subject_id": s, "size": f.size, "frontier": f.pack(), "last_at": at}
              for s, (f, at) in trees.items()]
    for i in range(0, len(values), BATCH):
        bind.execute(tree_table.insert(), values[i : i + BATCH])

    with op.batch_alter_table('disclosure_log', schema=None) as batch_op:
        batch_op.alter_column('leaf_index', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('leaf_hash', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_index('ix_disclosure_log_subject_seq')
        batch_op.create_index('ix_disclosure_log_subject_leaf', ['subject_id', 'leaf_index'], unique=True)
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('entry_hash')
    op.drop_table('disclosure_log_head')

    if bind.dialect.name == "postgresql":
        # Appends about different people no longer share one lock: seq comes from a sequence.
        op.execute("CREATE SEQUENCE disclosure_log_seq_seq OWNED BY disclosure_log.seq")
        op.execute("SELECT setval('disclosure_log_seq_seq', COALESCE((SELECT max(seq) FROM disclosure_log), 0) + 1, false)")
        op.execute("ALTER TABLE disclosure_log ALTER COLUMN seq SET DEFAULT nextval('disclosure_log_seq_seq')")


def downgrade() -> None:
    """Back to one global chain, rebuilt over every entry in ``seq`` order.  Lossy: the
    signed tree heads are dropped and the chain has no signed head until the old
    server signs one."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE disclosure_log ALTER COLUMN seq DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS disclosure_log_seq_seq")
    with op.batch_alter_table('disclosure_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    table = _log(sa.column("prev_hash", sa.String), sa.column("entry_hash", sa.String))
    set_chain = table.update().where(table.c.seq == sa.bindparam("b_seq")).values(
        prev_hash=sa.bindparam("b_prev"), entry_hash=sa.bindparam("b_hash"))
    prev = "0" * 64
    for rows in _batches(bind, table):
        updates = []
        for row in rows:
            fields = {name: getattr(row, name) for name in _FIELDS}
            fields["occurred_at"] = row.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256(prev.encode() + b"\n" + body.encode()).hexdigest()
            updates.append({"b_seq": row.seq, "b_prev": prev, "b_hash": digest})
            prev = digest
        bind.execute(set_chain, updates)
    with op.batch_alter_table('disclosure_log', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.drop_index('ix_disclosure_log_subject_leaf')
        batch_op.create_index('ix_disclosure_log_subject_seq', ['subject_id', 'seq'], unique=False)
        batch_op.drop_column('leaf_index')
        batch_op.drop_column('leaf_hash')
    op.drop_table('disclosure_log_tree_head')
    op.drop_table('disclosure_log_tree')
    op.create_table('disclosure_log_head',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entry_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('signed_at', directory.columns.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
