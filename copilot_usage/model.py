"""Small value types shared by every layer: scopes, reports, snapshots and the status of a day."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import quote

# GitHub logins and enterprise slugs are letters, digits and hyphens; we also accept underscores
# (GHE.com data-residency enterprise slugs) but nothing that could change a URL path or an index name.
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
# What may start an Elasticsearch index name (INDEX_PREFIX): lowercase, no leading '-', '_' or '+', none of
# \/*?"<>| , # or space. Settings validates the variable with it, the store every name it derives.
INDEX_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


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
        if not SLUG_RE.match(slug):
            raise ValueError(f"invalid slug in scope {text!r}")
        return cls(kinds[kind.lower()], slug.lower())


class Report(enum.StrEnum):
    """The daily reports the collector keeps, by logical name (the same for both scope types).

    GitHub's names, endpoints and everything else about each report are in registry.py.
    """

    AGGREGATE = "aggregate"
    USERS = "users"
    USER_TEAMS = "user-teams"
    REPOS = "repos"


class Snapshot(enum.StrEnum):
    """Once-a-day snapshots of state that GitHub does not keep history for."""

    SEATS = "seats"  # seat listing plus the billing summary: the seat summary needs both
    TEAMS = "teams"
    # The org's billing usage report for the previous full UTC day (organizations only; see planner.py).
    BILLING_USAGE = "billing_usage"
    # The feature engagement of GitHub's latest 28-day aggregate report: GitHub serves only the latest window,
    # so it is asked once a day like a snapshot; its documents are for the window's end day (registry.py).
    FEATURE_ENGAGEMENT = "feature_engagement"


class Status(enum.StrEnum):
    """What happened to one (scope, report, day); the ingestion log stores the first four."""

    COMPLETE = "complete"  # every document acknowledged
    EMPTY = "empty"  # GitHub answered with no records (or, for billing usage, the report is not accessible)
    NOT_READY = "not_ready"  # 204: GitHub has not produced it yet
    FAILED = "failed"  # fetching, shaping or storing failed: fetched again on the next run
    UNCHANGED = "unchanged"  # a run's outcome only: same content as the logged one, logged as complete


# How far behind today GitHub's newest report day may be when nothing is wrong (github-copilot-api.md §11.5):
# a day is ready about 3 full UTC days after it ends, one more when a weekend falls in them, so the newest day
# served is today-4, or today-5 after a weekend. Checks that judge freshness (the stale-data alert, doctor's
# probe) allow this much; the collector asks for newer days anyway (planner.READY_LAG_DAYS), since asking costs
# little and GitHub is sometimes quicker.
REPORT_MAX_LAG_DAYS = 5

# A day in one of these states needs no fetch (besides the late-window refresh).
DONE: frozenset[Status] = frozenset({Status.COMPLETE, Status.EMPTY})
