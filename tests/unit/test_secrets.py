"""Secrets: resolve_settings with a dict-backed source, and the Key Vault SDK against intercepted HTTP."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from typing import Any

import pytest
import requests
import responses
from azure.core.credentials import AccessToken
from azure.identity import CredentialUnavailableError
from azure.keyvault.secrets import SecretClient

from copilot_usage.secrets import (
    EnvSecretSource,
    KeyVaultSecretSource,
    SecretError,
    resolve_settings,
)
from copilot_usage.settings import COMMAND_PARTS, Part, Secret, Settings

VAULT = "https://kv-test.vault.azure.net"
PAT = "ghp_FromTheVault0123456789abcdefABCDEF"
ENV_PAT = "ghp_FromTheEnvironment0123456789abcdef"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEvSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----"
ES_PASSWORD = " s3cret pass "  # leading/trailing spaces are part of it


class DictSource:
    """A SecretSource backed by a dict; records which names were asked for."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.asked: list[str] = []

    def get(self, name: str) -> str:
        self.asked.append(name)
        if name not in self.values:
            raise SecretError(f"secret {name!r} not found in test vault")
        return self.values[name]


def settings_for(**env: str) -> Settings:
    base = {"ORGANIZATION_SLUGS": "acme", "KEY_VAULT_URI": VAULT}
    base.update(env)
    return Settings.from_env({k: v for k, v in base.items() if v != ""})


# ---- resolve_settings -----------------------------------------------------------------------------


def test_without_key_vault_settings_are_returned_unchanged() -> None:
    settings = settings_for(KEY_VAULT_URI="", GITHUB_PAT=ENV_PAT)
    source = DictSource({"github-pat": PAT})
    assert resolve_settings(settings, source) is settings
    assert source.asked == []


def test_pat_comes_from_the_vault_and_wins_over_the_environment(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(GH_PAT=ENV_PAT)
    source = DictSource({"github-pat": PAT + "\n"})  # uploaded from a file: trailing newline
    with caplog.at_level(logging.DEBUG):
        resolved = resolve_settings(settings, source)
    assert source.asked == ["github-pat"]
    assert resolved.github.token == Secret(PAT)
    assert settings.github.token == Secret(ENV_PAT)  # the input is not modified
    assert resolved.sources["GITHUB_PAT"] == "Key Vault secret github-pat"
    assert "GH_PAT is set in the environment" in caplog.text
    for shown in (caplog.text, repr(resolved), str(resolved.describe())):
        assert PAT not in shown
        assert ENV_PAT not in shown


def test_custom_pat_secret_name() -> None:
    source = DictSource({"copilot-token": PAT})
    resolved = resolve_settings(settings_for(GITHUB_PAT_SECRET_NAME="copilot-token"), source)
    assert source.asked == ["copilot-token"]
    assert resolved.github.token is not None
    assert resolved.github.token.reveal() == PAT


def test_github_app_key_from_the_vault_and_no_pat_requested() -> None:
    settings = settings_for(
        GITHUB_APP_ID="123", GITHUB_APP_INSTALLATION_ID="456", GITHUB_APP_PRIVATE_KEY_SECRET_NAME="gh-app-key"
    )
    source = DictSource({"gh-app-key": PEM + "\n", "github-pat": PAT})
    resolved = resolve_settings(settings, source)
    assert source.asked == ["gh-app-key"]
    assert resolved.github.app_private_key == Secret(PEM)
    assert resolved.github.token is None


def test_elasticsearch_password_keeps_spaces_but_drops_line_breaks() -> None:
    settings = settings_for(ELASTICSEARCH_USERNAME="writer", ELASTICSEARCH_PASSWORD_SECRET_NAME="es-writer")
    source = DictSource({"github-pat": PAT, "es-writer": ES_PASSWORD + "\r\n"})
    resolved = resolve_settings(settings, source)
    assert source.asked == ["github-pat", "es-writer"]
    assert resolved.store.password == Secret(ES_PASSWORD)


def test_only_the_secrets_of_the_loaded_parts_are_read() -> None:
    env = {"KEY_VAULT_URI": VAULT, "ELASTICSEARCH_USERNAME": "writer",
           "ELASTICSEARCH_PASSWORD_SECRET_NAME": "es-writer", "DIGEST_WEBHOOK_URL_SECRET_NAME": "digest-hook"}
    source = DictSource({"es-writer": ES_PASSWORD})
    resolved = resolve_settings(Settings.from_env(env, COMMAND_PARTS["status"]), source)
    assert source.asked == ["es-writer"]  # `status` needs neither the GitHub token nor the digest's webhook
    assert resolved.store.password == Secret(ES_PASSWORD)
    assert resolved.parts == {Part.STORE}


def test_a_missing_secret_stops_resolution_with_its_name() -> None:
    settings = settings_for(ELASTICSEARCH_USERNAME="writer", ELASTICSEARCH_PASSWORD_SECRET_NAME="es-writer")
    with pytest.raises(SecretError, match="es-writer"):
        resolve_settings(settings, DictSource({"github-pat": PAT}))


@pytest.mark.parametrize("empty", ["", "   ", "\n"])
def test_an_empty_secret_is_an_error(empty: str) -> None:
    with pytest.raises(SecretError, match=r"'github-pat'.*empty"):
        resolve_settings(settings_for(), DictSource({"github-pat": empty}))


def test_a_token_with_white_space_is_refused_without_echoing_it() -> None:
    bad = "ghp_abc def_SHOULDNOTLEAK"
    with pytest.raises(SecretError, match="white space") as info:
        resolve_settings(settings_for(), DictSource({"github-pat": bad}))
    assert "SHOULDNOTLEAK" not in str(info.value)


def test_a_private_key_that_is_not_pem_is_refused_without_echoing_it() -> None:
    settings = settings_for(
        GITHUB_APP_ID="1", GITHUB_APP_INSTALLATION_ID="2", GITHUB_APP_PRIVATE_KEY_SECRET_NAME="gh-app-key"
    )
    with pytest.raises(SecretError, match="not a PEM private key") as info:
        resolve_settings(settings, DictSource({"gh-app-key": "NOTAKEY-SHOULDNOTLEAK"}))
    assert "SHOULDNOTLEAK" not in str(info.value)


# ---- EnvSecretSource ------------------------------------------------------------------------------


def test_env_source_reads_the_name_or_its_environment_spelling() -> None:
    source = EnvSecretSource({"GITHUB_PAT": PAT, "es-writer": "pw"})
    assert source.get("github-pat") == PAT
    assert source.get("es-writer") == "pw"
    with pytest.raises(SecretError, match="'nope' is not set"):
        source.get("nope")
    with pytest.raises(SecretError, match="EMPTY_ONE is set but empty"):
        EnvSecretSource({"EMPTY_ONE": " "}).get("empty-one")
    assert PAT not in repr(source)


# ---- Key Vault: the real SDK against intercepted HTTP ---------------------------------------------


class FakeCredential:
    """Azure's TokenCredential shape (a stand-in for managed identity), not a stub of our code."""

    def __init__(self, fail: bool = False):
        self.fail = fail
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        if self.fail:
            raise CredentialUnavailableError("ManagedIdentityCredential: no managed identity endpoint found")
        return AccessToken("fake-token", int(time.time()) + 3600)


CHALLENGE = (
    'Bearer authorization="https://login.microsoftonline.com/72f988bf-0000-0000-0000-2d7cd011db47", '
    'resource="https://vault.azure.net"'
)


def kv_error(status: int, code: str, inner: str | None, message: str) -> tuple[int, dict[str, str], str]:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner}
    return status, {"Content-Type": "application/json"}, json.dumps({"error": error})


