"""What a collection run does after its days are stored: privacy passes and the derived summaries.

Kept out of run.py so the collector calls it in one line. Nothing here may lose the run's work: a store
problem becomes an error in the run summary (the next run tries again), never an exception.
"""

from __future__ import annotations

import logging
from typing import Any

from copilot_usage.derived import write_derived
from copilot_usage.retention import after_collection
from copilot_usage.settings import Settings
from copilot_usage.store.errors import StoreError

log = logging.getLogger("copilot_usage.aftercare")


def run_aftercare(es: Any, settings: Settings, summary: Any) -> None:
    """Retention and the small-team flag (`retention`), then the derived summaries (`derived`); errors go to
    `summary.add_error`."""
    if settings.privacy.pseudonymous and settings.archive.configured:
        log.warning("PRIVACY_MODE is pseudonymous but the raw archive (ARCHIVE_DIR / ARCHIVE_CONTAINER_URL) keeps "
                    "GitHub's files as they are, logins included: restrict access to it (docs/privacy.md)")
    try:
        after_collection(es, settings.store.index_prefix, settings.privacy, settings.schedule.today())
    except StoreError as exc:
        summary.add_error(f"privacy passes (retention, small teams): {exc}")
    try:
        write_derived(es, settings)
    except StoreError as exc:
        summary.add_error(f"period summaries and seat spend: {exc}")
