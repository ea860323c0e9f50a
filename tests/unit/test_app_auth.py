"""GitHub App installation tokens against a real HTTP server on loopback that checks the JWT signature."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from dataclasses import replace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from copilot_usage.github.app_auth import InstallationTokenProvider
from copilot_usage.github.errors import AppAuthError
from copilot_usage.retry import GITHUB_APP_TOKEN
from copilot_usage.settings import Settings

APP_ID = 123456
INSTALLATION = 424242
PATH = f"/app/installations/{INSTALLATION}/access_tokens"
NOW = 1_790_000_000.0


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


class Clock:
    def __init__(self, now: float = NOW):
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeGitHub:
    """The access_tokens endpoint: verifies the App JWT with the public key and issues numbered tokens."""

    def __init__(self, rsa_key: rsa.RSAPrivateKey, clock: Clock, lifetime: int = 3600):
        self.public_key = rsa_key.public_key()
        self.clock = clock
        self.lifetime = lifetime
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        assert scheme == "Bearer"
        # The signature is checked for real; exp/iat are compared with the test's clock below.
        claims = jwt.decode(token, self.public_key, algorithms=["RS256"], options={"verify_exp": False,
                                                                                    "verify_iat": False})
        with self._lock:
            n = len(self.requests) + 1
            self.requests.append({"claims": claims, "headers": dict(request.headers), "jwt": token})
        if self.delay:
            time.sleep(self.delay)
        expires = dt.datetime.fromtimestamp(self.clock.now + self.lifetime, dt.UTC)
        body = {
            "token": f"ghs_installation_token_{n}",
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "permissions": {"organization_copilot_metrics": "read"},
            "repository_selection": "all",
        }
        return Response(json.dumps(body), status=201, content_type="application/json")


def make_provider(httpserver: HTTPServer, pem: str, clock: Clock, **kwargs: Any) -> InstallationTokenProvider:
    return InstallationTokenProvider(APP_ID, INSTALLATION, pem, httpserver.url_for("/"), clock=clock, **kwargs)


def test_token_is_minted_with_a_valid_jwt_and_github_headers(
    httpserver: HTTPServer, rsa_key: rsa.RSAPrivateKey, pem: str
) -> None:
    clock = Clock()
    github = FakeGitHub(rsa_key, clock)
    httpserver.expect_request(PATH, method="POST").respond_with_handler(github)
    provider = make_provider(httpserver, pem, clock, api_version="2022-11-28")

    assert provider() == "ghs_installation_token_1"

    (seen,) = github.requests
    assert seen["claims"] == {"iat": int(NOW) - 60, "exp": int(NOW) + 540, "iss": str(APP_ID)}
    assert jwt.get_unverified_header(seen["jwt"])["alg"] == "RS256"
    assert seen["headers"]["Accept"] == "application/vnd.github+json"
    assert seen["headers"]["X-Github-Api-Version"] == "2022-11-28"
    assert seen["headers"]["User-Agent"].startswith("copilot-usage/")
    assert provider.expires_at == NOW + 3600
    assert "ghs_" not in repr(provider)
    assert "PRIVATE KEY" not in repr(provider)


def test_token_is_cached_until_five_minutes_before_expiry(
    httpserver: HTTPServer, rsa_key: rsa.RSAPrivateKey, pem: str
) -> None:
    clock = Clock()
    github = FakeGitHub(rsa_key, clock)
    httpserver.expect_request(PATH, method="POST").respond_with_handler(github)
    provider = make_provider(httpserver, pem, clock)

    assert provider() == "ghs_installation_token_1"
    assert provider() == "ghs_installation_token_1"
    assert len(github.requests) == 1

    clock.now = NOW + 3600 - 301  # still more than five minutes left
    assert provider() == "ghs_installation_token_1"
    assert len(github.requests) == 1

    clock.now = NOW + 3600 - 300  # the refresh margin is reached: a new token
    assert provider() == "ghs_installation_token_2"
    assert len(github.requests) == 2
    assert github.requests[1]["claims"]["iat"] == int(clock.now) - 60  # the JWT is signed at the new time
    assert provider.mint_count == 2


def test_concurrent_callers_share_one_mint(httpserver: HTTPServer, rsa_key: rsa.RSAPrivateKey, pem: str) -> None:
    clock = Clock()
    github = FakeGitHub(rsa_key, clock)
    github.delay = 0.05  # keep the first request in flight while the other threads arrive
    httpserver.expect_request(PATH, method="POST").respond_with_handler(github)
    provider = make_provider(httpserver, pem, clock)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(provider())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ghs_installation_token_1"] * 8
    assert len(github.requests) == 1


class ErrorGitHub:
    """Answers every token request with one GitHub error; keeps the JWTs it was sent."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        self.jwts: list[str] = []

    def __call__(self, request: Request) -> Response:
        self.jwts.append(request.headers["Authorization"].split(" ", 1)[1])
        body = {"message": self.message, "documentation_url": "https://docs.github.com/rest"}
        return Response(json.dumps(body), status=self.status, content_type="application/json")


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (401, "A JSON web token could not be decoded", "GITHUB_APP_ID"),
        (404, "Not Found", "GITHUB_APP_INSTALLATION_ID"),
        (403, "This installation has been suspended", "suspended"),
    ],
)
def test_errors_are_clear_and_carry_no_key_or_jwt(
    httpserver: HTTPServer, pem: str, status: int, message: str, expected: str
) -> None:
    handler = ErrorGitHub(status, message)
    httpserver.expect_request(PATH, method="POST").respond_with_handler(handler)
    sleeps: list[float] = []
    provider = make_provider(httpserver, pem, Clock(), sleep=sleeps.append)

    with pytest.raises(AppAuthError) as info:
        provider()

    text = str(info.value)
    assert info.value.status == status
    assert expected in text
    assert f"HTTP {status}" in text
    assert message in text  # GitHub's own short reason helps
    assert str(INSTALLATION) in text
    assert sleeps == []  # client errors are not retried
    assert len(handler.jwts) == 1
    assert handler.jwts[0] not in text
    for line in pem.strip().splitlines()[1:-1]:
        assert line not in text