def fake_vault(vault: str, secrets: dict[str, str]) -> Any:
    """A callback acting as the vault: challenge without a token, then per-secret answers."""

    def handler(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if "Authorization" not in request.headers:
            return 401, {"WWW-Authenticate": CHALLENGE}, ""
        assert request.headers["Authorization"] == "Bearer fake-token"
        name = request.path_url.split("?")[0].strip("/").split("/")[1]
        if name == "forbidden":
            return kv_error(
                403, "Forbidden", "ForbiddenByRbac",
                "Caller is not authorized to perform action on resource.\r\nAssignment: (not found)",
            )
        if name == "disabled":
            return kv_error(403, "Forbidden", "SecretDisabled", "Operation get is not allowed on a disabled secret.")
        if name == "firewalled":
            return kv_error(403, "Forbidden", "ForbiddenByFirewall", "Client address is not authorized.")
        if name not in secrets:
            return kv_error(404, "SecretNotFound", None, f"A secret with (name/id) {name} was not found.")
        body = {
            "value": secrets[name],
            "id": f"{vault}/secrets/{name}/0123456789abcdef0123456789abcdef",
            "attributes": {"enabled": True, "created": 1767225600, "updated": 1767225600},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return handler


def test_key_vault_contract_challenge_200_404_403_without_leaking_values() -> None:
    credential = FakeCredential()
    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.GET,
            re.compile(re.escape(VAULT) + r"/secrets/.*"),
            callback=fake_vault(VAULT, {"github-pat": PAT}),
        )
        source = KeyVaultSecretSource(VAULT, credential)

        assert source.get("github-pat") == PAT
        assert source.get("github-pat") == PAT  # cached for the run: no second request

        with pytest.raises(SecretError) as missing:
            source.get("missing")
        with pytest.raises(SecretError) as forbidden:
            source.get("forbidden")
        with pytest.raises(SecretError) as disabled:
            source.get("disabled")
        with pytest.raises(SecretError) as firewalled:
            source.get("firewalled")

        calls = [(c.request.path_url, c.request.headers.get("Authorization")) for c in mock.calls]

    # The challenge flow: first request without a token, then with the credential's bearer token.
    assert calls[0][1] is None
    assert calls[1] == ("/secrets/github-pat/?api-version=2026-04-01", "Bearer fake-token")
    assert sum(1 for path, _ in calls if path.startswith("/secrets/github-pat/")) == 2
    assert credential.scopes[0] == ("https://vault.azure.net/.default",)

    assert "'missing'" in str(missing.value)
    assert "not found" in str(missing.value)
    assert VAULT in str(missing.value)
    assert "Key Vault Secrets User" in str(forbidden.value)
    assert "'forbidden'" in str(forbidden.value)
    assert "disabled" in str(disabled.value)
    assert "network rules" in str(firewalled.value)
    for err in (missing, forbidden, disabled, firewalled):
        text = str(err.value)
        assert PAT not in text
        assert "fake-token" not in text
        assert "Caller is not authorized" not in text  # the service's text is not echoed
    assert PAT not in repr(source)


def test_key_vault_without_an_identity_says_so() -> None:
    vault = "https://kv-noidentity.vault.azure.net"
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, re.compile(re.escape(vault) + r"/secrets/.*"), callback=fake_vault(vault, {}))
        source = KeyVaultSecretSource(vault, FakeCredential(fail=True))
        with pytest.raises(SecretError, match="no managed identity") as info:
            source.get("github-pat")
    assert "AZURE_CLIENT_ID" in str(info.value)
    assert "az login" in str(info.value)


