"""records.iter_records: NDJSON, single documents, arrays, gzip, bad lines, limits, bounded reading."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any

import pytest

from copilot_usage.github.records import Malformed, iter_records

USER = {"user_id": 1001, "user_login": "alice", "day": "2026-11-20", "totals_by_ide": [{"ide": "vscode"}]}


def parse(data: bytes, **kwargs: Any) -> list[dict[str, Any] | Malformed]:
    return list(iter_records(io.BytesIO(data), **kwargs))


def good(entries: list[Any]) -> list[dict[str, Any]]:
    return [e for e in entries if not isinstance(e, Malformed)]


def bad(entries: list[Any]) -> list[Malformed]:
    return [e for e in entries if isinstance(e, Malformed)]


def test_empty_file_yields_nothing() -> None:
    assert parse(b"") == []
    assert parse(b"\n \n\r\n") == []


def test_ndjson_lines_with_blank_lines_and_unknown_fields() -> None:
    rows = [USER, {**USER, "user_id": 1002, "brand_new_field": {"x": 1}}]
    data = b"\n".join(json.dumps(r).encode() for r in rows) + b"\n\n\r\n"
    assert parse(data) == rows


def test_malformed_lines_are_counted_while_good_ones_are_kept() -> None:
    lines = [
        json.dumps(USER),
        '{"user_id": 1002, "user_login": "bob"',  # cut off
        "",
        "not json at all",
        "42",
        '["a", {"user_id": 1003}]',
        json.dumps({**USER, "user_id": 1004}),
    ]
    entries = parse("\n".join(lines).encode())
    assert [r["user_id"] for r in good(entries)] == [1001, 1003, 1004]
    problems = bad(entries)
    assert [(m.line, m.reason.split(" (")[0]) for m in problems] == [
        (2, "not valid JSON"),
        (4, "not valid JSON"),
        (5, "the JSON value is a number, not an object"),
        (6, "array element 0 is a string, not an object"),
    ]
    assert problems[0].excerpt == '{"user_id": 1002, "user_login": "bob"'


def test_excerpt_is_at_most_80_printable_characters() -> None:
    entries = parse(b"\x01" + b"x" * 500 + b"\n")
    (problem,) = bad(entries)
    assert len(problem.excerpt) <= 80
    assert problem.excerpt.isprintable()


def test_broken_first_line_of_ndjson_does_not_lose_the_rest() -> None:
    data = b'{"user_id": 1, "user_lo\n' + json.dumps(USER).encode() + b"\n"
    entries = parse(data)
    assert good(entries) == [USER]
    assert [m.line for m in bad(entries)] == [1]


def test_pretty_printed_single_object() -> None:
    aggregate = {"report_start_day": "2026-10-24", "report_end_day": "2026-11-20",
                 "day_totals": [{"day": "2026-10-24", "daily_active_users": 3}]}
    assert parse(json.dumps(aggregate, indent=2).encode()) == [aggregate]


def test_json_array_of_objects() -> None:
    rows = [USER, {**USER, "user_id": 2}]
    assert parse(json.dumps(rows).encode()) == rows
    entries = parse(json.dumps([*rows, "x", None], indent=4).encode())
    assert good(entries) == rows
    assert [m.reason for m in bad(entries)] == [
        "array element 2 is a string, not an object",
        "array element 3 is null, not an object",
    ]


def test_broken_multi_line_document_is_one_malformed_entry() -> None:
    text = json.dumps({"a": [1, 2, 3], "b": {"c": 1}}, indent=2)[:-8]
    entries = parse(text.encode())
    assert len(entries) == 1
    assert isinstance(entries[0], Malformed)
    assert entries[0].reason.startswith("not valid JSON")


def test_gzip_is_detected_by_magic_bytes() -> None:
    rows = [USER, {**USER, "user_id": 7}]
    data = gzip.compress(b"\n".join(json.dumps(r).encode() for r in rows))
    assert parse(data) == rows
    pretty = gzip.compress(json.dumps({"day_totals": []}, indent=2).encode())
    assert parse(pretty) == [{"day_totals": []}]


def test_truncated_gzip_keeps_what_was_read_and_reports_the_rest() -> None:
    lines = b"".join(json.dumps({**USER, "user_id": i}).encode() + b"\n" for i in range(2000))
    data = gzip.compress(lines)
    entries = parse(data[: len(data) - 200])
    problems = bad(entries)
    assert len(problems) == 1
    assert "corrupt or truncated" in problems[0].reason
    assert 0 < len(good(entries)) < 2000
    assert [r["user_id"] for r in good(entries)] == list(range(len(good(entries))))


def test_utf8_bom_and_invalid_utf8() -> None:
    assert parse(b"\xef\xbb\xbf" + json.dumps(USER).encode()) == [USER]
    entries = parse(b'{"user_login": "\xff\xfe"}\n' + json.dumps(USER).encode())
    assert good(entries) == [USER]
    assert bad(entries)[0].reason.startswith("not UTF-8")


def test_document_over_the_size_cap_is_refused() -> None:
    doc = json.dumps({"day_totals": [{"day": "2026-11-20", "n": i} for i in range(50)]}, indent=2).encode()
    entries = parse(doc, max_document_bytes=200)
    assert len(entries) == 1
    assert isinstance(entries[0], Malformed)
    assert "larger than the 200-byte limit" in entries[0].reason
    assert parse(doc, max_document_bytes=len(doc)) == [json.loads(doc)]


def test_over_long_ndjson_line_is_skipped_not_buffered() -> None:
    long_row = json.dumps({**USER, "pad": "x" * 5000}).encode()
    data = json.dumps(USER).encode() + b"\n" + long_row + b"\n" + json.dumps(USER).encode() + b"\n"
    entries = parse(data, max_document_bytes=1000)
    assert good(entries) == [USER, USER]
    assert [(m.line, m.reason) for m in bad(entries)] == [(2, "the line is longer than the 1000-byte limit")]


class TrickleStream(io.RawIOBase):
    """A non-seekable stream that records how far it has been read (like a socket)."""

    def __init__(self, data: bytes):
        self._data = data
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data[self.position : self.position + min(len(buffer), 4096)]
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


def test_ndjson_is_read_incrementally_from_a_non_seekable_stream() -> None:
    data = b"".join(json.dumps({**USER, "user_id": i}).encode() + b"\n" for i in range(20000))
    stream = TrickleStream(data)
    records = iter_records(stream)  # type: ignore[arg-type]
    first = next(records)
    assert first == {**USER, "user_id": 0}
    assert stream.position < 64 * 1024 < len(data)  # only a buffer's worth was read, not the file
    assert sum(1 for _ in records) == 19999
    assert stream.position == len(data)


@pytest.mark.parametrize("payload", [b"null", b'"text"', b"true"])
def test_top_level_scalars_are_malformed(payload: bytes) -> None:
    (entry,) = parse(payload)
    assert isinstance(entry, Malformed)
    assert entry.line == 1
    assert "not an object" in entry.reason