def test_server_errors_are_retried_then_succeed(httpserver: HTTPServer, rsa_key: rsa.RSAPrivateKey, pem: str) -> None:
    clock = Clock()
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data("oops", status=502)
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_handler(FakeGitHub(rsa_key, clock))
    sleeps: list[float] = []
    provider = make_provider(httpserver, pem, clock, sleep=sleeps.append)
    assert provider() == "ghs_installation_token_1"
    assert sleeps == [1.0, 2.0]
    httpserver.check_assertions()


def test_server_errors_exhaust_retries(httpserver: HTTPServer, pem: str) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_data("oops", status=500)
    sleeps: list[float] = []
    provider = make_provider(httpserver, pem, Clock(), sleep=sleeps.append, retry=replace(GITHUB_APP_TOKEN, attempts=3))
    with pytest.raises(AppAuthError, match="HTTP 500") as info:
        provider()
    assert info.value.status == 500
    assert len(sleeps) == 2


def test_unreachable_github(pem: str) -> None:
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps: list[float] = []
    provider = InstallationTokenProvider(
        APP_ID, INSTALLATION, pem, f"http://127.0.0.1:{port}", clock=Clock(), sleep=sleeps.append, timeout=2
    )
    with pytest.raises(AppAuthError, match="cannot reach GitHub") as info:
        provider()
    assert info.value.status is None
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"expires_at": "2026-01-01T00:00:00Z"}),
        json.dumps({"token": "ghs_LEAKCHECK", "expires_at": "tomorrow"}),
        json.dumps({"token": "", "expires_at": "2026-01-01T00:00:00Z"}),
    ],
)
def test_unusable_token_responses(httpserver: HTTPServer, pem: str, body: str) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_data(body, status=201)
    provider = make_provider(httpserver, pem, Clock())
    with pytest.raises(AppAuthError, match="token") as info:
        provider()
    assert "LEAKCHECK" not in str(info.value)


def test_bad_private_keys_are_refused_without_echoing_them() -> None:
    garbage = "-----BEGIN RSA PRIVATE KEY-----\nTHISISNOTAKEYLEAKCHECK\n-----END RSA PRIVATE KEY-----\n"
    with pytest.raises(AppAuthError, match="not a readable PEM private key") as info:
        InstallationTokenProvider(APP_ID, INSTALLATION, garbage, "http://127.0.0.1:1")
    assert "LEAKCHECK" not in str(info.value)

    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(AppAuthError, match="must be an RSA key"):
        InstallationTokenProvider(APP_ID, INSTALLATION, ec_pem, "http://127.0.0.1:1")


def test_from_settings_uses_the_configured_app(httpserver: HTTPServer, rsa_key: rsa.RSAPrivateKey, pem: str) -> None:
    clock = Clock()
    github = FakeGitHub(rsa_key, clock)
    httpserver.expect_request(PATH, method="POST").respond_with_handler(github)
    settings = Settings.from_env(
        {
            "ORGANIZATION_SLUGS": "acme",
            "GITHUB_APP_ID": str(APP_ID),
            "GITHUB_APP_INSTALLATION_ID": str(INSTALLATION),
            "GITHUB_APP_PRIVATE_KEY": pem,
            "GITHUB_API_URL": httpserver.url_for("/"),
        }
    )
    provider = InstallationTokenProvider.from_settings(settings, clock=clock)
    assert provider() == "ghs_installation_token_1"
    assert github.requests[0]["headers"]["X-Github-Api-Version"] == settings.github.api_version
    assert github.requests[0]["claims"]["iss"] == str(APP_ID)


def test_from_settings_without_a_key_is_a_clear_error() -> None:
    settings = Settings.from_env(
        {
            "ORGANIZATION_SLUGS": "acme",
            "GITHUB_APP_ID": "1",
            "GITHUB_APP_INSTALLATION_ID": "2",
            "KEY_VAULT_URI": "https://kv-test.vault.azure.net",
            "GITHUB_APP_PRIVATE_KEY_SECRET_NAME": "gh-app-key",
        }
    )
    with pytest.raises(AppAuthError, match="no GitHub App private key"):
        InstallationTokenProvider.from_settings(settings)