def test_key_vault_unreachable() -> None:
    vault = "https://kv-unreachable.vault.azure.net"

    def refuse(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        raise requests.ConnectionError("connection refused")

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, re.compile(re.escape(vault) + r"/.*"), callback=refuse)
        client = SecretClient(vault, FakeCredential(), retry_total=0)
        source = KeyVaultSecretSource(vault, client=client)
        with pytest.raises(SecretError, match="unreachable") as info:
            source.get("github-pat")
    assert vault in str(info.value)


def test_key_vault_refuses_invalid_secret_names_before_any_request() -> None:
    source = KeyVaultSecretSource(VAULT, client=SecretClient(VAULT, FakeCredential()))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for bad in ("../keys/x", "a b", "", "x" * 128):
            with pytest.raises(SecretError, match="not a valid Key Vault secret name"):
                source.get(bad)
        assert len(mock.calls) == 0


def test_resolve_settings_with_the_real_key_vault_source() -> None:
    vault = "https://kv-resolve.vault.azure.net"
    settings = settings_for(KEY_VAULT_URI=vault)
    settings = settings.replace(store=dataclasses.replace(settings.store, password_secret_name="es-writer"))
    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.GET, re.compile(re.escape(vault) + r"/secrets/.*"),
            callback=fake_vault(vault, {"github-pat": PAT, "es-writer": "pw"}),
        )
        resolved = resolve_settings(settings, KeyVaultSecretSource(vault, FakeCredential()))
    assert resolved.github.token == Secret(PAT)
    assert resolved.store.password == Secret("pw")


# ---- an existing cluster's API key from Key Vault (issue 16: bring your own Elasticsearch) ------------


def test_the_elasticsearch_api_key_is_read_from_key_vault() -> None:
    settings = settings_for(ELASTICSEARCH_API_KEY_SECRET_NAME="es-external-api-key")
    key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
    source = DictSource({"github-pat": PAT, "es-external-api-key": key + "\n"})
    resolved = resolve_settings(settings, source)
    assert resolved.store.api_key == Secret(key)
    assert resolved.store.username is None
    assert resolved.store.password is None
    assert source.asked == ["github-pat", "es-external-api-key"]
    assert resolved.sources["ELASTICSEARCH_API_KEY"] == "Key Vault secret es-external-api-key"


def test_an_api_key_with_white_space_is_refused_without_showing_it() -> None:
    settings = settings_for(ELASTICSEARCH_API_KEY_SECRET_NAME="es-external-api-key")
    source = DictSource({"github-pat": PAT, "es-external-api-key": "abc def-SECRETPART"})
    with pytest.raises(SecretError, match="contains white space") as info:
        resolve_settings(settings, source)
    assert "SECRETPART" not in str(info.value)


def test_the_api_key_secret_needs_a_vault_and_excludes_a_user() -> None:
    from copilot_usage.settings import ConfigError

    with pytest.raises(ConfigError, match="KEY_VAULT_URI is not"):
        settings_for(KEY_VAULT_URI="", GITHUB_PAT=ENV_PAT, ELASTICSEARCH_API_KEY_SECRET_NAME="es-key")
    with pytest.raises(ConfigError, match="not both"):
        settings_for(ELASTICSEARCH_API_KEY_SECRET_NAME="es-key", ELASTICSEARCH_USERNAME="copilot_writer",
                     ELASTICSEARCH_PASSWORD_SECRET_NAME="es-writer-password")
    # The empty app settings the template writes in external mode count as unset.
    settings = Settings.from_env({"ORGANIZATION_SLUGS": "acme", "KEY_VAULT_URI": VAULT,
                                  "ELASTICSEARCH_USERNAME": "", "ELASTICSEARCH_PASSWORD_SECRET_NAME": "",
                                  "ELASTICSEARCH_API_KEY_SECRET_NAME": "es-external-api-key"})
    assert settings.store.api_key_secret_name == "es-external-api-key"
