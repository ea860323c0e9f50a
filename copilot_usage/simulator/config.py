"""The knobs of a simulated GitHub world (`SimConfig`), validated with messages that name the field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# GitHub's first days with report data (github-copilot-api.md §3.5).
ORG_FLOOR = dt.date(2025, 12, 12)
ENTERPRISE_FLOOR = dt.date(2025, 10, 10)
# When a day's reports appear (see ready_on). The default, today-2, follows the first documentation ("within two
# full UTC days", §3.5) and keeps the tests' dates; GitHub's late-2026 documentation (§11.5) says about 3 full UTC
# days after the day ends, one more when a weekend falls in them: report_lag_days=4, weekend_extra_days=1, the
# standalone simulator's defaults (cli.py).
REPORT_LAG_DAYS = 2
GITHUB_2026_LAG_DAYS, GITHUB_2026_WEEKEND_EXTRA_DAYS = 4, 1
# GitHub revises recent days; days within this many days of today change when `revision` is bumped.
REVISION_WINDOW_DAYS = 7
# How GitHub says "no report for this day" (github-copilot-api.md §11.2): 204 No Content (documented), 200 with
# an empty body, or 404. The simulator answers one way, chosen per world.
NO_DATA_ANSWERS = ("204", "empty", "404")


_HOST_RE = re.compile(r"^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$")


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class SimConfig:
    orgs: int = 2
    enterprises: int = 1
    users: int = 300
    teams: int = 12
    seed: int = 42
    today: dt.date = field(default_factory=_utc_today)
    days: int = 120
    records_per_file: int = 500
    link_ttl_seconds: int = 3600  # GitHub's signed links expire after about an hour (§11.1)
    revision: int = 0
    no_data_answer: str = "204"
    report_lag_days: int = REPORT_LAG_DAYS  # a day D is served from D + this many days ...
    weekend_extra_days: int = 0  # ... plus these when a Saturday or Sunday falls between D and then
    # Host (and port) download links name instead of the API's own: e.g. a name that resolves to the simulator,
    # to exercise an egress allow-list. None = the host the client addressed, path /copilot-reports/.
    download_host: str | None = None

    def __post_init__(self) -> None:
        problems = []
        limits = {
            "orgs": (1, 10_000),
            "enterprises": (0, 100),
            "users": (1, 2_000_000),
            "teams": (0, 1_000_000),
            "days": (1, 3660),
            "records_per_file": (1, 10_000_000),
            "link_ttl_seconds": (1, 7 * 86_400),
            "revision": (0, 1_000_000),
            "report_lag_days": (1, 30),
            "weekend_extra_days": (0, 7),
        }
        for name, (lo, hi) in limits.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                problems.append(f"SimConfig.{name} must be a whole number between {lo} and {hi}, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            problems.append(f"SimConfig.seed must be a whole number, got {self.seed!r}")
        if not isinstance(self.today, dt.date) or isinstance(self.today, dt.datetime):
            problems.append(f"SimConfig.today must be a datetime.date, got {self.today!r}")
        if self.no_data_answer not in NO_DATA_ANSWERS:
            problems.append(f"SimConfig.no_data_answer must be one of {', '.join(NO_DATA_ANSWERS)}, "
                            f"got {self.no_data_answer!r}")
        if self.download_host is not None and not _HOST_RE.match(str(self.download_host)):
            problems.append(f"SimConfig.download_host must be a host name with an optional port, "
                            f"got {self.download_host!r}")
        if problems:
            raise ValueError("; ".join(problems))


def ready_on(day: dt.date, lag_days: int, weekend_extra_days: int) -> dt.date:
    """The first UTC date on which `day`'s reports are served: `lag_days` later, or `weekend_extra_days` more when
    one of the processing days in between (day+1 .. day+lag_days-1) is a Saturday or Sunday. Non-decreasing in
    `day`, so the days served on a date are exactly those up to the newest one."""
    between = (day + dt.timedelta(days=n) for n in range(1, lag_days))
    extra = weekend_extra_days if any(d.weekday() >= 5 for d in between) else 0
    return day + dt.timedelta(days=lag_days + extra)


def newest_served(today: dt.date, lag_days: int, weekend_extra_days: int) -> dt.date:
    """The newest day whose reports are served on `today`."""
    day = today - dt.timedelta(days=lag_days)
    while ready_on(day, lag_days, weekend_extra_days) > today:
        day -= dt.timedelta(days=1)
    return day
