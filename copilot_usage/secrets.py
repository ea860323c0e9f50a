"""Where secrets come from: Key Vault through the app's managed identity, or the environment.

One seam, `SecretSource.get(name) -> str`, so units use a dict-backed fake and only one contract test
talks to the real Key Vault SDK. Error messages name the secret, the vault and what to fix; they never
carry a secret value (we do not even echo the service's message text, only its error codes).

When `KEY_VAULT_URI` is set, Key Vault is the source of truth for the secrets it is asked for: a value
also present in the environment is ignored (and a warning names the variable), so a stale app setting
can never silently win over a rotated vault secret.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from copilot_usage.envparts import KEY_VAULT_SECRET_NAME
from copilot_usage.envparts import SecretError as SecretError  # re-exported: callers catch it from here
from copilot_usage.settings import Part, Secret, Settings

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.keyvault.secrets import SecretClient

log = logging.getLogger(__name__)

SECRETS_USER_ROLE = "Key Vault Secrets User"


class SecretSource(Protocol):
    def get(self, name: str) -> str:
        """Return the secret's value; raise SecretError when it is missing, empty or unreadable."""
        ...


class EnvSecretSource:
    """Secrets from environment variables (local runs, docker compose).

    A Key Vault style name is also looked up in its environment spelling, so `github-pat` finds
    `GITHUB_PAT`: the same secret names work with and without a vault.
    """

    def __init__(self, env: Mapping[str, str] | None = None):
        self._env = os.environ if env is None else env

    def get(self, name: str) -> str:
        for candidate in dict.fromkeys((name, name.upper().replace("-", "_"))):
            value = self._env.get(candidate)
            if value is None:
                continue
            if not value.strip():
                raise SecretError(f"environment variable {candidate} is set but empty")
            return value
        raise SecretError(f"secret {name!r} is not set in the environment")

    def __repr__(self) -> str:
        return "EnvSecretSource()"


class KeyVaultSecretSource:
    """Secrets from Azure Key Vault, read with the app's identity (never an access key).

    `DefaultAzureCredential` picks the user-assigned managed identity named by `AZURE_CLIENT_ID` in
    Azure, and the developer's `az login` locally. Values are cached for the life of this object (one
    run), so a secret is fetched once per run and a rotation is picked up by the next run.
    """

    def __init__(
        self,
        vault_uri: str,
        credential: TokenCredential | None = None,
        *,
        client: SecretClient | None = None,
    ):
        self.vault_uri = vault_uri.rstrip("/")
        if client is None:
            # Imported here: the Azure SDKs are heavy and only needed when a vault is configured
            # (Flex Consumption gives a worker 30 s to start).
            from azure.keyvault.secrets import SecretClient

            if credential is None:
                from azure.identity import DefaultAzureCredential

                credential = DefaultAzureCredential()
            client = SecretClient(vault_url=self.vault_uri, credential=credential)
        self._client = client
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyVaultSecretSource({self.vault_uri!r})"

    def get(self, name: str) -> str:
        if not KEY_VAULT_SECRET_NAME.match(name):
            raise SecretError(f"{name!r} is not a valid Key Vault secret name (letters, digits and '-')")
        with self._lock:
            if name in self._cache:
                return self._cache[name]
        value = self._fetch(name)
        with self._lock:
            self._cache[name] = value
        return value

    def _fetch(self, name: str) -> str:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceNotFoundError,
            ServiceRequestError,
            ServiceResponseError,
        )

        where = f"secret {name!r} in Key Vault {self.vault_uri}"
        try:
            secret = self._client.get_secret(name)
        except ResourceNotFoundError:
            raise SecretError(
                f"{where} was not found: create it, or set the *_SECRET_NAME setting to the right name"
            ) from None
        except ClientAuthenticationError as exc:
            # Raised both by the credential (no identity, not logged in) and for a 401 from the vault.
            raise SecretError(
                f"cannot authenticate to Key Vault {self.vault_uri} to read {name!r}: no managed identity "
                "is available or you are not logged in (in Azure set AZURE_CLIENT_ID to the client id of the "
                f"app's user-assigned identity; locally run `az login`) [{type(exc).__name__}]"
            ) from exc
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise SecretError(
                f"Key Vault {self.vault_uri} is unreachable while reading {name!r}: check the URI, DNS, "
                f"private endpoint and network rules [{type(exc).__name__}]"
            ) from exc
        except HttpResponseError as exc:
            raise SecretError(_describe_http_error(where, self.vault_uri, exc)) from None
        value = secret.value
        if value is None or not value.strip():
            raise SecretError(f"{where} is empty")
        return value


