"""What the Azure Function calls, kept free of Azure Functions imports so the CLI and tests share it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from copilot_usage.secrets import SecretSource, read_settings
from copilot_usage.settings import COMMAND_PARTS

logger = logging.getLogger("copilot_usage.entry")


class RunFailed(RuntimeError):
    """The run could not do its job (store unreachable, credential rejected): the host should retry."""


def collect_once(env: Mapping[str, str] | None = None, source: SecretSource | None = None, **run_kwargs: Any) -> Any:
    """One collection run from app settings. Configuration and Key Vault errors raise before anything is
    written. Failed days do not raise: they are in the ingestion log and the next run fetches them again."""
    from copilot_usage.run import run

    settings = read_settings(COMMAND_PARTS["collect"], env, source)
    logging.getLogger("copilot_usage").setLevel(settings.log_level)
    summary = run(settings, **run_kwargs)
    if summary.stopped in ("store", "auth"):
        raise RunFailed(f"collection stopped: {summary.stopped}: {'; '.join(summary.errors[:3])}")
    if not summary.ok:
        logger.error("collection finished with failures; they are retried on the next run")
    return summary


def send_digest(env: Mapping[str, str] | None = None, source: SecretSource | None = None) -> list[Any]:
    """The scheduled digest (copilot_usage.digest): delivery failures are logged and returned, never raised."""
    from copilot_usage.digest.cli import scheduled_digest

    return scheduled_digest(env, source)


def freshness_report(env: Mapping[str, str] | None = None, source: SecretSource | None = None) -> list[dict[str, Any]]:
    """Per scope and report: last complete day, status counts, latest error. Contains no secret. Reads only the
    store's settings, like `copilot-usage status`."""
    from copilot_usage.store.client import client_from_settings
    from copilot_usage.store.ingestion_log import freshness

    settings = read_settings(COMMAND_PARTS["status"], env, source)
    return freshness(client_from_settings(settings.store), settings.store.index_prefix)
