"""Key Vault secrets of the feature parts of `Settings` (privacy key, digest webhook URL, SMTP password).

Called by `secrets.resolve_settings` with the same source, so a vault problem stops a run before anything
is written, and errors name the secret and the setting, never a value.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from copilot_usage.digest.settings import check_webhook_url
from copilot_usage.envparts import SecretError
from copilot_usage.privacy import MIN_KEY_LENGTH
from copilot_usage.settings import Part, Secret, Settings

log = logging.getLogger(__name__)


def resolve_part_secrets(settings: Settings, source: Any) -> dict[str, Any]:
    """Replacement parts for `settings.replace(**...)`: each secret named in a loaded part, read."""
    def read(setting: str, name: str) -> Secret:
        value = source.get(name)
        if not value or not value.strip():
            raise SecretError(f"Key Vault secret {name!r} ({setting}) is empty")
        log.info("read %s from Key Vault secret %r", setting, name)
        return Secret(value.strip())

    changes: dict[str, Any] = {}
    privacy = settings.privacy if settings.has(Part.PRIVACY) else None
    if privacy is not None and privacy.key_secret_name:
        key = read("PRIVACY_KEY", privacy.key_secret_name)
        if len(key.reveal()) < MIN_KEY_LENGTH:
            raise SecretError(
                f"Key Vault secret {privacy.key_secret_name!r} (PRIVACY_KEY) has fewer than {MIN_KEY_LENGTH} characters"
            )
        changes["privacy"] = dataclasses.replace(privacy, key=key)
    digest = settings.digest if settings.has(Part.DIGEST) else None
    if digest is None:
        return changes
    replaced: dict[str, Any] = {}
    if digest.webhook_url_secret_name:
        url = read("DIGEST_WEBHOOK_URL", digest.webhook_url_secret_name)
        if problem := check_webhook_url(url.reveal()):
            raise SecretError(f"Key Vault secret {digest.webhook_url_secret_name!r}: {problem}")
        replaced["webhook_url"] = url
    if digest.smtp_password_secret_name:
        replaced["smtp_password"] = read("DIGEST_SMTP_PASSWORD", digest.smtp_password_secret_name)
    if replaced:
        changes["digest"] = dataclasses.replace(digest, **replaced)
    return changes
