"""Bulk writes with per-item results.

Documents are streamed into bounded `_bulk` requests (by count and by bytes) of `index` actions: a full
replace by id, so writing the same documents twice leaves the same state. Items the engine rejects
because it is busy are resent with backoff, alone; items it rejects for their content are reported as
ItemError and the rest of the batch is kept. If the engine cannot be reached, StoreUnavailable is raised
and the caller must not record the affected days as complete.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError
from elasticsearch import ApiError, Elasticsearch

from copilot_usage.schema.indices import Doc
from copilot_usage.settings import BULK_MAX_DOCS_DEFAULT
from copilot_usage.store.errors import (
    BLOCK_ERROR,
    UNAVAILABLE_STATUSES,
    StoreBlocked,
    StoreError,
    StoreUnavailable,
    blocked_message,
    engine_address,
    error_from_api,
    short,
    translated,
)
from copilot_usage.store.naming import check_prefix

log = logging.getLogger(__name__)

REASON_LIMIT = 300
DEFAULT_MAX_DOCS = BULK_MAX_DOCS_DEFAULT
# Only what we read from each item; keeps responses small for large batches.
_FILTER_PATH = "errors,items.*._index,items.*._id,items.*.status,items.*.result,items.*.error.type,items.*.error.reason"
# Engines quote the offending value in mapping errors; that is document content, which never leaves here.
_VALUE_PREVIEW = re.compile(r"\s*Preview of field's value:.*$", re.DOTALL)
_BUSY_TYPES = frozenset({"es_rejected_execution_exception", "circuit_breaking_exception"})


@dataclass(frozen=True)
class ItemError:
    """One document the engine (or the serializer, status 0) refused. Never carries the document body."""

    index: str
    doc_id: str
    status: int
    type: str
    reason: str


@dataclass
class WriteResult:
    written: int = 0  # acknowledged: created + updated + noop
    created: int = 0
    updated: int = 0
    noop: int = 0
    errors: list[ItemError] = field(default_factory=list)
    per_index: dict[str, int] = field(default_factory=dict)  # acknowledged documents per index name
    requests: int = 0  # _bulk calls made, our backoff retries included (the transport's own are not)
    retried: int = 0  # items sent again after a busy answer

    @property
    def ok(self) -> bool:
        return not self.errors

    def failed_ids(self) -> set[str]:
        return {e.doc_id for e in self.errors}

    def merge(self, other: WriteResult) -> WriteResult:
        """A new result with both results' counts (for runs that write in several calls)."""
        per_index = dict(self.per_index)
        for name, count in other.per_index.items():
            per_index[name] = per_index.get(name, 0) + count
        return WriteResult(
            written=self.written + other.written,
            created=self.created + other.created,
            updated=self.updated + other.updated,
            noop=self.noop + other.noop,
            errors=[*self.errors, *other.errors],
            per_index=per_index,
            requests=self.requests + other.requests,
            retried=self.retried + other.retried,
        )


@dataclass(frozen=True)
class _Item:
    index: str
    doc_id: str
    payload: bytes  # the action line and the source line, newline-terminated


