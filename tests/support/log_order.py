"""One person's disclosure log, in the order his log shows it.

The race tests ask "was this entry ordered before that one?" of the log itself, never
of the clock: each person's log is his own Merkle tree, so its order is the leaf index.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from consent.models import DisclosureLogEntry


def entries_in_log_order(session: Session, subject_id: str) -> list[DisclosureLogEntry]:
    """Every log entry about ``subject_id``, first to last as his log orders them."""
    return list(session.exec(
        select(DisclosureLogEntry).where(DisclosureLogEntry.subject_id == subject_id)
        .order_by(col(DisclosureLogEntry.leaf_index))
    ).all())


def position(entries: list[DisclosureLogEntry], entry: DisclosureLogEntry) -> int:
    """Where ``entry`` stands in ``entries`` (as ``entries_in_log_order`` gave them)."""
    return next(i for i, e in enumerate(entries) if e.entry_id == entry.entry_id)


def out_of_order_stamps(entries: list[DisclosureLogEntry]) -> list[tuple[DisclosureLogEntry, DisclosureLogEntry]]:
    """Each pair of neighbours whose timestamps contradict their order (the later one
    stamped before the earlier one)."""
    return [(a, b) for a, b in zip(entries, entries[1:]) if b.occurred_at < a.occurred_at]