def _describe_http_error(where: str, vault_uri: str, exc: Any) -> str:
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or ""
    inner = getattr(error, "innererror", None) or {}
    inner_code = inner.get("code", "") if isinstance(inner, Mapping) else ""
    codes = "/".join(c for c in (code, inner_code) if c)
    suffix = f" [HTTP {status}{', ' + codes if codes else ''}]"
    if status == 403:
        if inner_code == "SecretDisabled":
            return f"{where} is disabled: enable it or point the setting at another secret{suffix}"
        if "Firewall" in inner_code or "Connection" in inner_code:
            return (
                f"Key Vault {vault_uri} refused the connection by its network rules while reading "
                f"{where}: allow the app's subnet or use a private endpoint{suffix}"
            )
        return (
            f"access to {where} was denied: grant the role \"{SECRETS_USER_ROLE}\" on the vault to the "
            f"app's identity (the managed identity named by AZURE_CLIENT_ID), or, for a vault using access "
            f"policies, a 'get' secret permission{suffix}"
        )
    return f"reading {where} failed{suffix}"


def _one_word(value: str, secret_name: str, what: str, alone: str) -> str:
    """A token or key read from Key Vault, trimmed; white space inside means a pasted note or a second value."""
    value = value.strip()
    if any(c.isspace() for c in value):
        raise SecretError(f"Key Vault secret {secret_name!r} ({what}) contains white space; store {alone} alone")
    return value


def resolve_settings(settings: Settings, source: SecretSource | None = None) -> Settings:
    """Return a copy of `settings` with the secrets of its loaded parts read from Key Vault (when KEY_VAULT_URI
    is set).

    Read from the vault, for the parts the command loaded:
    - github: the PAT from `pat_secret_name`, unless a GitHub App is configured; the App's private key from
      `app_private_key_secret_name`, when set;
    - store: the Elasticsearch password from `password_secret_name`, or the API key from `api_key_secret_name`
      (an existing cluster), when set;
    - privacy and digest: their secrets (part_secrets.py).
    Every secret is read before this returns, so a vault problem stops the run before anything is written; a
    part the command did not load is not asked for (`status` never reads the GitHub token).
    Without KEY_VAULT_URI the settings are returned unchanged: the environment is then the source.
    """
    if not settings.key_vault_uri:
        return settings
    if source is None:
        source = KeyVaultSecretSource(settings.key_vault_uri)

    changes: dict[str, Any] = {}
    origins = dict(settings.sources)

    def take(setting: str, env_name: str, secret_name: str) -> str:
        if env_name in settings.sources:
            log.warning(
                "%s is set in the environment but KEY_VAULT_URI is set: using Key Vault secret %r instead",
                settings.sources[env_name], secret_name,
            )
        value = source.get(secret_name)
        if not value or not value.strip():
            raise SecretError(f"Key Vault secret {secret_name!r} ({setting}) is empty")
        origins[env_name] = f"Key Vault secret {secret_name}"
        log.info("read %s from Key Vault secret %r", setting, secret_name)
        return value

    if settings.has(Part.GITHUB):
        github = settings.github
        replaced: dict[str, Any] = {}
        if not github.uses_app:
            name = github.pat_secret_name
            token = take("github_token", "GITHUB_PAT", name)
            replaced["token"] = Secret(_one_word(token, name, "GitHub token", "the token"))
        if github.app_private_key_secret_name:
            name = github.app_private_key_secret_name
            key = take("github_app_private_key", "GITHUB_APP_PRIVATE_KEY", name).strip()
            if "PRIVATE KEY" not in key:
                raise SecretError(
                    f"Key Vault secret {name!r} is not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----')"
                )
            replaced["app_private_key"] = Secret(key)
        changes["github"] = dataclasses.replace(github, **replaced)
    if settings.has(Part.STORE):
        store = settings.store
        replaced = {}
        if store.password_secret_name:
            name = store.password_secret_name
            # Only line breaks are trimmed (a secret uploaded from a file); spaces may belong to a password.
            replaced["password"] = Secret(take("elasticsearch_password", "ELASTICSEARCH_PASSWORD", name).strip("\r\n"))
        if store.api_key_secret_name:
            name = store.api_key_secret_name
            api_key = take("elasticsearch_api_key", "ELASTICSEARCH_API_KEY", name)
            replaced["api_key"] = Secret(_one_word(api_key, name, "Elasticsearch API key", "the key"))
        changes["store"] = dataclasses.replace(store, **replaced)
    changes["sources"] = origins
    from copilot_usage.part_secrets import resolve_part_secrets  # the feature parts' secrets (privacy, digest)

    changes.update(resolve_part_secrets(settings, source))
    return settings.replace(**changes)


def read_settings(parts: Iterable[Part], env: Mapping[str, str] | None = None,
                  source: SecretSource | None = None) -> Settings:
    """The parts of the settings a command uses (settings.COMMAND_PARTS), from `env` (default: the process
    environment), with their secrets resolved. Raises ConfigError or SecretError, each naming what to fix."""
    return resolve_settings(Settings.from_env(env, parts), source)
