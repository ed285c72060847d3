"""Encrypted attachments: a file in one message section, streamed in AEAD chunks.

The sender's client makes a fresh 32-byte key and an 8-byte nonce prefix, and seals the
file chunk by chunk with AES-256-GCM (the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-
Resistance", CRYPTO 2015): chunk ``i`` uses the nonce ``prefix || uint32_be(i)`` and the
associated data ``"samband-attachment-v1" || attachment id || uint32_be(i) || final``,
so a chunk moved, dropped, repeated or added after the last one fails to open.  The
reference (id, key, prefix, sizes, SHA-256, name, media type) travels inside the
section's sealed content; the server stores ciphertext chunks and sizes only.

The client's part (type check, sealing, opening) is ``messaging.attachment_crypto``,
re-exported here.  Server side (this module): uploads (``create_upload``, ``store_chunk``,
``complete``), linking at send time (``link``, called by ``Delivery.accept`` in the
message's transaction), reading (``readable``), and removal (``delete_for_messages``,
``sweep_expired``).  See docs/envelope.md, "Attachments", and
docs/decisions/0013-attachments.md.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, update
from sqlmodel import Session, col, select

from directory.errors import Conflict, InvalidInput, NotFound
from messaging.attachment_crypto import (  # noqa: F401  (the client's part, re-exported)
    CHUNK_SIZE, DOMAIN, MAGIC, MAX_BYTES, MAX_CHUNK, MIN_CHUNK, TAG_BYTES, AttachmentError, Reference, Sealer,
    check_size, chunk_count, media_type_of, open_chunks, split_stream,
)

if TYPE_CHECKING:
    from messaging.models import Attachment


class AttachmentNotFound(NotFound):
    code = "ATTACHMENT_NOT_FOUND"


class InvalidAttachment(InvalidInput):
    code = "INVALID_ATTACHMENT"


class AttachmentTooLarge(InvalidInput):
    code = "ATTACHMENT_TOO_LARGE"
    status = 413


# --- the server's part: uploads, links, reads, removal --------------------------------------


def _expected(row, index: int) -> int:
    """Ciphertext bytes of chunk ``index`` of an upload."""
    if index == row.chunk_count - 1:
        return row.size - index * row.chunk_size + TAG_BYTES
    return row.chunk_size + TAG_BYTES


def _chunk_path(row, index: int) -> Path:
    return Path(row.storage_path) / f"{index:06d}"


def create_upload(session: Session, *, me_id: str, case_id: str, thread_id: str, size: int, chunk_size: int,
                  root: Path, max_bytes: int, now: datetime) -> "Attachment":
    """A new upload's row and directory (the caller has checked the thread and holds
    the case's employee)."""
    from messaging.models import Attachment

    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise InvalidAttachment(f"chunk_size must be between {MIN_CHUNK} and {MAX_CHUNK} bytes ({CHUNK_SIZE} is usual)")
    if size < 1:
        raise InvalidAttachment("an empty file cannot be attached")
    if size > max_bytes:
        raise AttachmentTooLarge(f"the file is {size / 1048576:.1f} MB; an attachment may be at most "
                                 f"{max_bytes // 1048576} MB")
    attachment_id = str(uuid.uuid4())
    directory = Path(root).resolve() / attachment_id
    directory.mkdir(parents=True, exist_ok=False)
    row = Attachment(id=attachment_id, case_id=case_id, thread_id=thread_id, uploader_id=me_id, size=size,
                     chunk_size=chunk_size, chunk_count=chunk_count(size, chunk_size), state="uploading",
                     created_at=now, storage_path=str(directory))
    session.add(row)
    return row


def upload_of(session: Session, me_id: str, case_id: str, thread_id: str, attachment_id: str):
    """The caller's own upload in this thread, or 404."""
    from messaging.models import Attachment

    row = session.get(Attachment, attachment_id)
    if row is None or row.uploader_id != me_id or row.case_id != case_id or row.thread_id != thread_id:
        raise AttachmentNotFound(f"you have no upload {attachment_id} in this thread")
    return row


def check_chunk(row, index: int) -> int:
    """The ciphertext bytes chunk ``index`` must have; refuses a finished upload."""
    if row.state != "uploading":
        raise Conflict("this upload is complete; its chunks can no longer change")
    if not 0 <= index < row.chunk_count:
        raise InvalidAttachment(f"chunk numbers for this upload are 0 to {row.chunk_count - 1}")
    return _expected(row, index)


