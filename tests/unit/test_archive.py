"""LocalArchive on a real directory, the key rules, and archive_from_settings."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

import pytest

from copilot_usage.archive import (
    ArchiveError,
    BlobArchive,
    LocalArchive,
    archive_from_settings,
    part_key,
)
from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.settings import Part, Settings

ACME = Scope(ScopeType.ORGANIZATION, "acme")
BIGCORP = Scope(ScopeType.ENTERPRISE, "bigcorp")
DAY = dt.date(2026, 3, 14)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "downloads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_parts(archive: LocalArchive, scope: Scope, report: str, day: dt.date) -> list[tuple[int, bytes]]:
    out = []
    for part in archive.iter_parts(scope, report, day):
        with part.open() as stream:
            out.append((part.part, stream.read()))
    return out


PARTS = [
    b'{"user_login":"alice","day":"2026-03-14"}\n{"user_login":"bob","day":"2026-03-14"}\n',
    '{"user_login":"j\u00fcrgen","note":"\u65e5\u672c"}\n'.encode(),
    b"",  # an empty file is still a file GitHub gave us
]


def test_round_trip_in_part_order_gzip_on_disk(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "archive")
    sources = [write(tmp_path, f"f{i}", data) for i, data in enumerate(PARTS)]
    # Written out of order: reading back must still follow the part numbers.
    keys = {i: archive.put(ACME, Report.USERS, DAY, i, sources[i]) for i in (2, 0, 1)}

    assert keys[0] == "organization/acme/users/2026-03-14/part-000.json.gz"
    assert read_parts(archive, ACME, "users", DAY) == list(enumerate(PARTS))
    for i, key in keys.items():
        stored = (tmp_path / "archive" / key).read_bytes()
        assert stored[:2] == b"\x1f\x8b"  # gzip on disk
        assert gzip.decompress(stored) == PARTS[i]
    assert [p.key for p in archive.iter_parts(ACME, "users", DAY)] == [keys[0], keys[1], keys[2]]


def test_big_file_round_trip(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "archive")
    line = b'{"user_login":"user-%06d","code_generation_activity_count":%d}\n'
    data = b"".join(line % (i, i * 7) for i in range(100_000))
    archive.put(BIGCORP, "users", DAY, 0, write(tmp_path, "big", data))
    ((number, back),) = read_parts(archive, BIGCORP, "users", DAY)
    assert number == 0
    assert back == data
    stored = tmp_path / "archive" / "enterprise/bigcorp/users/2026-03-14/part-000.json.gz"
    assert stored.stat().st_size < len(data) / 5


def test_put_is_idempotent_and_overwrites(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "archive")
    source = write(tmp_path, "a", PARTS[0])
    key = archive.put(ACME, "users", DAY, 0, source)
    first = (tmp_path / "archive" / key).read_bytes()
    # Deterministic gzip: no file name flag, zero timestamp, so a later run writes identical bytes.
    assert first[3] == 0
    assert first[4:8] == b"\0\0\0\0"
    os.utime(source, (0, 0))
    assert archive.put(ACME, "users", DAY, 0, source) == key
    assert (tmp_path / "archive" / key).read_bytes() == first

    archive.put(ACME, "users", DAY, 0, write(tmp_path, "b", b'{"revised":true}\n'))
    assert read_parts(archive, ACME, "users", DAY) == [(0, b'{"revised":true}\n')]
    leftovers = [p.name for p in (tmp_path / "archive" / key).parent.iterdir()]
    assert leftovers == ["part-000.json.gz"]  # no temp files survive


def test_put_day_removes_parts_of_an_older_longer_version(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "archive")
    three = [write(tmp_path, f"v1-{i}", b"old %d\n" % i) for i in range(3)]
    assert len(archive.put_day(ACME, "users", DAY, three)) == 3
    two = [write(tmp_path, f"v2-{i}", b"new %d\n" % i) for i in range(2)]
    assert archive.put_day(ACME, "users", DAY, two) == [
        part_key(ACME, "users", DAY, 0),
        part_key(ACME, "users", DAY, 1),
    ]
    assert read_parts(archive, ACME, "users", DAY) == [(0, b"new 0\n"), (1, b"new 1\n")]

    archive.put_day(ACME, "users", DAY, [])  # GitHub now says: no files for that day
    assert read_parts(archive, ACME, "users", DAY) == []
    assert archive.list_days(ACME, "users") == []


def test_list_days_sorted_and_ignores_noise(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    archive = LocalArchive(root)
    source = write(tmp_path, "a", b"{}\n")
    for day in (dt.date(2026, 3, 2), dt.date(2025, 12, 31), dt.date(2026, 1, 15)):
        archive.put(ACME, "users", day, 0, source)
    archive.put(ACME, "aggregate", dt.date(2026, 2, 1), 0, source)  # another report
    archive.put(Scope(ScopeType.ENTERPRISE, "acme"), "users", dt.date(2026, 2, 2), 0, source)  # same slug
    folder = root / "organization/acme/users"
    (folder / "2026-02-30").mkdir()  # not a date
    (folder / "2026-02-27").mkdir()  # no parts
    (folder / "2026-02-28").mkdir()
    (folder / "2026-02-28" / ".part-000.json.gz.abc.tmp").write_bytes(b"half")  # an interrupted write
    (folder / "notes.txt").write_text("hi")

    assert archive.list_days(ACME, "users") == [dt.date(2025, 12, 31), dt.date(2026, 1, 15), dt.date(2026, 3, 2)]
    assert read_parts(archive, ACME, "users", dt.date(2026, 2, 28)) == []
    assert archive.list_days(ACME, "repos") == []
    assert LocalArchive(tmp_path / "nothing-here").list_days(ACME, "users") == []


@pytest.mark.parametrize(
    ("scope", "report", "day", "part", "needle"),
    [
        (Scope(ScopeType.ORGANIZATION, "../etc"), "users", DAY, 0, "slug"),
        (Scope(ScopeType.ORGANIZATION, "a/b"), "users", DAY, 0, "slug"),
        (Scope(ScopeType.ORGANIZATION, "a\\b"), "users", DAY, 0, "slug"),
        (Scope(ScopeType.ORGANIZATION, ""), "users", DAY, 0, "slug"),
        (ACME, "..", DAY, 0, "report"),
        (ACME, "../../x", DAY, 0, "report"),
        (ACME, "users/../../x", DAY, 0, "report"),
        (ACME, "a\\b", DAY, 0, "report"),
        (ACME, "x..y", DAY, 0, "report"),
        (ACME, "users?sig=abc", DAY, 0, "report"),
        (ACME, "users", dt.datetime(2026, 3, 14, 1, 2), 0, "day"),
        (ACME, "users", "2026-03-14", 0, "day"),
        (ACME, "users", DAY, -1, "part"),
        (ACME, "users", DAY, True, "part"),
        (ACME, "users", DAY, 1_000_000, "part"),
    ],
)
def test_hostile_names_are_refused(
    tmp_path: Path, scope: Scope, report: str, day: dt.date, part: int, needle: str
) -> None:
    root = tmp_path / "archive"
    source = write(tmp_path, "a", b"{}\n")
    with pytest.raises(ValueError, match=needle):
        LocalArchive(root).put(scope, report, day, part, source)
    assert not root.exists() or not any(root.rglob("*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["downloads"]  # nothing written beside it either


def test_reading_with_hostile_names_is_refused_too(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)
    with pytest.raises(ValueError, match="report"):
        list(archive.iter_parts(ACME, "../..", DAY))
    with pytest.raises(ValueError, match="slug"):
        archive.list_days(Scope(ScopeType.ORGANIZATION, ".."), "users")


def test_missing_source_file_is_a_clear_error(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path / "archive")
    with pytest.raises(ArchiveError, match=r"cannot read the file to archive .*missing\.ndjson"):
        archive.put(ACME, "users", DAY, 0, tmp_path / "missing.ndjson")
    folder = tmp_path / "archive" / "organization/acme/users/2026-03-14"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_unwritable_root_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "archive"
    blocker.write_text("a file where the archive directory should be")
    with pytest.raises(ArchiveError, match="cannot write archive organization/acme/users"):
        LocalArchive(blocker).put(ACME, "users", DAY, 0, write(tmp_path, "a", b"{}\n"))


def test_archive_from_settings(tmp_path: Path) -> None:
    def archive(env: dict[str, str]) -> object:  # the archive part alone: no scope or credential needed
        return archive_from_settings(Settings.from_env(env, {Part.ARCHIVE}).archive)

    assert archive({}) is None

    local = archive({"ARCHIVE_DIR": str(tmp_path)})
    assert isinstance(local, LocalArchive)
    assert local.root == tmp_path

    url = "https://stcopilot.blob.core.windows.net/raw-reports"
    blob = archive({"ARCHIVE_CONTAINER_URL": url})
    assert isinstance(blob, BlobArchive)
    assert blob.container_url == url


def test_blob_archive_refuses_sas_tokens_and_plain_http() -> None:
    with pytest.raises(ValueError, match="must not carry a SAS token") as info:
        BlobArchive("https://st.blob.core.windows.net/raw?sv=2024&sig=TOPSECRETSIG")
    assert "TOPSECRETSIG" not in str(info.value)
    with pytest.raises(ValueError, match="must be https"):
        BlobArchive("http://st.blob.core.windows.net/raw")
