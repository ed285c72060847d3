"""Running an import: check every file first (nothing is written when one cannot be
read), then apply the rows in batches.

Per batch: one query per kind of lookup, ``executemany`` inserts and updates, and one
``directory_change`` row with the batch's counts (a row per record would double the
writes of a million-row import).  Each batch is its own transaction, or the whole run
one (``all_or_nothing``: nothing is written if any row is bad; ``dry_run``: rolled back).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from directory.columns import new_id, utcnow
from directory.importers.common import Context, Outcome, RowError, Skip, Writes
from directory.importers.organisations import resolve_pending_parents
from directory.importers.reading import BadRecord, Record, Source, Unusable
from directory.models import DirectoryChange

COUNTS = ("created", "updated", "unchanged", "skipped", "rejected")
SHOW_CHANGES = 20


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)  # the first ones, for --dry-run
    unusable: list[str] = field(default_factory=list)
    unresolved_parents: int = 0
    written: bool = False  # False: a dry run, or --all-or-nothing with a rejected row
    run_id: str = field(default_factory=new_id)

    @property
    def exit_code(self) -> int:
        return 2 if self.unusable else 1 if self.counts["rejected"] else 0


class _Progress:
    """``importing x.json.gz  41%  120,000 rows  23,000/s`` on a terminal, else nothing."""

    def __init__(self, out: TextIO | None) -> None:
        self.out = out if out is not None and out.isatty() else None
        self.last = 0.0

    def clear(self) -> None:
        """Wipe the progress line, so that an error printed next starts on a clean line."""
        if self.out is not None:
            self.out.write("\r\033[K")

    def show(self, label: str, source: Source, rows: int, started: float, final: bool = False) -> None:
        if self.out is None:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.25:
            return
        self.last = now
        rate = rows / max(now - started, 1e-6)
        self.out.write(f"\r{label} {source.path.name}  {source.progress.fraction():4.0%}  {rows:,} rows  {rate:,.0f}/s ")
        if final:
            self.out.write("\n")
        self.out.flush()


def _header_check(columns: tuple[str, ...]) -> Callable[[list[str]], None]:
    def check(header: list[str]) -> None:
        have = {h.lower() for h in header}
        missing = [c for c in columns if c.lower() not in have]
        if missing:
            raise Unusable(1, f"wrong columns: missing {', '.join(missing)} (the header has: {', '.join(header)})")

    return check


def _parsed(importer, source: Source, seen: set | None) -> Iterator[tuple[Record, object]]:
    """Each record with its parsed row, or the ``RowError``/``Skip`` it raised."""
    for record in source.records(_header_check(importer.columns)):
        if isinstance(record.data, BadRecord):
            yield record, RowError(str(record.data))
            continue
        try:
            row = importer.parse(record.data)
        except (RowError, Skip) as exc:
            yield record, exc
            continue
        if seen is not None:
            # Digits as ints: a million org numbers take ~60 MiB in a set, not ~90.
            key = tuple(int(k) for k in row.key) if isinstance(row.key, tuple) else int(row.key)
            if key in seen:
                yield record, RowError(f"duplicate: {_shown_key(row.key)} appears earlier in this import")
                continue
            seen.add(key)
        yield record, row


def _shown_key(key) -> str:
    from directory.types import mask_national_id

    parts = key if isinstance(key, tuple) else (key,)
    return "/".join(mask_national_id(p) if len(p) == 11 else p for p in parts)


def run_import(engine: Engine, importer, paths: list[Path], *, dry_run: bool = False, all_or_nothing: bool = False,
               batch_size: int = 2000, by_label: str = "", errors: TextIO = sys.stderr,
               progress: TextIO | None = sys.stderr) -> Report:
    report = Report()
    bar = _Progress(progress)

    def reject(path: Path, where: str, reason: str) -> None:
        report.counts["rejected"] += 1
        bar.clear()
        print(f"{path}:{where}: {reason}", file=errors)

    # 1. Check: read and parse every file, no database.  Rows found bad here are
    # remembered (file, line) and left out when applying.
    bad: set[tuple[int, int]] = set()
    seen: set = set()
    for n, path in enumerate(paths):
        try:
            with Source(path) as source:
                started, rows = time.monotonic(), 0
                for record, row in _parsed(importer, source, seen):
                    rows += 1
                    if isinstance(row, RowError):
                        bad.add((n, record.line))
                        reject(path, record.where, str(row))
                    bar.show("checking", source, rows, started)
                bar.show("checking", source, rows, started, final=True)
        except Unusable as exc:
            where = f"{path}:{exc.line}" if exc.line else f"{path}"
            report.unusable.append(f"{where}: {exc.reason}")
        except OSError as exc:
            report.unusable.append(f"{path}: cannot read it: {exc.strerror or exc}")
    del seen
    if report.unusable:
        for problem in report.unusable:
            print(problem, file=errors)
        print("nothing was imported: fix the file(s) above and run again", file=errors)
        report.counts.clear()
        return report
    if all_or_nothing and report.counts["rejected"] and not dry_run:
        print(f"nothing was imported (--all-or-nothing): {report.counts['rejected']} row(s) rejected", file=errors)
        return report

    # 2. Apply, in batches.
    ctx = Context(importer.name)
    one_transaction = dry_run or all_or_nothing
    from web.database import writer

    session = Session(writer(engine), expire_on_commit=False)
    try:
        for n, path in enumerate(paths):
            with Source(path) as source:
                started, rows, batch = time.monotonic(), 0, []
                for record, row in _parsed(importer, source, None):
                    rows += 1
                    if (n, record.line) in bad:
                        continue
                    if isinstance(row, Skip):
                        report.counts["skipped"] += 1
                        continue
                    batch.append((record, row))
                    if len(batch) >= batch_size:
                        _apply(session, importer, ctx, path, batch, report, reject, by_label, commit=not one_transaction)
                        batch = []
                    bar.show("importing", source, rows, started)
                if batch:
                    _apply(session, importer, ctx, path, batch, report, reject, by_label, commit=not one_transaction)
                bar.show("importing", source, rows, started, final=True)
        if ctx.pending_parents:
            _linked, report.unresolved_parents = resolve_pending_parents(session, ctx, batch_size)
            if not one_transaction:
                session.commit()
        if dry_run or (all_or_nothing and report.counts["rejected"]):
            session.rollback()
            if not dry_run:
                print(f"nothing was imported (--all-or-nothing): {report.counts['rejected']} row(s) rejected", file=errors)
        else:
            session.commit()
            report.written = True
    finally:
        session.close()
    return report


def _apply(session: Session, importer, ctx: Context, path: Path, batch: list[tuple[Record, object]], report: Report,
           reject, by_label: str, *, commit: bool) -> None:
    writes = Writes()
    outcomes: list[Outcome] = importer.apply(session, [row for _, row in batch], ctx, writes)
    counts: Counter = Counter()
    for (record, _row), outcome in zip(batch, outcomes):
        if outcome.kind == "rejected":
            reject(path, record.where, outcome.reason)
            continue
        counts[outcome.kind] += 1
        if outcome.change and outcome.kind in ("created", "updated") and len(report.changes) < SHOW_CHANGES:
            report.changes.append(outcome.change)
    writes.flush(session)
    report.counts.update(counts)
    session.add(DirectoryChange(
        at=utcnow(), by_label=f"import:{importer.name}", action="import", target_type="import",
        target_id=report.run_id,
        detail=json.dumps({"by": by_label, "file": path.name, "from_line": batch[0][0].line,
                           "to_line": batch[-1][0].line, **{k: counts[k] for k in ("created", "updated", "unchanged", "skipped")},
                           "rejected": len(batch) - sum(counts.values())}, sort_keys=True),
    ))
    session.flush()
    if commit:
        session.commit()


def summary(source: str, report: Report, *, dry_run: bool) -> str:
    c = report.counts
    would = not report.written  # a dry run, or --all-or-nothing undone: say what would have been
    lines = [f"{source}: {'would create' if would else 'created'} {c['created']}, "
             f"{'would update' if would else 'updated'} {c['updated']}, unchanged {c['unchanged']}, "
             f"skipped {c['skipped']}, rejected {c['rejected']}"]
    if report.unresolved_parents:
        lines.append(f"{report.unresolved_parents} sub-unit(s) name a parent unit that is not in samband "
                     "(imported without their parent)")
    if dry_run:
        lines.append("dry run: nothing was written")
        if report.changes:
            lines.append(f"the first {len(report.changes)} change(s):")
            lines += [f"  {c}" for c in report.changes]
    elif would:
        lines.append("nothing was written (--all-or-nothing)")
    return "\n".join(lines)
