"""Small value types shared by every layer: scopes and the daily reports GitHub serves for them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import quote


class ScopeType(enum.StrEnum):
    ORGANIZATION = "organization"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True, order=True)
class Scope:
    type: ScopeType
    slug: str

    @property
    def api_base(self) -> str:
        """The REST path prefix of this scope, with the slug escaped so it can never change the path."""
        root = "orgs" if self.type is ScopeType.ORGANIZATION else "enterprises"
        return f"/{root}/{quote(self.slug, safe='')}"

    def __str__(self) -> str:
        return f"{self.type.value}:{self.slug}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Parse `org:NAME`, `organization:NAME` or `enterprise:NAME` (as the CLI takes them)."""
        kind, sep, slug = text.partition(":")
        kinds = {"org": ScopeType.ORGANIZATION, "organization": ScopeType.ORGANIZATION,
                 "enterprise": ScopeType.ENTERPRISE, "ent": ScopeType.ENTERPRISE}
        if not sep or kind.lower() not in kinds or not slug:
            raise ValueError(f"scope must look like org:NAME or enterprise:NAME, got {text!r}")
        from copilot_usage.settings import SLUG_RE  # late import: settings imports this module

        if not SLUG_RE.match(slug):
            raise ValueError(f"invalid slug in scope {text!r}")
        return cls(kinds[kind.lower()], slug.lower())


class Report(enum.StrEnum):
    """The daily reports the collector keeps, by logical name (the same for both scope types)."""

    AGGREGATE = "aggregate"
    USERS = "users"
    USER_TEAMS = "user-teams"
    REPOS = "repos"

    def endpoint(self, scope_type: ScopeType) -> str:
        """GitHub's report name in `.../copilot/metrics/reports/{name}`."""
        if self is Report.AGGREGATE:
            return "organization-1-day" if scope_type is ScopeType.ORGANIZATION else "enterprise-1-day"
        return f"{self.value}-1-day"


class Snapshot(enum.StrEnum):
    """Once-a-day snapshots of state that GitHub does not keep history for."""

    SEATS = "seats"  # seat listing plus the billing summary: the seat summary needs both
    TEAMS = "teams"
    # The org's billing usage report for the previous full UTC day (organizations only; see planner.py).
    BILLING_USAGE = "billing_usage"
