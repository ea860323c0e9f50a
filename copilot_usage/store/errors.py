"""Errors the store raises, and the one place the client's exceptions are translated into them.

Messages name the engine by a credential-free address (`describe_url`) and never carry secrets or
document contents: only statuses, error types and the engine's short reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError
from elasticsearch import ApiError, Elasticsearch

if TYPE_CHECKING:
    from copilot_usage.store.writer import WriteResult

# Statuses an overloaded or restarting engine (or the ingress in front of it) answers.
UNAVAILABLE_STATUSES = (429, 502, 503, 504)


class StoreError(RuntimeError):
    """The engine refused a request as a whole (authentication, TLS, a malformed request)."""


class StoreUnavailable(StoreError):
    """The engine could not be reached or stayed overloaded after every retry.

    The caller must not record the affected days as complete: some of their documents may be missing.
    `partial` holds what was acknowledged before the failure, when the failure happened mid-write.
    """

    def __init__(self, message: str, partial: WriteResult | None = None):
        super().__init__(message)
        self.partial = partial


class StoreBlocked(StoreError):
    """The engine has put a write block on an index (a cluster block): no write can succeed until it is
    lifted, so the run stops instead of retrying every remaining day against it."""


BLOCK_ERROR = "cluster_block_exception"


def blocked_message(where: str, reason: str) -> str:
    return (
        f"the search engine at {where} refuses writes: {reason} Elasticsearch sets a read-only-allow-delete "
        "block when a data disk passes the flood-stage watermark; free disk space (Elasticsearch 7.4 and later "
        "lift the block once usage falls below the high watermark) or remove it with PUT <index>/_settings "
        '{"index.blocks.read_only_allow_delete": null}. Days not written stay pending for the next run.'
    )


def describe_url(url: str) -> str:
    """scheme://host:port/path of `url`, without user info or query string: safe for messages."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "?"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def engine_address(es: Elasticsearch) -> str:
    """The credential-free address of the client's (first) node, for messages."""
    nodes = es.transport.node_pool.all()
    return describe_url(nodes[0].base_url) if nodes else "?"


def error_from_api(e: ApiError, where: str, what: str) -> StoreError:
    """A StoreError for an HTTP error answer; only the status and the engine's error type are kept."""
    status = e.meta.status if e.meta is not None else 0
    if e.error == BLOCK_ERROR:
        return StoreBlocked(blocked_message(where, _block_reason(e)))
    if status in (401, 403):
        return StoreError(
            f"the search engine at {where} refused {what} ({status} {e.message}); check "
            "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD or ELASTICSEARCH_API_KEY and the user's privileges"
        )
    if status in UNAVAILABLE_STATUSES:
        return StoreUnavailable(f"the search engine at {where} answered {what} with {status} after retries")
    return StoreError(f"the search engine at {where} answered {what} with {status} {e.message}")


@contextmanager
def translated(es: Elasticsearch, what: str) -> Iterator[None]:
    """Run a client call, turning transport failures and unexpected HTTP errors into store errors.

    Callers catch the ApiErrors they expect (404, 409, ...) inside the block; whatever escapes is fatal.
    """
    try:
        yield
    except TlsError as e:
        raise StoreError(
            f"TLS verification failed for {engine_address(es)} ({short(e)}); set ELASTICSEARCH_CA_CERTS to "
            "the CA bundle that signed the engine's certificate"
        ) from None
    except (TransportConnectionError, ConnectionTimeout) as e:
        raise StoreUnavailable(f"cannot reach the search engine at {engine_address(es)} ({what}): {short(e)}") from None
    except ApiError as e:
        raise error_from_api(e, engine_address(es), what) from None


def short(e: BaseException, limit: int = 200) -> str:
    """Exception class and message, cut to `limit` characters."""
    text = f"{type(e).__name__}: {e}"
    return text if len(text) <= limit else text[:limit] + "..."


def _block_reason(e: ApiError) -> str:
    info = e.info if isinstance(e.info, dict) else {}
    error: dict[str, Any] = info["error"] if isinstance(info.get("error"), dict) else {}
    reason = str(error.get("reason") or e.message)
    return reason if len(reason) <= 300 else reason[:297] + "..."