class BulkWriter:
    def __init__(
        self,
        es: Elasticsearch,
        prefix: str,
        *,
        max_docs: int = DEFAULT_MAX_DOCS,
        max_bytes: int = 5_000_000,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        refresh: bool | str = False,
    ):
        if max_docs < 1 or max_bytes < 1:
            raise ValueError(f"max_docs and max_bytes must be positive, got {max_docs} and {max_bytes}")
        if max_retries < 0:
            raise ValueError(f"max_retries must not be negative, got {max_retries}")
        if refresh not in (False, True, "wait_for"):
            raise ValueError(f"refresh must be False, True or 'wait_for', got {refresh!r}")
        self._es = es
        self._prefix = check_prefix(prefix)
        self._max_docs = max_docs
        self._max_bytes = max_bytes
        self._max_retries = max_retries
        self._sleep = sleep
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._refresh = refresh

    def write(self, docs: Iterable[Doc]) -> WriteResult:
        """Index `docs` (replacing any document with the same id); see the module docstring."""
        result = WriteResult()
        for chunk in self._chunks(docs, result):
            self._send(chunk, result)
        if result.errors:
            sample = ", ".join(f"{e.index}/{e.doc_id[:12]} {e.status} {e.type}" for e in result.errors[:3])
            log.warning("bulk write: %d of %d documents refused (%s)", len(result.errors),
                        result.written + len(result.errors), sample)
        return result

    def _chunks(self, docs: Iterable[Doc], result: WriteResult) -> Iterator[list[_Item]]:
        """Encode documents lazily and group them; only the chunk being filled is held in memory."""
        chunk: list[_Item] = []
        size = 0
        for doc in docs:
            name = doc.index.name(self._prefix)
            try:
                item = _Item(name, doc.id, encode_action(name, doc.id, doc.source))
            except (TypeError, ValueError) as e:
                # A malformed record: set aside and counted, the rest of the stream carries on.
                result.errors.append(ItemError(name, doc.id, 0, "serialization_error", _reason(short(e))))
                continue
            if chunk and (len(chunk) >= self._max_docs or size + len(item.payload) > self._max_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)  # a single document larger than max_bytes travels alone
            size += len(item.payload)
        if chunk:
            yield chunk

    def _send(self, chunk: list[_Item], result: WriteResult) -> None:
        pending = chunk
        for attempt in range(self._max_retries + 1):
            if attempt:
                self._sleep(min(self._backoff * 2 ** (attempt - 1), self._max_backoff))
                result.retried += len(pending)
            result.requests += 1
            answer = self._bulk(pending, result)
            if answer is None:  # busy as a whole: send everything again
                continue
            busy: list[tuple[_Item, ItemError]] = []
            for item, entry in zip(pending, answer, strict=True):
                outcome = _outcome(item, entry, result, engine_address(self._es))
                if outcome is not None:
                    busy.append((item, outcome))
            if not busy:
                return
            if attempt == self._max_retries:
                result.errors.extend(error for _, error in busy)
                return
            pending = [item for item, _ in busy]
        raise StoreUnavailable(
            f"the search engine at {engine_address(self._es)} stayed busy for {self._max_retries + 1} bulk attempts",
            partial=result,
        )

    def _bulk(self, items: list[_Item], result: WriteResult) -> list[dict[str, Any]] | None:
        """The per-item answers, or None if the engine answered the whole request with a busy status."""
        try:
            body = self._es.bulk(
                operations=[i.payload for i in items],  # type: ignore[misc]  # pre-encoded lines pass through
                filter_path=_FILTER_PATH,
                refresh=self._refresh or None,
            ).body
        except TlsError as e:
            raise StoreError(f"TLS failure talking to {engine_address(self._es)}: {short(e)}") from None
        except (TransportConnectionError, ConnectionTimeout) as e:
            raise StoreUnavailable(
                f"cannot reach the search engine at {engine_address(self._es)} (bulk write): {short(e)}",
                partial=result,
            ) from None
        except ApiError as e:
            if e.meta is not None and e.meta.status in UNAVAILABLE_STATUSES:
                return None
            raise error_from_api(e, engine_address(self._es), "a bulk write") from None
        answer = body.get("items") if isinstance(body, dict) else None
        if not isinstance(answer, list) or len(answer) != len(items):
            raise StoreError(
                f"the search engine at {engine_address(self._es)} answered a bulk write of {len(items)} "
                f"documents with {len(answer) if isinstance(answer, list) else 'no'} item results"
            )
        return answer


def encode_action(index: str, doc_id: str, source: dict[str, Any]) -> bytes:
    """The two NDJSON lines of an `index` action. Raises TypeError/ValueError for unencodable sources."""
    action = json.dumps({"index": {"_index": index, "_id": doc_id}}, separators=(",", ":"))
    # allow_nan=False: NaN/Infinity are not JSON and would be refused by the engine anyway.
    body = json.dumps(source, default=_json_default, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return f"{action}\n{body}\n".encode()  # UnicodeEncodeError (lone surrogates) is a ValueError


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    # The type only: the value is document content.
    raise TypeError(f"cannot encode a value of type {type(value).__name__} as JSON")


def _outcome(item: _Item, entry: dict[str, Any], result: WriteResult, where: str) -> ItemError | None:
    """Count one item's answer; return its error if it is worth sending again."""
    op = next(iter(entry.values()), {}) if isinstance(entry, dict) else {}
    index = str(op.get("_index") or item.index)
    status = int(op.get("status") or 0)
    if 200 <= status < 300:
        kind = op.get("result")
        if kind == "created":
            result.created += 1
        elif kind == "noop":
            result.noop += 1
        else:
            result.updated += 1
        result.written += 1
        result.per_index[index] = result.per_index.get(index, 0) + 1
        return None
    error = op.get("error") or {}
    if not isinstance(error, dict):
        error = {"type": "error", "reason": str(error)}
    failure = ItemError(
        index=index,
        doc_id=str(op.get("_id") or item.doc_id),
        status=status,
        type=str(error.get("type") or "unknown"),
        reason=_reason(str(error.get("reason") or "")),
    )
    if failure.type == BLOCK_ERROR:
        # Answered with 429 by Elasticsearch, but not busy: a block stays until someone lifts it.
        raise StoreBlocked(blocked_message(where, failure.reason))
    if status == 429 or status >= 500 or failure.type in _BUSY_TYPES:
        return failure
    result.errors.append(failure)
    return None


def _reason(text: str) -> str:
    text = _VALUE_PREVIEW.sub("", text)
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 3] + "..."


def make_searchable(es: Elasticsearch, prefix: str, index_key: str | None = None) -> None:
    """Refresh this deployment's indices (or one of them) so searches see every acknowledged write.

    Bulk requests do not refresh (that would cost a Lucene segment per request); instead each command
    refreshes once when it has written, before anything reads back what it wrote (the adoption scores,
    stale-document cleanup, status, report, the dashboards). Left alone, Elasticsearch makes writes
    searchable on its 1 s refresh interval or, on a search-idle index, at the next search: timing, not a
    guarantee, which is why reads after writes must not rely on it.
    """
    check_prefix(prefix)
    target = f"{prefix}{index_key}" if index_key else f"{prefix}*"
    with translated(es, f"refresh {target}"):
        es.indices.refresh(index=target, ignore_unavailable=True, allow_no_indices=True)
