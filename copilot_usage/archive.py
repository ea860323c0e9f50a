"""The raw report archive: every downloaded file, gzip-compressed, in a local directory or Azure Blob.

Layout (the same in both): `<scope_type>/<scope>/<report>/<YYYY-MM-DD>/part-<NNN>.json.gz`, where
NNN is the file's position in GitHub's `download_links`. Names are built only from validated parts,
never from a download URL, so no signed link or token can end up in a file or blob name.

Compression is deterministic (no timestamp or file name in the gzip header): the same content always
gives the same bytes under the same key, so re-archiving a day is a harmless overwrite.

Use `put_day` for a whole day: it also removes parts left over from an earlier, longer version of that
day, which `reprocess` would otherwise read as current data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Protocol, cast
from urllib.parse import urlsplit

from copilot_usage.model import SLUG_RE, Scope, ScopeType
from copilot_usage.settings import ArchiveSettings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.storage.blob import ContainerClient

PART_NAME_RE = re.compile(r"^part-(\d{3,6})\.json\.gz$")
DAY_NAME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REPORT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_PART = 999_999
COMPRESS_LEVEL = 6  # gzip's sweet spot: level 9 costs far more CPU for a few percent on JSON
CHUNK = 1 << 16
BLOB_WRITER_ROLE = "Storage Blob Data Contributor"
UPLOAD_SINGLE_PUT_MAX = 8 << 20
UPLOAD_BLOCK_SIZE = 4 << 20


class ArchiveError(RuntimeError):
    """The archive could not be read or written; the message names the key and what to fix."""


@dataclass(frozen=True)
class ArchivedPart:
    """One archived file. `open()` gives a context manager over its *decompressed* bytes."""

    part: int
    key: str
    _opener: Callable[[], contextlib.AbstractContextManager[BinaryIO]] = field(repr=False, compare=False)

    def open(self) -> contextlib.AbstractContextManager[BinaryIO]:
        return self._opener()


class Archive(Protocol):
    def put(self, scope: Scope, report: str, day: dt.date, part: int, source: Path) -> str:
        """Store `source` compressed under its key and return the key; overwrites the same key."""
        ...

    def put_day(self, scope: Scope, report: str, day: dt.date, sources: Sequence[Path]) -> list[str]:
        """Store all files of a day (parts 0..n-1) and remove any higher parts from before."""
        ...

    def iter_parts(self, scope: Scope, report: str, day: dt.date) -> Iterator[ArchivedPart]:
        """The day's parts in part order (none when the day was never archived)."""
        ...

    def list_days(self, scope: Scope, report: str) -> list[dt.date]:
        """Days that have at least one part, oldest first."""
        ...


# ---- keys (pure) -------------------------------------------------------------------------------


def report_prefix(scope: Scope, report: str) -> str:
    """`<scope_type>/<scope>/<report>`, refusing anything that could escape or confuse the layout."""
    scope_type = ScopeType(scope.type).value
    if not isinstance(scope.slug, str) or not SLUG_RE.match(scope.slug):
        raise ValueError(f"refusing to archive under scope slug {scope.slug!r}: not a valid GitHub slug")
    name = str(report)
    if not REPORT_NAME_RE.match(name) or ".." in name:
        raise ValueError(f"refusing to archive under report name {name!r}: use letters, digits, '-', '_' or '.'")
    return f"{scope_type}/{scope.slug}/{name}"


def day_prefix(scope: Scope, report: str, day: dt.date) -> str:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValueError(f"archive day must be a date, got {day!r}")
    return f"{report_prefix(scope, report)}/{day.isoformat()}"


def part_key(scope: Scope, report: str, day: dt.date, part: int) -> str:
    if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part <= MAX_PART:
        raise ValueError(f"archive part must be a whole number from 0 to {MAX_PART}, got {part!r}")
    return f"{day_prefix(scope, report, day)}/part-{part:03d}.json.gz"


def part_number(name: str) -> int | None:
    """The part number of a file name like `part-002.json.gz`; None for anything else (temp files)."""
    match = PART_NAME_RE.match(name)
    return int(match.group(1)) if match else None


