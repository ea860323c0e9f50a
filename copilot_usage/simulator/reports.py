"""Report files: which files a report request links to, and the bytes of each file.

A file is named by a `BlobRef` (scope, report, day, revision, part). Its path is what the signed download
link carries, so a link keeps serving the numbers of the revision it was issued under, as a real blob
would. NDJSON reports (users, user-teams, repos, users-28-day) are split into parts of at most
`records_per_file` rows; aggregate reports are one JSON object in one file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from copilot_usage.simulator.world import ENTERPRISE, ORGANIZATION, SimScope, World

# report name in the URL -> kind of file
ORG_REPORTS = {
    "organization-1-day": "aggregate",
    "users-1-day": "users",
    "user-teams-1-day": "user-teams",
    "repos-1-day": "repos",
}
ENTERPRISE_REPORTS = {
    "enterprise-1-day": "aggregate",
    "users-1-day": "users",
    "user-teams-1-day": "user-teams",
    "repos-1-day": "repos",
}
ORG_LATEST = {"organization-28-day": "aggregate-28", "users-28-day": "users-28"}
ENTERPRISE_LATEST = {"enterprise-28-day": "aggregate-28", "users-28-day": "users-28"}
_SINGLE_OBJECT = ("aggregate", "aggregate-28")
_JSON_REPORTS = frozenset({"organization-1-day", "enterprise-1-day", "organization-28-day", "enterprise-28-day"})
_SCOPE_PATH = {ORGANIZATION: "org", ENTERPRISE: "enterprise"}
_PATH_RE = re.compile(
    r"^reports/(?P<scope>org|enterprise)/(?P<slug>[A-Za-z0-9_-]{1,100})/(?P<report>[a-z0-9-]+)/"
    r"(?P<day>\d{4}-\d{2}-\d{2})/r(?P<rev>\d{1,7})/part-(?P<part>\d{1,7})\.(?:ndjson|json)$"
)


def report_kind(scope: SimScope, report: str, latest: bool) -> str | None:
    if scope.kind == ORGANIZATION:
        return (ORG_LATEST if latest else ORG_REPORTS).get(report)
    return (ENTERPRISE_LATEST if latest else ENTERPRISE_REPORTS).get(report)


@dataclass(frozen=True)
class BlobRef:
    scope_kind: str
    slug: str
    report: str
    day: dt.date  # the report day, or the end day of a 28-day report
    revision: int
    part: int

    def path(self) -> str:
        kind = _SCOPE_PATH[self.scope_kind]
        ext = "json" if self.report in _JSON_REPORTS else "ndjson"
        day = self.day.isoformat()
        return f"reports/{kind}/{self.slug}/{self.report}/{day}/r{self.revision}/part-{self.part}.{ext}"

    @classmethod
    def parse(cls, path: str) -> BlobRef | None:
        match = _PATH_RE.match(path)
        if not match:
            return None
        try:
            day = dt.date.fromisoformat(match["day"])
        except ValueError:
            return None
        kind = ORGANIZATION if match["scope"] == "org" else ENTERPRISE
        return cls(kind, match["slug"], match["report"], day, int(match["rev"]), int(match["part"]))


def _parts(rows: int, per_file: int) -> int:
    return max(1, -(-rows // per_file))  # an empty report is still one (empty) file


def links(world: World, scope: SimScope, report: str, kind: str, day: dt.date) -> list[BlobRef]:
    """The files of one report; `day` is the report day or, for 28-day reports, the window's end."""
    per_file = world.config.records_per_file
    if kind in _SINGLE_OBJECT:
        count = 1
        revision = world.revision if kind == "aggregate-28" else world.effective_revision(day)
    elif kind == "users":
        count, revision = _parts(len(world.listed_members(scope, day)), per_file), world.effective_revision(day)
    elif kind == "user-teams":
        count, revision = _parts(len(world.user_team_rows(scope, day)), per_file), 0
    elif kind == "repos":
        revision = world.effective_revision(day)
        count = _parts(len(world.repo_rows(scope, day, revision)), per_file)
    else:  # users-28: each day inside carries its own revision; the path records the current one
        count, revision = _parts(world.user_rows_28_count(scope, day), per_file), world.revision
    return [BlobRef(scope.kind, scope.slug, report, day, revision, part) for part in range(count)]


def _ndjson(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows).encode("utf-8")


def blob_bytes(world: World, ref: BlobRef) -> bytes | None:
    """The file behind a link, or None when the reference names nothing this world has."""
    scope = world.scope(ref.scope_kind, ref.slug)
    if scope is None:
        return None
    kind = report_kind(scope, ref.report, latest=ref.report.endswith("28-day"))
    if kind is None:
        return None
    per_file = world.config.records_per_file
    start, stop = ref.part * per_file, (ref.part + 1) * per_file
    if kind == "aggregate":
        if ref.part:
            return None
        body = world.aggregate(scope, ref.day, ref.revision)
        return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    if kind == "aggregate-28":
        if ref.part:
            return None
        body = world.aggregate_28(scope, ref.day)
        return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    body_rows: list[dict[str, Any]]
    if kind == "users":
        rows = len(world.listed_members(scope, ref.day))
        body_rows = world.user_records(scope, ref.day, ref.revision, start, stop)
    elif kind == "user-teams":
        team_rows = world.user_team_rows(scope, ref.day)
        rows, body_rows = len(team_rows), team_rows[start:stop]
    elif kind == "repos":
        repo_rows = world.repo_rows(scope, ref.day, ref.revision)
        rows, body_rows = len(repo_rows), repo_rows[start:stop]
    else:
        rows = world.user_rows_28_count(scope, ref.day)
        body_rows = world.user_rows_28(scope, ref.day, start, stop)
    if ref.part and start >= rows:
        return None  # a part number past the last file
    return _ndjson(body_rows)
