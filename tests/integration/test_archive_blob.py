"""BlobArchive against a real Blob service: Azurite on loopback (see tests/fixtures/azurite.py).

The test clients use Azurite's well-known development account key; that key only works against the
emulator. Production code reaches Blob with the app's identity and never with a key.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from copilot_usage.archive import ArchiveError, BlobArchive, part_key
from copilot_usage.model import Report, Scope, ScopeType
from tests.fixtures.azurite import Azurite

ACME = Scope(ScopeType.ORGANIZATION, "acme")
BIGCORP = Scope(ScopeType.ENTERPRISE, "bigcorp")
DAY = dt.date(2026, 3, 14)


@pytest.fixture
def container(azurite: Azurite) -> Iterator[ContainerClient]:
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    client = service.get_container_client(f"raw-{uuid.uuid4().hex[:12]}")
    client.create_container()
    yield client
    client.delete_container()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_parts(archive: BlobArchive, scope: Scope, report: str, day: dt.date) -> list[tuple[int, bytes]]:
    out = []
    for part in archive.iter_parts(scope, report, day):
        with part.open() as stream:
            out.append((part.part, stream.read()))
    return out


def test_round_trip_with_content_settings(container: ContainerClient, tmp_path: Path) -> None:
    archive = BlobArchive(container.url, container_client=container)
    parts = [b'{"user_login":"alice"}\n', b'{"user_login":"bob"}\n{"user_login":"carol"}\n', b"{}"]
    keys = {i: archive.put(ACME, Report.USERS, DAY, i, write(tmp_path, f"p{i}", parts[i])) for i in (1, 2, 0)}

    assert keys[2] == "organization/acme/users/2026-03-14/part-002.json.gz"
    assert read_parts(archive, ACME, "users", DAY) == list(enumerate(parts))

    props = container.get_blob_client(keys[1]).get_blob_properties()
    assert props.content_settings.content_encoding == "gzip"
    assert props.content_settings.content_type == "application/json"
    assert props.metadata == {"sha256": hashlib.sha256(parts[1]).hexdigest(), "raw_size": str(len(parts[1]))}
    stored = container.download_blob(keys[1], decompress=False).readall()
    assert stored[:2] == b"\x1f\x8b"
    assert gzip.decompress(stored) == parts[1]


def test_put_is_idempotent_and_put_day_drops_stale_parts(container: ContainerClient, tmp_path: Path) -> None:
    archive = BlobArchive(container.url, container_client=container)
    source = write(tmp_path, "a", b'{"v":1}\n')
    key = archive.put(ACME, "users", DAY, 0, source)
    first = container.download_blob(key, decompress=False).readall()
    assert archive.put(ACME, "users", DAY, 0, source) == key
    assert container.download_blob(key, decompress=False).readall() == first

    archive.put_day(ACME, "users", DAY, [write(tmp_path, f"old{i}", b"old %d\n" % i) for i in range(3)])
    keys = archive.put_day(ACME, "users", DAY, [write(tmp_path, f"new{i}", b"new %d\n" % i) for i in range(2)])
    assert keys == [part_key(ACME, "users", DAY, 0), part_key(ACME, "users", DAY, 1)]
    assert read_parts(archive, ACME, "users", DAY) == [(0, b"new 0\n"), (1, b"new 1\n")]
    assert sorted(container.list_blob_names()) == keys


def test_list_days_is_per_scope_and_report(container: ContainerClient, tmp_path: Path) -> None:
    archive = BlobArchive(container.url, container_client=container)
    source = write(tmp_path, "a", b"{}\n")
    for day in (dt.date(2026, 3, 2), dt.date(2025, 12, 31), dt.date(2026, 1, 15)):
        archive.put(ACME, "users", day, 0, source)
        archive.put(ACME, "users", day, 1, source)
    archive.put(ACME, "user-teams", dt.date(2026, 2, 1), 0, source)
    archive.put(Scope(ScopeType.ENTERPRISE, "acme"), "users", dt.date(2026, 2, 2), 0, source)
    archive.put(ACME, "users-old", dt.date(2026, 2, 3), 0, source)  # a prefix of another report name
    container.upload_blob("organization/acme/users/2026-02-04/readme.txt", b"not a part")

    assert archive.list_days(ACME, "users") == [dt.date(2025, 12, 31), dt.date(2026, 1, 15), dt.date(2026, 3, 2)]
    assert archive.list_days(ACME, "user-teams") == [dt.date(2026, 2, 1)]
    assert archive.list_days(BIGCORP, "users") == []
    assert read_parts(archive, ACME, "users", dt.date(2026, 2, 4)) == []


def test_large_file_goes_up_in_blocks_and_streams_back(azurite: Azurite, tmp_path: Path) -> None:
    """Small transfer sizes force the block-upload and chunked-download paths a big report takes."""
    name = f"raw-{uuid.uuid4().hex[:12]}"
    small = ContainerClient.from_connection_string(
        azurite.connection_string, name,
        max_single_put_size=64 * 1024, max_block_size=64 * 1024,
        max_single_get_size=32 * 1024, max_chunk_get_size=32 * 1024,
    )
    small.create_container()
    try:
        archive = BlobArchive(small.url, container_client=small)
        # Random-looking content compresses poorly, so the gzip file spans several blocks.
        data = b"".join(hashlib.sha256(b"%d" % i).hexdigest().encode() + b"\n" for i in range(20_000))
        key = archive.put(BIGCORP, "users", DAY, 0, write(tmp_path, "big", data))
        committed, _ = small.get_blob_client(key).get_block_list("committed")
        assert len(committed) > 3
        assert read_parts(archive, BIGCORP, "users", DAY) == [(0, data)]
    finally:
        small.delete_container()


def test_built_from_the_container_url(azurite: Azurite, container: ContainerClient, tmp_path: Path) -> None:
    """The production construction path (URL + credential); the emulator key stands in for the identity."""
    url = f"{azurite.blob_endpoint}/{container.container_name}"
    archive = BlobArchive(url, credential={"account_name": azurite.account_name, "account_key": azurite.account_key})
    archive.put(ACME, "aggregate", DAY, 0, write(tmp_path, "a", b'{"daily_active_users":3}\n'))
    assert container.download_blob("organization/acme/aggregate/2026-03-14/part-000.json.gz").readall() == (
        b'{"daily_active_users":3}\n'  # the SDK's own decoding agrees with our Content-Encoding
    )
    assert archive.list_days(ACME, "aggregate") == [DAY]


def test_missing_container_is_a_clear_error(azurite: Azurite, tmp_path: Path) -> None:
    client = ContainerClient.from_connection_string(azurite.connection_string, "does-not-exist")
    archive = BlobArchive(client.url, container_client=client)
    with pytest.raises(ArchiveError, match="does not exist"):
        archive.put(ACME, "users", DAY, 0, write(tmp_path, "a", b"{}\n"))
    with pytest.raises(ArchiveError, match="does not exist"):
        archive.list_days(ACME, "users")


def test_access_denied_names_the_role(azurite: Azurite, container: ContainerClient, tmp_path: Path) -> None:
    wrong_key = "A" * 86 + "=="  # a well-formed key that is not the account's
    url = f"{azurite.blob_endpoint}/{container.container_name}"
    archive = BlobArchive(url, credential={"account_name": azurite.account_name, "account_key": wrong_key})
    with pytest.raises(ArchiveError) as info:
        archive.put(ACME, "users", DAY, 0, write(tmp_path, "a", b"{}\n"))
    assert "Storage Blob Data Contributor" in str(info.value)
    assert "HTTP 403" in str(info.value)
    assert wrong_key not in str(info.value)
    assert list(container.list_blob_names()) == []


def test_unreachable_service(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ContainerClient(
        f"http://127.0.0.1:{port}/devstoreaccount1", "raw", credential=None, retry_total=0
    )
    archive = BlobArchive(client.url, container_client=client)
    with pytest.raises(ArchiveError, match="unreachable"):
        archive.list_days(ACME, "users")
