"""Attachment chunks (STREAM over AES-256-GCM): what opens, and what must not."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from messaging import attachments as a
from messaging import kinds

CHUNK = a.MIN_CHUNK


def _sealed(data: bytes, chunk: int = CHUNK):
    sealer = a.Sealer(str(uuid.uuid4()), len(data), chunk)
    chunks = [sealer.seal(i, data[i * chunk:(i + 1) * chunk]) for i in range(sealer.count)]
    return sealer.reference("epikrise.pdf", "application/pdf"), chunks


def _open(ref, chunks) -> bytes:
    return b"".join(a.open_chunks(ref, chunks))


@pytest.mark.parametrize("size", [1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 77])
def test_chunks_open_to_the_file_whatever_its_size(size) -> None:
    data = os.urandom(size)
    ref, chunks = _sealed(data)
    assert len(chunks) == a.chunk_count(size, CHUNK)
    assert sum(map(len, chunks)) == size + len(chunks) * a.TAG_BYTES
    assert _open(ref, chunks) == data
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    # a stream cut anywhere is reassembled into the same chunks
    blob = b"".join(chunks)
    pieces = [blob[i:i + 1000] for i in range(0, len(blob), 1000)]
    assert _open(ref, a.split_stream(pieces, ref)) == data


def test_reordered_truncated_extended_or_altered_chunks_do_not_open() -> None:
    data = os.urandom(4 * CHUNK + 10)
    ref, chunks = _sealed(data)
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    with pytest.raises(a.AttachmentError, match="chunk 0 does not open"):
        _open(ref, swapped)
    with pytest.raises(a.AttachmentError, match="ends early"):  # the last chunk dropped
        _open(ref, chunks[:-1])
    with pytest.raises(a.AttachmentError, match="more chunks"):
        _open(ref, [*chunks, chunks[-1]])
    flipped = bytearray(chunks[2])
    flipped[5] ^= 1
    with pytest.raises(a.AttachmentError, match="chunk 2 does not open"):
        _open(ref, [*chunks[:2], bytes(flipped), *chunks[3:]])
    # Cut at a full chunk, the last chunk kept is not marked final: it does not open.
    short = a.Reference(ref.id, ref.key, ref.nonce_prefix, ref.chunk_size, 2 * CHUNK, ref.sha256, "x", "y")
    with pytest.raises(a.AttachmentError, match="chunk 1 does not open"):
        _open(short, chunks[:2])
    # A chunk of another attachment under the same key does not open (the id is bound).
    other = a.Reference(str(uuid.uuid4()), *[getattr(ref, f) for f in
                                              ("key", "nonce_prefix", "chunk_size", "size", "sha256", "filename", "media_type")])
    with pytest.raises(a.AttachmentError, match="chunk 0 does not open"):
        _open(other, chunks)


def test_only_pdf_png_and_jpeg_are_let_in() -> None:
    assert a.media_type_of(b"%PDF-1.7\n") == "application/pdf"
    assert a.media_type_of(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert a.media_type_of(b"\xff\xd8\xff\xe0") == "image/jpeg"
    for head in (b"PK\x03\x04", b"<html>", b"GIF89a", b""):
        with pytest.raises(a.AttachmentError, match="only PDF, PNG and JPEG"):
            a.media_type_of(head)
    with pytest.raises(a.AttachmentError, match="at most 25 MB"):
        a.check_size(a.MAX_BYTES + 1)
    a.check_size(a.MAX_BYTES)


def test_references_travel_inside_their_section_and_come_back_out() -> None:
    ref, _ = _sealed(b"%PDF-1.4 hello")
    form = {"functional_ability": "Kan jobbe 50 %.", "diagnosis": "L83 Nakkesyndrom"}
    sections = kinds.split("functional_assessment", form, {"diagnosis": [ref.to_json()]})
    assert b"_attachments" in sections[kinds.Category.DIAGNOSIS]
    assert b"_attachments" not in sections[kinds.Category.FUNCTIONAL_ABILITY]
    joined = kinds.join("functional_assessment", sections)
    assert joined["form"] == form
    assert a.Reference.from_json(joined["attachments"]["diagnosis"][0]) == ref
    withheld = kinds.join("functional_assessment", {**sections, kinds.Category.DIAGNOSIS: None})
    assert "attachments" not in withheld
    with pytest.raises(kinds.KindError, match="has no section"):
        kinds.split("functional_assessment", form, {"work_tasks": [ref.to_json()]})
    with pytest.raises(kinds.KindError, match="malformed '_attachments'"):
        kinds.join("functional_assessment", {kinds.Category.DIAGNOSIS: b'{"_attachments":[],"diagnosis":"x"}'})


def test_the_browser_and_python_seal_and_open_the_same_bytes() -> None:
    from tests.unit.frontend.node import b64, run_node, unb64

    data = b"%PDF-1.7\n" + os.urandom(3 * CHUNK + 123)
    attachment_id = str(uuid.uuid4())
    sealed = run_node("attach_seal", {"id": attachment_id, "data": b64(data), "chunk_size": CHUNK, "filename": "e.pdf"})
    ref = a.Reference.from_json(sealed["reference"])
    assert (ref.media_type, ref.filename, ref.size) == ("application/pdf", "e.pdf", len(data))
    assert _open(ref, [unb64(c) for c in sealed["chunks"]]) == data  # JS sealed, Python opens

    ref, chunks = _sealed(data)  # Python sealed, JS opens
    opened = run_node("attach_open", {"reference": ref.to_json(), "chunks": [b64(c) for c in chunks]})
    assert unb64(opened["data"]) == data and opened["type"] == "application/pdf"
    for bad in ([chunks[1], chunks[0], *chunks[2:]], chunks[:-1], [*chunks, chunks[0]]):
        refused = run_node("attach_open", {"reference": ref.to_json(), "chunks": [b64(c) for c in bad]})
        assert refused.get("error") == "AttachmentError", refused