class ChunkWriter:
    """Writes one chunk's body as it arrives to a temporary file, then puts it in place
    (so a repeated PUT of the same chunk replaces it whole, and a broken one leaves
    nothing)."""

    def __init__(self, row, index: int, expected: int):
        self.target = _chunk_path(row, index)
        self.temp = self.target.with_name(f"{self.target.name}.{uuid.uuid4().hex}.part")
        self.expected, self.written = expected, 0
        self.file = open(self.temp, "wb")  # noqa: SIM115 -- closed in finish/abort

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if self.written > self.expected:
            raise InvalidAttachment(f"this chunk must be exactly {self.expected} bytes of ciphertext; it is longer")
        self.file.write(data)

    def finish(self) -> None:
        self.file.close()
        if self.written != self.expected:
            self.temp.unlink(missing_ok=True)
            raise InvalidAttachment(f"this chunk must be exactly {self.expected} bytes of ciphertext, not {self.written}")
        os.replace(self.temp, self.target)

    def abort(self) -> None:
        self.file.close()
        self.temp.unlink(missing_ok=True)


def complete(row) -> None:
    """Mark an upload complete once every chunk is there with its size."""
    if row.state != "uploading":
        return  # idempotent
    missing = [i for i in range(row.chunk_count)
               if not _chunk_path(row, i).is_file() or _chunk_path(row, i).stat().st_size != _expected(row, i)]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise InvalidAttachment(f"chunks missing: {shown}; send them, then complete again")
    row.state = "complete"


def link(session: Session, *, me_id: str, thread_id: str, message_id: str, named: dict[str, int],
         section_ids: set[int]) -> None:
    """Tie the uploads a message names to it, in the caller's transaction.

    Raises:
        InvalidAttachment: an upload that is not the sender's complete, unused upload in
            this thread, or a section the envelope does not have.
    """
    from messaging.models import Attachment

    for attachment_id, section_id in named.items():
        if section_id not in section_ids:
            raise InvalidAttachment(f"attachment {attachment_id} names section {section_id}, which the message does not have")
        row = session.get(Attachment, attachment_id)
        if row is None or row.uploader_id != me_id or row.thread_id != thread_id:
            raise InvalidAttachment(f"attachment {attachment_id} is not an upload of yours in this thread")
        if row.state != "complete":
            raise InvalidAttachment(
                f"attachment {attachment_id} is {'already in another message' if row.state == 'linked' else 'not complete'}")
        taken = session.execute(
            update(Attachment).where(col(Attachment.id) == attachment_id, col(Attachment.state) == "complete")
            .values(state="linked", message_id=message_id, section_id=section_id)
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:  # another send took it meanwhile
            raise InvalidAttachment(f"attachment {attachment_id} is already in another message")


def stream(row) -> Iterator[bytes]:
    """The ciphertext, chunk after chunk, read from disk one chunk at a time."""
    for i in range(row.chunk_count):
        with open(_chunk_path(row, i), "rb") as f:
            yield f.read()


def ciphertext_size(row) -> int:
    return row.size + row.chunk_count * TAG_BYTES


def _remove_after_commit(session: Session, paths: list[str]) -> None:
    """Remove the directories once the rows' removal is committed (a rollback keeps both)."""
    if not paths:
        return
    pending = session.info.setdefault("attachment_paths", [])
    if not pending:
        event.listen(session, "after_commit", _purge_paths, once=True)
        event.listen(session, "after_rollback", _forget_paths, once=True)
    pending.extend(paths)


def _purge_paths(session: Session) -> None:
    for path in session.info.pop("attachment_paths", []):
        shutil.rmtree(path, ignore_errors=True)
    if event.contains(session, "after_rollback", _forget_paths):
        event.remove(session, "after_rollback", _forget_paths)


def _forget_paths(session: Session) -> None:
    session.info.pop("attachment_paths", None)
    if event.contains(session, "after_commit", _purge_paths):
        event.remove(session, "after_commit", _purge_paths)


def delete_for_messages(session: Session, message_ids: Iterable[str]) -> int:
    """Delete the attachments of these messages: rows now (in the caller's transaction),
    files once it commits.  For recall and retention.  Returns how many."""
    from messaging.models import Attachment

    ids = list(message_ids)
    if not ids:
        return 0
    rows = session.exec(select(Attachment).where(col(Attachment.message_id).in_(ids))).all()
    paths = [r.storage_path for r in rows]
    for r in rows:
        session.delete(r)
    session.flush()
    _remove_after_commit(session, paths)
    return len(rows)


def sweep_expired(session: Session, now: datetime, ttl_seconds: int) -> int:
    """Delete uploads no message named within ``ttl_seconds``: rows now, files on commit."""
    from messaging.models import Attachment

    cutoff = now - timedelta(seconds=ttl_seconds)
    rows = session.exec(select(Attachment).where(col(Attachment.message_id).is_(None),
                                                 col(Attachment.created_at) < cutoff)).all()
    paths = [r.storage_path for r in rows]
    for r in rows:
        session.delete(r)
    session.flush()
    _remove_after_commit(session, paths)
    return len(rows)