def parse_day(name: str) -> dt.date | None:
    if not DAY_NAME_RE.match(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def compress(source: BinaryIO, dest: IO[bytes]) -> tuple[str, int]:
    """Gzip `source` into `dest` deterministically; return (sha256 of the raw bytes, raw size)."""
    digest = hashlib.sha256()
    size = 0
    # filename="" and mtime=0 keep the header free of anything that varies between runs.
    with gzip.GzipFile(filename="", mode="wb", fileobj=dest, compresslevel=COMPRESS_LEVEL, mtime=0) as gz:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            gz.write(chunk)
    return digest.hexdigest(), size


def _open_source(source: Path) -> BinaryIO:
    try:
        return source.open("rb")
    except OSError as exc:
        raise ArchiveError(f"cannot read the file to archive {source}: {exc.strerror}") from None


# ---- local directory ---------------------------------------------------------------------------


class LocalArchive:
    """The archive in a directory (ARCHIVE_DIR). Writes are atomic: temp file, fsync, os.replace."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalArchive({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*key.split("/"))
        # Keys are validated already; this keeps a future bug from ever writing outside the root.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"refusing archive key {key!r}: it leaves the archive directory")
        return path

    def put(self, scope: Scope, report: str, day: dt.date, part: int, source: Path) -> str:
        key = part_key(scope, report, day, part)
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".part-", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise ArchiveError(f"cannot write archive {key} under {self.root}: {exc.strerror}") from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, _open_source(source) as src:
                compress(src, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise ArchiveError(f"cannot write archive {key} under {self.root}: {exc.strerror}") from None
        finally:
            tmp.unlink(missing_ok=True)
        return key

    def put_day(self, scope: Scope, report: str, day: dt.date, sources: Sequence[Path]) -> list[str]:
        keys = [self.put(scope, report, day, i, src) for i, src in enumerate(sources)]
        for old in self._parts(scope, report, day):
            if old[0] >= len(sources):
                old[1].unlink(missing_ok=True)
        return keys

    def _parts(self, scope: Scope, report: str, day: dt.date) -> list[tuple[int, Path]]:
        folder = self._path(day_prefix(scope, report, day))
        if not folder.is_dir():
            return []
        found = [(n, p) for p in folder.iterdir() if (n := part_number(p.name)) is not None and p.is_file()]
        return sorted(found)

    def iter_parts(self, scope: Scope, report: str, day: dt.date) -> Iterator[ArchivedPart]:
        prefix = day_prefix(scope, report, day)
        for number, path in self._parts(scope, report, day):
            yield ArchivedPart(number, f"{prefix}/{path.name}", _gzip_opener(path))

    def list_days(self, scope: Scope, report: str) -> list[dt.date]:
        folder = self._path(report_prefix(scope, report))
        if not folder.is_dir():
            return []
        days = []
        for child in folder.iterdir():
            day = parse_day(child.name)
            if day is not None and child.is_dir() and self._parts(scope, report, day):
                days.append(day)
        return sorted(days)


def _gzip_opener(path: Path) -> Callable[[], contextlib.AbstractContextManager[BinaryIO]]:
    def opener() -> contextlib.AbstractContextManager[BinaryIO]:
        return cast(contextlib.AbstractContextManager[BinaryIO], gzip.open(path, "rb"))

    return opener


# ---- Azure Blob --------------------------------------------------------------------------------


class BlobArchive:
    """The archive in an Azure Blob container (ARCHIVE_CONTAINER_URL), reached with the app's identity.

    No account keys or SAS tokens: in Azure, `DefaultAzureCredential` uses the managed identity, which
    needs the role "Storage Blob Data Contributor" on the container or account.
    """

    def __init__(
        self,
        container_url: str,
        credential: TokenCredential | Any | None = None,
        *,
        container_client: ContainerClient | None = None,
    ):
        parts = urlsplit(container_url)
        # Never keep (or echo) a query string: on a blob URL that is a SAS token, i.e. a secret.
        self.container_url = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
        if container_client is None:
            if parts.query:
                raise ValueError(
                    "ARCHIVE_CONTAINER_URL must not carry a SAS token or other query string: access is "
                    f"granted to the app's identity ({BLOB_WRITER_ROLE})"
                )
            if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
                raise ValueError(f"ARCHIVE_CONTAINER_URL must be https://, got {self.container_url!r}")
            from azure.storage.blob import ContainerClient

            if credential is None:
                from azure.identity import DefaultAzureCredential

                credential = DefaultAzureCredential()
            # Small single-put and block sizes make large files go up as staged blocks read from the
            # file one at a time, instead of one request holding the whole file in memory.
            container_client = ContainerClient.from_container_url(
                self.container_url,
                credential=credential,
                max_single_put_size=UPLOAD_SINGLE_PUT_MAX,
                max_block_size=UPLOAD_BLOCK_SIZE,
            )
        self._container = container_client

    def __repr__(self) -> str:
        return f"BlobArchive({self.container_url!r})"

    def put(self, scope: Scope, report: str, day: dt.date, part: int, source: Path) -> str:
        from azure.storage.blob import ContentSettings

        key = part_key(scope, report, day, part)
        # Compress into a temp file first, then stream it up in blocks: memory stays small whatever
        # the report size, and the upload knows its length.
        with tempfile.TemporaryFile() as packed:
            with _open_source(source) as src:
                sha256, raw_size = compress(src, packed)
            length = packed.tell()
            packed.seek(0)
            with self._errors(f"writing {key}"):
                self._container.upload_blob(
                    name=key,
                    data=packed,
                    length=length,
                    overwrite=True,
                    content_settings=ContentSettings(content_type="application/json", content_encoding="gzip"),
                    metadata={"sha256": sha256, "raw_size": str(raw_size)},
                )
        return key

    def put_day(self, scope: Scope, report: str, day: dt.date, sources: Sequence[Path]) -> list[str]:
        keys = [self.put(scope, report, day, i, src) for i, src in enumerate(sources)]
        stale = [key for number, key in self._parts(scope, report, day) if number >= len(sources)]
        for key in stale:
            with self._errors(f"deleting stale part {key}"):
                self._container.delete_blob(key)
        return keys

    def _parts(self, scope: Scope, report: str, day: dt.date) -> list[tuple[int, str]]:
        prefix = day_prefix(scope, report, day) + "/"
        with self._errors(f"listing {prefix}"):
            names = list(self._container.list_blob_names(name_starts_with=prefix))
        found = []
        for name in names:
            rest = name[len(prefix):]
            number = part_number(rest)  # also drops anything in deeper "folders"
            if number is not None:
                found.append((number, name))
        return sorted(found)

    def iter_parts(self, scope: Scope, report: str, day: dt.date) -> Iterator[ArchivedPart]:
        for number, key in self._parts(scope, report, day):
            yield ArchivedPart(number, key, self._opener(key))

    def _opener(self, key: str) -> Callable[[], contextlib.AbstractContextManager[BinaryIO]]:
        @contextlib.contextmanager
        def opener() -> Iterator[BinaryIO]:
            # Covers the whole read: the download continues chunk by chunk while the caller reads.
            with self._errors(f"reading {key}"):
                # decompress=False: we stored gzip bytes and decompress them as one stream ourselves;
                # the SDK's automatic decoding would undo Content-Encoding per ranged chunk.
                downloader = self._container.download_blob(key, decompress=False)
                with gzip.GzipFile(fileobj=cast(BinaryIO, _DownloadReader(downloader)), mode="rb") as stream:
                    yield cast(BinaryIO, stream)

        return opener

    def list_days(self, scope: Scope, report: str) -> list[dt.date]:
        prefix = report_prefix(scope, report) + "/"
        with self._errors(f"listing {prefix}"):
            names = list(self._container.list_blob_names(name_starts_with=prefix))
        days = set()
        for name in names:
            day_name, _, file_name = name[len(prefix):].partition("/")
            day = parse_day(day_name)
            if day is not None and part_number(file_name) is not None:
                days.add(day)
        return sorted(days)

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn SDK errors into ArchiveError messages that say what to fix (and carry no secrets)."""
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            ServiceRequestError,
            ServiceResponseError,
        )

        where = f"archive container {self.container_url}"
        try:
            yield
        except ResourceNotFoundError as exc:
            code = getattr(exc, "error_code", None) or ""
            if code == "ContainerNotFound":
                raise ArchiveError(
                    f"{where} does not exist: create it (the infrastructure does) or fix ARCHIVE_CONTAINER_URL"
                ) from None
            raise ArchiveError(f"{doing} in {where}: not found [{code or 'HTTP 404'}]") from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise ArchiveError(f"{where} is unreachable while {doing} [{type(exc).__name__}]") from exc
        except HttpResponseError as exc:
            status = exc.status_code
            code = getattr(exc, "error_code", None) or ""
            if status == 403:
                raise ArchiveError(
                    f"access denied {doing} in {where}: grant the role \"{BLOB_WRITER_ROLE}\" on the container "
                    f"or storage account to the app's identity [HTTP 403{', ' + code if code else ''}]"
                ) from None
            if status is None and isinstance(exc, ClientAuthenticationError):
                raise ArchiveError(
                    f"cannot authenticate to {where}: no managed identity is available or you are not logged "
                    f"in [{type(exc).__name__}]"
                ) from exc
            raise ArchiveError(f"{doing} in {where} failed [HTTP {status}{', ' + code if code else ''}]") from None


class _DownloadReader:
    """Adapts the SDK's downloader to the minimal file interface GzipFile reads from."""

    def __init__(self, downloader: Any):
        self._downloader = downloader

    def read(self, size: int = -1) -> bytes:
        return cast(bytes, self._downloader.read(size))


def archive_from_settings(archive: ArchiveSettings) -> Archive | None:
    """The archive configured by ARCHIVE_DIR or ARCHIVE_CONTAINER_URL, or None when neither is set."""
    if archive.directory:
        return LocalArchive(Path(archive.directory))
    if archive.container_url:
        return BlobArchive(archive.container_url)
    return None
