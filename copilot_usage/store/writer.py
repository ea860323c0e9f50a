"""Bulk writes with per-item results, built on `elasticsearch.helpers.streaming_bulk`.

Documents are encoded here, so one that cannot be encoded is set aside with a reason instead of failing
the request, and streamed through `streaming_bulk`, which packs them into `_bulk` requests bounded by
count (`max_docs`, BULK_MAX_DOCS) and bytes (`max_bytes`) and answers document by document
(`raise_on_error=False`, `raise_on_exception=False`: nothing is raised for a refused document or request).
Every action is `index`, a full replace by id, so writing the same documents twice leaves the same state.

What is ours on top of the helper:

- per-item results: acknowledged documents counted (per index too); each refused one an ItemError,
  never with its content, while the rest of the request is kept;
- busy answers (429, 502-504, rejected execution, circuit breaker; of the whole request or of single
  documents) are sent again, only those documents, under the BULK_WRITE retry policy and its injectable
  sleep, before the next request leaves. This is the one layer that retries them: the helper's own
  `max_retries` stays 0 (it sleeps with time.sleep and would retry a write block, a 429 too), and bulk
  requests go out with the client's status retries off (`retry_on_status=()`);
- a write block raises StoreBlocked at once; an engine that cannot be reached or stays busy as a whole
  raises StoreUnavailable carrying what was acknowledged. Either way the caller must not record the
  affected days as complete: a day is complete only once the store acknowledged every document.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.helpers import streaming_bulk

from copilot_usage import defaults
from copilot_usage.retry import BULK_WRITE, RetryPolicy
from copilot_usage.schema.indices import Doc
from copilot_usage.store.errors import (
    BLOCK_ERROR,
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
DEFAULT_MAX_DOCS = defaults.BULK_MAX_DOCS
DEFAULT_MAX_BYTES = defaults.BULK_MAX_BYTES
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
    requests: int = 0  # _bulk requests sent, retries of busy documents included
    retried: int = 0  # documents sent again after a busy answer

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
    source: bytes  # the encoded source line

    def action(self) -> dict[str, Any]:
        """The helper's action form; bytes as `_source` pass through its serializer unchanged."""
        return {"_index": self.index, "_id": self.doc_id, "_source": self.source}


@dataclass(frozen=True)
class _Busy:
    item: _Item
    error: ItemError
    whole_request: bool  # the request as a whole was answered busy, not just this document


class BulkWriter:
    """Writes documents in bounded bulk requests; see the module docstring.

    `retry` (BULK_WRITE) governs busy answers; `sleep`, when given, replaces its sleep.
    """

    def __init__(
        self,
        es: Elasticsearch,
        prefix: str,
        *,
        max_docs: int = DEFAULT_MAX_DOCS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retry: RetryPolicy = BULK_WRITE,
        sleep: Callable[[float], None] | None = None,
        refresh: bool | str = False,
    ):
        if max_docs < 1 or max_bytes < 1:
            raise ValueError(f"max_docs and max_bytes must be positive, got {max_docs} and {max_bytes}")
        if refresh not in (False, True, "wait_for"):
            raise ValueError(f"refresh must be False, True or 'wait_for', got {refresh!r}")
        self._es = es
        # Busy answers are retried here and only here: were the transport to resend a bulk request on a
        # status as well, it would do so at once and multiply the attempts (it used to: up to 16).
        self._client = es.options(retry_on_status=())
        self._prefix = check_prefix(prefix)
        self._max_docs = max_docs
        self._max_bytes = max_bytes
        self._retry = retry.using(sleep=sleep)
        self._refresh = refresh

    def write(self, docs: Iterable[Doc]) -> WriteResult:
        """Index `docs` (replacing any document with the same id); see the module docstring."""
        result = WriteResult()
        _Write(self, result).run(docs)
        if result.errors:
            sample = ", ".join(f"{e.index}/{e.doc_id[:12]} {e.status} {e.type}" for e in result.errors[:3])
            log.warning("bulk write: %d of %d documents refused (%s)", len(result.errors),
                        result.written + len(result.errors), sample)
        return result


