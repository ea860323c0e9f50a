"""`SimulatorServer`: the simulated GitHub API over real HTTP on loopback (stdlib ThreadingHTTPServer).

Request pipeline for the GitHub API: count -> latency -> authentication (401) -> API version (410) ->
primary rate limit (403, spends one unit) -> forbidden paths (403) -> random 5xx -> random secondary
limit (429/403 + retry-after) -> the endpoint. Every API answer carries the x-ratelimit-* headers.
Downloads (`/copilot-reports/...`) need no Authorization, do not spend the budget, and may be failed or truncated.
`/_simulator/*` is the test control surface: never counted, never faulted.

Nothing is logged: request lines carry signed query strings and headers carry tokens.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from copilot_usage.simulator import permissions, reports, routes
from copilot_usage.simulator.auth import Auth
from copilot_usage.simulator.faults import FaultDice, Faults, RateLimiter, apply_changes, corrupted
from copilot_usage.simulator.handlers import ApiHandlers
from copilot_usage.simulator.replies import (
    RATE_DOCS,
    REPORT_DOCS,
    Reply,
    azure_error,
    github_error,
    json_reply,
)
from copilot_usage.simulator.signing import LinkSigner
from copilot_usage.simulator.stats import Stats
from copilot_usage.simulator.world import World

API_VERSIONS = ("2022-11-28", "2026-03-10")
DEFAULT_API_VERSION = "2022-11-28"  # what GitHub assumes when the header is absent (§7.5)
FORBIDDEN_MESSAGE = permissions.PAT_MESSAGE
PRIMARY_LIMIT_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the "
    "request ID."
)
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
_HOST_RE = re.compile(r"^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")
_MAX_BODY = 1 << 20
_POLL_SECONDS = 0.05  # how often serve_forever checks for shutdown: keeps stop() (and test teardown) fast


class Headers(Protocol):
    """Request headers: looked up by name, case-insensitively on the wire (http.client's message)."""

    def get(self, name: str, /) -> str | None: ...


class SimulatorServer:
    def __init__(
        self,
        world: World,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.world = world
        self.faults = faults if faults is not None else Faults()
        self._clock = clock
        self._sleep = sleep
        self._auth = Auth(token, clock)
        self._dice = FaultDice(lambda: self.faults)
        self._limiter = RateLimiter(lambda: self.faults, clock)
        self._stats = Stats()
        self._signer = LinkSigner(world.config.link_ttl_seconds, clock)
        self._handlers = ApiHandlers(world, self._signer, lambda: self.faults)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.simulator = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = str(host)
        if host in ("0.0.0.0", "", "::"):  # noqa: S104 - naming the wildcard, not binding to it
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def start(self) -> SimulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(_POLL_SECONDS,),
                                            name="github-simulator", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` (from another thread) or KeyboardInterrupt."""
        self._httpd.serve_forever(_POLL_SECONDS)

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Python control API ----------------------------------------------------------------------
    def set_today(self, day: dt.date) -> None:
        self.world.set_today(day)

    def set_revision(self, revision: int) -> None:
        self.world.set_revision(revision)

    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    def state(self) -> dict[str, Any]:
        return {"today": self.world.today.isoformat(), "revision": self.world.revision,
                "faults": self.faults.as_dict()}

    # --- request pipeline ------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: Headers, body: bytes) -> Reply:
        parts = urlsplit(target)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        route, params = routes.match(method, path)
        kind = routes.kind_of(route, path)
        if kind == routes.CONTROL:
            return self._control(route.action if route else None, body)
        self._stats.count(routes.route_name(route, method, params), kind)
        if self.faults.latency_ms > 0:
            self._sleep(self.faults.latency_ms / 1000)
        if kind == routes.BLOB:
            return self._blob(params.get("path", ""), query)
        if kind == routes.APP:
            return self._app_token(headers, path)
        return self._api(route, params, query, headers, path)

    def _base(self, headers: Headers) -> str:
        """Our own base URL as the client addressed us, so Link and download URLs stay on that host."""
        host = headers.get("Host")
        return f"http://{host}" if host and _HOST_RE.match(host) else self.url

    def _api(self, route: routes.Route | None, params: dict[str, str], query: Mapping[str, list[str]],
             headers: Headers, path: str) -> Reply:
        problem = self._auth.check(headers.get("Authorization"))
        if problem is not None:
            return _with(github_error(401, problem), self._limiter.peek().headers())
        version = headers.get("X-GitHub-Api-Version") or DEFAULT_API_VERSION
        if version not in API_VERSIONS:
            return _with(github_error(410, f"API version {version[:20]!r} is not supported."),
                         self._limiter.peek().headers())
        if route is not None and route.kind == routes.META:
            state = self._limiter.peek()
            core = {"limit": state.limit, "remaining": state.remaining, "reset": state.reset, "used": state.used,
                    "resource": "core"}
            return _with(json_reply(200, {"resources": {"core": core}}), state.headers())
        allowed, state = self._limiter.take()
        rate = state.headers()
        if not allowed:
            self._stats.primary_limit_refusal()
            return _with(github_error(403, PRIMARY_LIMIT_MESSAGE, f"{RATE_DOCS}#about-primary-rate-limits"), rate)
        reply = self._refused(route, params, headers, path) or self._faulted(path)
        if reply is None:
            if route is None:
                reply = github_error(404, "Not Found")
            else:
                reply = self._handlers.handle(route.action, params, query, self._base(headers))
        reply = _with(reply, rate)
        reply.headers["x-github-api-version-selected"] = version
        if self.faults.token_scopes is not None and permissions.token_kind(headers.get("Authorization")) == "classic":
            reply.headers["x-oauth-scopes"] = self.faults.token_scopes
        return reply

    def _refused(self, route: routes.Route | None, params: dict[str, str], headers: Headers,
                 path: str) -> Reply | None:
        """A policy (usage metrics) or permission refusal configured in the faults, worded like GitHub's."""
        action = route.action if route else None
        if action in ("report", "latest") and any(path.startswith(p) for p in self.faults.policy_disabled_paths):
            return github_error(self.faults.policy_disabled_status, permissions.policy_message(params), REPORT_DOCS)
        if any(path.startswith(prefix) for prefix in self.faults.forbidden_paths):
            message, extra = permissions.forbidden(action, params, headers.get("Authorization"),
                                                   self.faults.token_scopes)
            return github_error(403, message, headers=extra)
        return None

    def _faulted(self, path: str) -> Reply | None:
        """The fault answer for an API request, or None to serve it normally."""
        failure = self._dice.failure()
        if failure is not None:
            return github_error(failure, {500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}[failure])
        throttle = self._dice.throttle()
        if throttle is not None:
            return github_error(throttle, SECONDARY_LIMIT_MESSAGE, f"{RATE_DOCS}#about-secondary-rate-limits",
                                {"retry-after": str(self.faults.retry_after)})
        return None

    def _app_token(self, headers: Headers, path: str) -> Reply:
        """JWT requests do not spend the installation's budget, but show it like every API answer."""
        rate = self._limiter.peek().headers()
        body, problem = self._auth.issue_installation_token(headers.get("Authorization"))
        if body is None:
            return _with(github_error(401, problem or "Bad credentials"), rate)
        refused = (github_error(403, permissions.INTEGRATION_MESSAGE)
                   if any(path.startswith(p) for p in self.faults.forbidden_paths) else None)
        return _with(refused or self._faulted(path) or json_reply(201, body), rate)

    def _blob(self, path: str, query: Mapping[str, list[str]]) -> Reply:
        expiry = next(iter(query.get("se") or ()), None)
        sig = next(iter(query.get("sig") or ()), None)
        problem = self._signer.check(path, expiry, sig)
        if problem is not None:
            return azure_error(
                403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is "
                "formed correctly including the signature.", problem)
        failure = self._dice.failure()
        if failure is not None:
            return azure_error(503 if failure == 503 else 500, "ServerBusy" if failure == 503 else "InternalError",
                               "The server is busy." if failure == 503 else "The server encountered an internal error.")
        ref = reports.BlobRef.parse(path)
        data = reports.blob_bytes(self.world, ref) if ref is not None else None
        if data is None:
            return azure_error(404, "BlobNotFound", "The specified blob does not exist.")
        content_type = "application/json" if path.endswith(".json") else "application/x-ndjson"
        if data and self._dice.corrupt():
            data = corrupted(data)
        return Reply(200, data, {"Content-Type": content_type, "x-ms-blob-type": "BlockBlob"},
                     truncate=bool(data) and self._dice.truncate())

    # --- control surface -------------------------------------------------------------------------
    def _control(self, action: str | None, body: bytes) -> Reply:
        if action == "stats":
            return json_reply(200, self.stats())
        if action == "reset_stats":
            self.reset_stats()
            return json_reply(200, self.stats())
        if action == "state":
            return json_reply(200, self.state())
        if action == "control":
            try:
                self.apply_control(json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
                return json_reply(400, {"message": f"invalid control request: {exc}"})
            return json_reply(200, self.state())
        return json_reply(404, {"message": "Not Found"})

    def apply_control(self, changes: Any) -> None:
        """Change today, revision and fault fields at once; nothing changes if any value is invalid."""
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object")
        changes = dict(changes)
        today = changes.pop("today", None)
        revision = changes.pop("revision", None)
        day = None
        if today is not None:
            if not isinstance(today, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", today):
                raise ValueError(f"today must be a date as YYYY-MM-DD, got {today!r}")
            day = dt.date.fromisoformat(today)
        if revision is not None and (isinstance(revision, bool) or not isinstance(revision, int) or revision < 0):
            raise ValueError(f"revision must be a whole number >= 0, got {revision!r}")
        trial = Faults(**self.faults.as_dict())
        apply_changes(trial, changes)  # validates every field first (raises naming the field)
        apply_changes(self.faults, changes)
        if day is not None:
            self.world.set_today(day)
        if revision is not None:
            self.world.set_revision(revision)


def _with(reply: Reply, headers: Mapping[str, str]) -> Reply:
    reply.headers.update(headers)
    return reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients with connection pools expect

    def version_string(self) -> str:
        return "GitHub.com"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        simulator: SimulatorServer = self.server.simulator  # type: ignore[attr-defined]
        length_header = self.headers.get("Content-Length") or "0"
        if not length_header.isdigit() or int(length_header) > _MAX_BODY:
            self._write(github_error(400, "Problems parsing request body"))
            self.close_connection = True
            return
        body = self.rfile.read(int(length_header)) if int(length_header) else b""
        self._write(simulator.handle(method, self.path, self.headers, body))

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("x-github-request-id", secrets.token_hex(8).upper())
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 204:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.truncate:
            # Promise the whole body, deliver half, hang up: what a dropped download looks like.
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if reply.body and reply.status != 204:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: request lines carry signed query strings, which must never be logged."""
