"""Repos report -> repo_daily. The row schema is unconfirmed (see github-copilot-api.md §3.6): the shaper
expects a pull_requests block like the aggregate's, accepts the keys at the top level, and tolerates gaps."""

import datetime as dt

import pytest

from copilot_usage.model import Scope, ScopeType
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.repos import shape_repo

ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
DAY = dt.date(2026, 11, 20)
COMMON = {"day": "2026-11-20", "scope_type": "organization", "scope": "octo-org"}
ROW = {
    "day": "2026-11-20", "organization_id": "9919", "repository_id": 123456, "repository": "octo-org/api",
    "pull_requests": {"total_created": 4, "total_reviewed": 6, "total_merged": 3, "median_minutes_to_merge": 95.5,
                      "total_created_by_copilot": 1, "total_reviewed_by_copilot": 2,
                      "copilot_suggestions_by_comment_type": [{"comment_type": "security"}]},
}


def test_repo_golden():
    doc = shape_repo(ORG, DAY, ROW)
    assert doc.index is ix.REPO_DAILY
    assert doc.source == {
        **COMMON, "repository": "octo-org/api", "repository_id": "123456", "organization_id": "9919",
        "pr_total_created": 4, "pr_total_reviewed": 6, "pr_total_merged": 3, "pr_total_created_by_copilot": 1,
        "pr_total_reviewed_by_copilot": 2, "pr_median_minutes_to_merge": 95.5,
    }


def test_flat_row_and_missing_day_are_tolerated():
    flat = {"repository": "octo-org/web", "total_merged": 2}
    assert shape_repo(ORG, DAY, flat).source == {**COMMON, "repository": "octo-org/web", "pr_total_merged": 2}


def test_ids_differ_by_repository():
    a = shape_repo(ORG, DAY, ROW)
    b = shape_repo(ORG, DAY, {**ROW, "repository_id": 123457})
    assert a.id != b.id
    assert a.id == shape_repo(ORG, DAY, dict(ROW)).id


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"pull_requests": {"total_created": 1}}, "repository and repository_id are missing"),
        ({**ROW, "day": "2026-11-21"}, "day 2026-11-21 is not the expected day 2026-11-20"),
        ({**ROW, "pull_requests": {"total_created": "4"}}, "pull_requests.total_created is not a number"),
        ({**ROW, "pull_requests": 4}, "pull_requests is not an object"),
        ({**ROW, "repository": ["octo-org/api"]}, "repository is not a string"),
    ],
)
def test_bad_rows_raise_record_error(row, reason):
    with pytest.raises(RecordError) as caught:
        shape_repo(ORG, DAY, row)
    assert caught.value.reason == reason