class _Write:
    """One `write` call: streams the documents, takes in every answer, retries busy documents."""

    def __init__(self, writer: BulkWriter, result: WriteResult):
        self._writer = writer
        self._result = result
        self._where = engine_address(writer._es)
        self._busy: list[_Busy] = []

    def run(self, docs: Iterable[Doc]) -> None:
        self._stream(self._encoded(docs), between_requests=self._retry_busy)

    def _encoded(self, docs: Iterable[Doc]) -> Iterator[_Item]:
        """Encode documents lazily; one that cannot be encoded is an ItemError (status 0), not sent."""
        for doc in docs:
            name = doc.index.name(self._writer._prefix)
            try:
                yield _Item(name, doc.id, encode_source(doc.source))
            except (TypeError, ValueError) as e:
                # A malformed record: set aside and counted, the rest of the stream carries on.
                self._result.errors.append(ItemError(name, doc.id, 0, "serialization_error", _reason(short(e))))

    def _stream(self, items: Iterable[_Item], between_requests: Callable[[], None] | None) -> None:
        """Send `items` through streaming_bulk and take in every answer, in order.

        The helper asks for the next document only once every answer of the request before is in, so
        `between_requests` runs there (and at the end): after a request's answers, before the next request.
        It asks for one document beyond a full request before sending it, so at that point exactly one
        sent-to-the-helper document is unanswered; anything else means the engine left documents unanswered.
        """
        unanswered: deque[_Item] = deque()
        answered = False  # answers came in since the helper last asked for a document
        ours: list[BaseException] = []  # raised by the documents' source or a retry, not by the engine

        def request_done(expected_unanswered: int | None) -> None:
            nonlocal answered
            if not answered:
                return
            answered = False
            self._result.requests += 1
            if expected_unanswered is not None and len(unanswered) != expected_unanswered:
                raise StoreError(f"the search engine at {self._where} left documents of a bulk write unanswered")
            if between_requests is not None:
                between_requests()

        def actions() -> Iterator[dict[str, Any]]:
            try:
                for item in items:
                    request_done(1)
                    unanswered.append(item)
                    yield item.action()
                request_done(None)  # the last request is still being filled: its size is the helper's
            except BaseException as e:
                ours.append(e)
                raise

        answers = iter(streaming_bulk(
            self._writer._client,
            actions(),
            chunk_size=self._writer._max_docs,
            max_chunk_bytes=self._writer._max_bytes,
            raise_on_error=False,
            raise_on_exception=False,
            max_retries=0,
            yield_ok=True,
            filter_path=_FILTER_PATH,
            refresh=self._writer._refresh or None,
        ))
        while True:
            try:
                _ok, answer = next(answers)
            except StopIteration:
                break
            except Exception as e:
                if ours and e is ours[-1]:
                    raise  # a shaping bug or a StoreError of a retry is not the engine's doing
                translated = self._engine_error(e)
                if translated is None:
                    raise
                raise translated from None
            answered = True
            if not unanswered:
                raise StoreError(f"the search engine at {self._where} answered more bulk items than were sent")
            self._take(unanswered.popleft(), answer)
        request_done(0)

    def _engine_error(self, e: Exception) -> StoreError | None:
        """The store error for what the helper raised while talking to the engine; None to let it through."""
        if isinstance(e, TlsError):
            return StoreError(f"TLS failure talking to {self._where}: {short(e)}")
        if isinstance(e, TransportConnectionError | ConnectionTimeout):
            self._result.requests += 1
            return StoreUnavailable(f"cannot reach the search engine at {self._where} (bulk write): {short(e)}",
                                    partial=self._result)
        if isinstance(e, KeyError | TypeError | AttributeError):
            # The helper reads the answer's `items`; an answer without them is not one we can trust.
            return StoreError(f"the search engine at {self._where} answered a bulk write without usable "
                              f"item results ({type(e).__name__})")
        return None

    def _take(self, item: _Item, answer: dict[str, Any]) -> None:
        """Count one document's answer; a busy one is kept for a retry, a refused one becomes an ItemError."""
        first = next(iter(answer.values()), None) if isinstance(answer, dict) else None
        info: dict[str, Any] = first if isinstance(first, dict) else {}
        answered_id = info.get("_id")
        if answered_id is not None and str(answered_id) != item.doc_id:
            raise StoreError(f"the search engine at {self._where} answered a bulk write out of order")
        exception = info.get("exception")
        if isinstance(exception, ApiError):
            # The request as a whole was refused; the helper reports that once per document.
            status = exception.meta.status if exception.meta is not None else 0
            if exception.error != BLOCK_ERROR and self._writer._retry.retryable(status):
                error = ItemError(item.index, item.doc_id, status, str(exception.error or "unavailable"),
                                  _reason(str(exception.message)))
                self._busy.append(_Busy(item, error, whole_request=True))
                return
            raise error_from_api(exception, self._where, "a bulk write") from None
        failure = _outcome(item, info, self._result)
        if failure is None:
            return
        if failure.type == BLOCK_ERROR:
            # Answered with 429 by Elasticsearch, but not busy: a block stays until someone lifts it.
            raise StoreBlocked(blocked_message(self._where, failure.reason))
        if self._writer._retry.retryable(failure.status) or failure.status >= 500 or failure.type in _BUSY_TYPES:
            self._busy.append(_Busy(item, failure, whole_request=False))
        else:
            self._result.errors.append(failure)

    def _retry_busy(self) -> None:
        """Send the documents answered busy again, under the retry policy, until none is left or the
        attempts are spent: then a busy request is StoreUnavailable, busy documents are ItemErrors."""
        if not self._busy:
            return
        tries = self._writer._retry.start()
        while self._busy:
            pending, self._busy = self._busy, []
            if not tries.left:
                if any(b.whole_request for b in pending):
                    raise StoreUnavailable(
                        f"the search engine at {self._where} stayed busy for {tries.number} bulk attempts "
                        f"(answered {pending[0].error.status})",
                        partial=self._result,
                    )
                self._result.errors.extend(b.error for b in pending)
                return
            delay = tries.next_delay()
            log.warning("bulk write: %d documents answered busy (%s); retry %d in %.1f s", len(pending),
                        pending[0].error.type, tries.number, delay)
            tries.pause(delay)
            self._result.retried += len(pending)
            self._stream((b.item for b in pending), between_requests=None)


def encode_source(source: dict[str, Any]) -> bytes:
    """A document's source line. Raises TypeError/ValueError for sources that cannot be encoded."""
    # allow_nan=False: NaN/Infinity are not JSON and would be refused by the engine anyway.
    body = json.dumps(source, default=_json_default, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return body.encode()  # UnicodeEncodeError (lone surrogates) is a ValueError


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


def _outcome(item: _Item, op: dict[str, Any], result: WriteResult) -> ItemError | None:
    """Count one document's answer: None when acknowledged, else its error (not yet recorded)."""
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
    return ItemError(
        index=index,
        doc_id=str(op.get("_id") or item.doc_id),
        status=status,
        type=str(error.get("type") or "unknown"),
        reason=_reason(str(error.get("reason") or "")),
    )


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
