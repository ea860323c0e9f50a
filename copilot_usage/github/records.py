"""Parse a downloaded (or imported) report file into records, tolerating bad lines.

GitHub serves NDJSON (one object per line) for user reports and a single JSON object, possibly
pretty-printed, for aggregate reports; people importing files by hand may also bring a JSON array or a
gzip file. NDJSON is read line by line so memory stays bounded however large the file is. Only a
multi-line document has to be read whole, and that is capped.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
EXCERPT_CHARS = 80


@dataclass(frozen=True)
class Malformed:
    """A part of the file that is not a JSON object: counted and set aside, parsing goes on."""

    line: int
    reason: str
    excerpt: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}: {self.excerpt!r}"


def iter_records(
    fileobj: BinaryIO, *, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> Iterator[dict[str, Any] | Malformed]:
    """Yield each JSON object of the file in order, and a `Malformed` for each part that is not one.

    `max_document_bytes` caps a multi-line JSON document and also a single NDJSON line.
    """
    lines = _Lines(_open(fileobj), max_document_bytes)
    try:
        yield from _parse(lines, max_document_bytes)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        # A corrupt or truncated gzip stream: keep what was read, report the rest as one bad entry.
        yield Malformed(lines.number + 1, f"the compressed data is corrupt or truncated ({type(exc).__name__})", "")


def _open(fileobj: BinaryIO) -> io.BufferedIOBase | BinaryIO:
    """The decompressed byte stream: gzip is recognised by its magic bytes, not by the file name."""
    head = fileobj.read(2)
    source = _Prefixed(head, fileobj)
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=io.BufferedReader(source), mode="rb")
    return io.BufferedReader(source)


class _Prefixed(io.RawIOBase):
    """Puts the already-read magic bytes back in front of a stream that cannot seek (e.g. a socket)."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def _parse(lines: _Lines, cap: int) -> Iterator[dict[str, Any] | Malformed]:
    first = lines.next_nonblank()
    if first is None:
        return
    number, raw = first
    if raw is None:
        yield _too_long(number, cap)
        yield from _ndjson(lines, cap)
        return
    text, value, error = _decode(raw, number == 1)
    if error is None:
        yield from _from_value(value, number, text)
    elif text.lstrip().startswith(("{", "[")) and not _next_is_object(lines):
        # A document spread over several lines (pretty-printed object or array): read it whole.
        yield from _document(raw, lines, cap, number)
        return
    else:
        yield Malformed(number, error, _excerpt(text))
    yield from _ndjson(lines, cap)


def _ndjson(lines: _Lines, cap: int) -> Iterator[dict[str, Any] | Malformed]:
    while (entry := lines.next_nonblank()) is not None:
        number, raw = entry
        if raw is None:
            yield _too_long(number, cap)
            continue
        text, value, error = _decode(raw, False)
        if error is not None:
            yield Malformed(number, error, _excerpt(text))
        else:
            yield from _from_value(value, number, text)


def _next_is_object(lines: _Lines) -> bool:
    """True when the next non-blank line is a JSON object on its own: then the file is NDJSON whose first
    line is broken, not a multi-line document (whose inner lines never parse alone as objects)."""
    entry = lines.peek_nonblank()
    if entry is None or entry[1] is None:
        return False
    _, value, error = _decode(entry[1], False)
    return error is None and isinstance(value, dict)


def _document(first: bytes, lines: _Lines, cap: int, number: int) -> Iterator[dict[str, Any] | Malformed]:
    parts = [first]
    size = len(first)
    for chunk in lines.rest():
        if chunk is None:
            size = cap + 1  # an over-long line was already skipped: the document cannot fit
        else:
            parts.append(chunk)
            size += len(chunk)
        if size > cap:
            yield Malformed(number, f"the JSON document is larger than the {cap}-byte limit",
                            _excerpt(first.decode("utf-8", "replace")))
            return
    text, value, error = _decode(b"".join(parts), number == 1)
    if error is not None:
        yield Malformed(number, error, _excerpt(text))
        return
    yield from _from_value(value, number, text)


def _from_value(value: Any, number: int, text: str) -> Iterator[dict[str, Any] | Malformed]:
    if isinstance(value, dict):
        yield value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield item
            else:
                yield Malformed(number, f"array element {index} is {_kind(item)}, not an object",
                                _excerpt(json.dumps(item)))
    else:
        yield Malformed(number, f"the JSON value is {_kind(value)}, not an object", _excerpt(text))


def _too_long(number: int, cap: int) -> Malformed:
    return Malformed(number, f"the line is longer than the {cap}-byte limit", "")


def _decode(raw: bytes, strip_bom: bool) -> tuple[str, Any, str | None]:
    """(text, value, error): error is None when `raw` is valid UTF-8 JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.decode("utf-8", "replace"), None, f"not UTF-8 text (byte {exc.start})"
    if strip_bom:
        text = text.removeprefix("\ufeff")
    try:
        return text, json.loads(text), None
    except json.JSONDecodeError as exc:
        return text, None, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except RecursionError:
        return text, None, "not valid JSON (nested too deeply)"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number", list: "an array"}
    return names.get(type(value), type(value).__name__)


def _excerpt(text: str) -> str:
    cleaned = "".join(c if c.isprintable() else " " for c in text.strip()[: EXCERPT_CHARS * 2])
    return cleaned[:EXCERPT_CHARS]


# A line entry: (1-based line number, the raw bytes, or None when the line exceeded the cap).
_Entry = tuple[int, bytes | None]


class _Lines:
    """Numbered lines of a byte stream, each read with a length cap so one huge line cannot fill memory."""

    def __init__(self, stream: Any, cap: int):
        self._stream = stream
        self._cap = cap
        self._number = 0
        self._peeked: deque[_Entry] = deque()

    @property
    def number(self) -> int:
        """The number of the last line read."""
        return self._number

    def next_nonblank(self) -> _Entry | None:
        while True:
            entry = self._peeked.popleft() if self._peeked else self._read_line()
            if entry is None or _nonblank(entry):
                return entry

    def peek_nonblank(self) -> _Entry | None:
        for entry in self._peeked:
            if _nonblank(entry):
                return entry
        while (line := self._read_line()) is not None:
            self._peeked.append(line)
            if _nonblank(line):
                return line
        return None

    def rest(self) -> Iterator[bytes | None]:
        """Everything not yet returned, in bounded chunks (None stands for a skipped over-long line)."""
        while self._peeked:
            yield self._peeked.popleft()[1]
        while chunk := self._stream.read(1 << 20):
            yield chunk

    def _read_line(self) -> _Entry | None:
        line = self._stream.readline(self._cap + 1)
        if not line:
            return None
        self._number += 1
        if len(line) > self._cap and not line.endswith(b"\n"):
            # Drain the rest of the over-long line in bounded pieces; the caller reports it.
            while (more := self._stream.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
            return self._number, None
        return self._number, line


def _nonblank(entry: _Entry) -> bool:
    return entry[1] is None or bool(entry[1].strip())
