"""Reading a registry file as a stream of records, in bounded memory.

A file is gzip'd or not (told by its first two bytes, not its name), UTF-8 (strictly:
Latin-1 bytes are an error naming the line), and one of:

- a JSON array of objects (Enhetsregisteret's ``lastned``, NORG2's ``/enhet``): read
  element by element with ``json.JSONDecoder.raw_decode`` over a sliding buffer, so
  only the element being read is in memory;
- JSON Lines, one object a line (a Kafka topic dumped, e.g. NAV's nearest-manager
  records): a line that is not JSON is a bad row, the rest is read;
- CSV with a header row (``,`` or ``;``, told by the header), through ``csv``.

Each record comes with where it starts: the line (1-based) and, in a JSON array, the
element's index.  A file that cannot be read at all raises ``Unusable`` with the line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20  # bytes read at a time
MAX_RECORD = 4 << 20  # no registry record is this long: a longer one is broken JSON


class Unusable(Exception):
    """The file cannot be read: wrong encoding, broken JSON structure, wrong columns."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


class BadRecord(Exception):
    """One record that cannot be read (a JSON Lines line that is not JSON)."""


@dataclass(frozen=True)
class Record:
    line: int
    index: int | None  # the element's index in a JSON array
    data: dict | BadRecord

    @property
    def where(self) -> str:
        return f"{self.line}" if self.index is None else f"{self.line} (element {self.index})"


class _Progress:
    """The raw file's position, for a progress bar (compressed bytes for .gz)."""

    def __init__(self, raw: BinaryIO, size: int) -> None:
        self.raw, self.size = raw, size

    def fraction(self) -> float:
        try:
            return min(1.0, self.raw.tell() / self.size) if self.size else 1.0
        except (OSError, ValueError):
            return 0.0


class Source:
    """An opened file: ``records()`` yields ``Record``s; ``progress.fraction()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.progress = _Progress(self.raw, path.stat().st_size)
        magic = self.raw.read(2)
        self.raw.seek(0)
        self.stream: BinaryIO = gzip.GzipFile(fileobj=self.raw) if magic == b"\x1f\x8b" else self.raw  # type: ignore[assignment]
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self._lines_done = 1  # line number of the start of the text not yet handed out

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _text_chunks(self) -> Iterator[str]:
        """The file as text, chunk by chunk; a byte that is not UTF-8 is ``Unusable`` with its line."""
        line = 1
        while True:
            try:
                data = self.stream.read(CHUNK)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise Unusable(None, f"cannot read the gzip data: {exc}") from None
            try:
                text = self._decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                bad_line = line + data[: exc.start].count(b"\n")
                raise Unusable(bad_line, f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded "
                               "(is the file Latin-1 or Windows-1252? registry exports are UTF-8)") from None
            line += text.count("\n")
            if text:
                yield text
            if not data:
                return

    def records(self, check_header=None) -> Iterator[Record]:
        """``check_header(columns)`` is called with a CSV file's header and may raise ``Unusable``."""
        chunks = self._text_chunks()
        first = ""
        for first in chunks:
            if first.strip():
                break
        start = first.lstrip()[:1]
        rest = _chain(first, chunks)
        if start == "[":
            yield from _json_array(rest)
        elif start == "{":
            yield from _json_lines(rest)
        elif start == "":
            raise Unusable(1, "the file is empty")
        else:
            yield from _csv(rest, check_header)


def _chain(first: str, chunks: Iterator[str]) -> Iterator[str]:
    yield first
    yield from chunks


def _json_array(chunks: Iterator[str]) -> Iterator[Record]:
    decoder = json.JSONDecoder()
    buf, pos, line, eof, index = "", 0, 1, False, 0

    def more() -> bool:
        nonlocal buf, pos, eof
        try:
            chunk = next(chunks)
        except StopIteration:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    def skip_ws() -> None:
        nonlocal pos, line
        while True:
            end = pos
            n = len(buf)
            while end < n and buf[end] in " \t\r\n":
                end += 1
            line += buf.count("\n", pos, end)
            pos = end
            if pos < len(buf) or not more():
                return

    skip_ws()
    if buf[pos : pos + 1] != "[":
        raise Unusable(line, "not a JSON array")
    pos += 1
    skip_ws()
    if buf[pos : pos + 1] == "]":
        pos += 1
    else:
        while True:
            while True:
                try:
                    value, end = decoder.raw_decode(buf, pos)
                    if end == len(buf) and not eof and isinstance(value, (int, float)):
                        raise json.JSONDecodeError("number may continue", buf, end)  # read the rest of it
                    break
                except json.JSONDecodeError as exc:
                    if len(buf) - pos > MAX_RECORD or not more():
                        at = line + buf.count("\n", pos, exc.pos)
                        raise Unusable(at, f"broken JSON in element {index}: {exc.msg}") from None
            data = value if isinstance(value, dict) else BadRecord(f"element {index} is not a JSON object")
            yield Record(line, index, data)
            line += buf.count("\n", pos, end)
            pos = end
            index += 1
            skip_ws()
            sep = buf[pos : pos + 1]
            if sep == ",":
                pos += 1
                skip_ws()
                continue
            if sep == "]":
                pos += 1
                break
            raise Unusable(line, f"broken JSON after element {index - 1}: expected ',' or ']'"
                           + (" but the file ends" if not sep else f", found {sep!r}"))
    skip_ws()
    if pos < len(buf):
        raise Unusable(line, "broken JSON: text after the closing ']'")


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    tail = ""
    for chunk in chunks:
        parts = (tail + chunk).split("\n")
        tail = parts.pop()
        for p in parts:
            yield p + "\n"
    if tail:
        yield tail


def _json_lines(chunks: Iterator[str]) -> Iterator[Record]:
    decoder = json.JSONDecoder()
    for number, text in enumerate(_lines(chunks), start=1):
        text = text.strip()
        if not text:
            continue
        try:
            value, end = decoder.raw_decode(text)
            if text[end:].strip():
                raise json.JSONDecodeError("extra data after the object", text, end)
        except json.JSONDecodeError as exc:
            yield Record(number, None, BadRecord(f"broken JSON: {exc.msg} (column {exc.pos + 1})"))
            continue
        yield Record(number, None, value if isinstance(value, dict) else BadRecord("the line is not a JSON object"))


def _csv(chunks: Iterator[str], check_header=None) -> Iterator[Record]:
    lines = _lines(chunks)
    try:
        header_line = next(lines)
    except StopIteration:
        raise Unusable(1, "the file is empty") from None
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(_chain(header_line, lines), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        if check_header is not None:
            check_header(header)
        width = len(header)
        keys = [h.lower() for h in header]  # ``common.get`` finds a column in any case
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            if not row or row == [""]:
                continue
            if len(row) != width:
                yield Record(start, None, BadRecord(f"{len(row)} fields where the header has {width}"))
                continue
            yield Record(start, None, dict(zip(keys, row)))
    except csv.Error as exc:
        raise Unusable(reader.line_num, f"broken CSV: {exc}") from None
