"""Concrete names the store derives from an index prefix and an IndexDef."""

from __future__ import annotations

from copilot_usage.model import INDEX_PREFIX_RE
from copilot_usage.schema.indices import IndexDef


def check_prefix(prefix: str) -> str:
    """Return `prefix` if it can start an index name; raise ValueError naming it otherwise.

    The empty prefix is allowed (the index is then named by its key alone).
    """
    if prefix and not INDEX_PREFIX_RE.match(prefix):
        raise ValueError(
            f"index prefix must be lowercase letters, digits, '-' or '_' and start with a letter or digit, "
            f"got {prefix!r}"
        )
    return prefix


def template_name(defn: IndexDef, prefix: str) -> str:
    return f"{defn.name(prefix)}-template"
