"""Builds the official Elasticsearch client for Elasticsearch or an OpenSearch-compatible engine.

TLS verification is always on. Credentials go only into the client's auth options: never into the URL,
a repr, an error message or a log line. Addresses in messages come from `describe_url`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import AuthorizationException, Elasticsearch

from copilot_usage import defaults
from copilot_usage.retry import ENGINE_REQUEST
from copilot_usage.store.compat import OpenSearchCompatNode
from copilot_usage.store.errors import StoreError, describe_url, translated

if TYPE_CHECKING:
    from copilot_usage.settings import StoreSettings

log = logging.getLogger(__name__)

COMPAT_MODES = defaults.ELASTICSEARCH_COMPAT_MODES
# The client's own retries follow the ENGINE_REQUEST policy: statuses an overloaded or restarting engine
# (or the ingress in front of it) answers, failed connections and timeouts, resent at once (the transport
# never sleeps). Safe because every write we make is an idempotent index-by-id. Bulk writes turn the
# status retries off and retry busy answers themselves (store/writer.py, BULK_WRITE).
RETRY_ON_STATUS = tuple(sorted(ENGINE_REQUEST.statuses))
MAX_RETRIES = ENGINE_REQUEST.retries
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """Validate an engine URL and fill in the scheme's default port (the client insists on one).

    Raises ValueError naming the problem; the message never echoes credentials.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"Elasticsearch URL must start with http:// or https:// and name a host, got "
                         f"{describe_url(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "Elasticsearch URL must not contain credentials (user:password@host); "
            "set ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD (or ELASTICSEARCH_API_KEY) instead"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"Elasticsearch URL must not have a query string or fragment: {describe_url(url)!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError(f"Elasticsearch URL has an invalid port: {describe_url(url)!r}") from None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path.rstrip("/"), "", ""))


def make_client(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    ca_certs: str | None = None,
    compat: str = defaults.ELASTICSEARCH_COMPAT,
    request_timeout: float = defaults.HTTP_TIMEOUT_SECONDS,
) -> Elasticsearch:
    """A client for the engine at `url`.

    compat: "elasticsearch" (the client's defaults), "opensearch" (plain media types), or "auto", which
    asks the engine with one GET / and picks accordingly. Raises ValueError for bad arguments,
    StoreUnavailable if "auto" cannot reach the engine, StoreError if it refuses us.
    """
    if compat not in COMPAT_MODES:
        raise ValueError(f"compat must be one of {', '.join(COMPAT_MODES)}, got {compat!r}")
    target = normalise_url(url)
    options = _client_options(target, username, password, api_key, ca_certs, request_timeout)
    if compat == "elasticsearch":
        return Elasticsearch(target, **options)
    # The compat node speaks plain JSON, which Elasticsearch accepts too, so it is safe for the probe.
    probe = Elasticsearch(target, node_class=OpenSearchCompatNode, **options)
    if compat == "opensearch":
        return probe
    try:
        detected = _detect(probe, target)
    except BaseException:
        probe.close()
        raise
    if detected is None:
        # A writer role without the `monitor` cluster privilege may not read GET /. Plain media types work
        # on both engines, so the compat node is the safe choice when the engine will not say what it is.
        log.warning("%s does not let this user read GET / (403); using plain JSON media types, which "
                    "Elasticsearch and OpenSearch both accept (set ELASTICSEARCH_COMPAT to skip this check)",
                    describe_url(target))
        return probe
    distribution, version = detected
    log.info("search engine at %s: %s %s", describe_url(target), distribution, version)
    if distribution == "opensearch" or _major(version) < 8:
        # Elasticsearch before 8 neither accepts the 8.x client's vendor media types nor sends the product
        # header the client insists on: it needs the same plain-JSON node as OpenSearch.
        return probe
    probe.close()
    return Elasticsearch(target, **options)


def client_from_settings(store: StoreSettings) -> Elasticsearch:
    """The client configured by the store part of the settings (ELASTICSEARCH_*)."""
    return make_client(
        store.url,
        username=store.username,
        password=store.password.reveal() if store.password else None,
        api_key=store.api_key.reveal() if store.api_key else None,
        ca_certs=store.ca_certs,
        compat=store.compat,
        request_timeout=store.timeout_seconds,
    )


def _client_options(
    url: str,
    username: str | None,
    password: str | None,
    api_key: str | None,
    ca_certs: str | None,
    request_timeout: float,
) -> dict[str, Any]:
    if (username is None) != (password is None):
        raise ValueError("Elasticsearch username and password must be given together")
    if api_key is not None and username is not None:
        raise ValueError("give either an Elasticsearch API key or a username and password, not both")
    if request_timeout <= 0:
        raise ValueError(f"request_timeout must be positive, got {request_timeout!r}")
    options: dict[str, Any] = {
        "request_timeout": request_timeout,
        "max_retries": MAX_RETRIES,
        "retry_on_status": RETRY_ON_STATUS,
        # Timeouts are retried too: our writes are idempotent (index by id), so a repeat is harmless.
        "retry_on_timeout": True,
    }
    if username is not None and password is not None:
        options["basic_auth"] = (username, password)
    if api_key is not None:
        options["api_key"] = api_key
    if url.startswith("https://"):
        options["verify_certs"] = True
        if ca_certs:
            options["ca_certs"] = ca_certs
    elif username is not None or api_key is not None:
        # Allowed (a private network, a local demo) but worth a line in the log.
        log.warning("credentials for %s are sent without TLS (http://)", describe_url(url))
    return options


def _major(version: str) -> int:
    """The major version of a version number such as "7.10.2"; 8 (the client's own) when unreadable."""
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 8


def _detect(probe: Elasticsearch, url: str) -> tuple[str, str] | None:
    """(distribution, version number) from the engine's root endpoint; None if we may not read it."""
    with translated(probe, "GET /"):
        try:
            body = probe.perform_request("GET", "/", headers={"accept": "application/json"}).body
        except AuthorizationException:
            return None
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, dict):
        raise StoreError(f"{describe_url(url)} did not answer GET / like Elasticsearch or OpenSearch (no version)")
    distribution = str(version.get("distribution") or "elasticsearch").lower()
    return distribution, str(version.get("number", "?"))
