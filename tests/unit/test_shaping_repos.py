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
        "repo_owner_name": "octo-org", "repo_name": "api",  # derived from the older "owner/name"
        "pr_total_created": 4, "pr_total_reviewed": 6, "pr_total_merged": 3, "pr_total_created_by_copilot": 1,
        "pr_total_reviewed_by_copilot": 2, "pr_median_minutes_to_merge": 95.5,
    }


REPO_ROW = {
    "day": "2026-11-20", "organization_id": "9919", "repo_id": 123456, "repo_owner_name": "octo-org",
    "repo_name": "api", "repo_visibility": "internal", "pull_requests": ROW["pull_requests"],
    "pull_request_review_times": [{
        "authored_by": "human", "reviewed_by": "human", "total_merged": 2,
        "median_minutes_ready_to_first_review": 41.5, "p90_minutes_ready_to_first_review": 300,
        "median_minutes_first_to_final_review": 12.0, "p90_minutes_first_to_final_review": 90.0,
        "median_minutes_final_review_to_merge": 3.0, "p90_minutes_final_review_to_merge": None}],
}


def test_the_repo_naming_is_read_and_the_older_names_derived():
    doc = shape_repo(ORG, DAY, REPO_ROW)
    assert doc.source == {
        **COMMON, "repository": "octo-org/api", "repository_id": "123456", "repo_owner_name": "octo-org",
        "repo_name": "api", "repo_visibility": "internal", "organization_id": "9919",
        "pr_total_created": 4, "pr_total_reviewed": 6, "pr_total_merged": 3, "pr_total_created_by_copilot": 1,
        "pr_total_reviewed_by_copilot": 2, "pr_median_minutes_to_merge": 95.5,
        "pr_review_times_total_merged": 2,
        "pr_median_minutes_ready_to_first_review": 41.5, "pr_p90_minutes_ready_to_first_review": 300.0,
        "pr_median_minutes_first_to_final_review": 12.0, "pr_p90_minutes_first_to_final_review": 90.0,
        "pr_median_minutes_final_review_to_merge": 3.0,
    }
    # The same repository under either naming is the same document.
    assert doc.id == shape_repo(ORG, DAY, ROW).id


def test_the_older_naming_derives_owner_and_name():
    doc = shape_repo(ORG, DAY, ROW)
    assert (doc.source["repo_owner_name"], doc.source["repo_name"]) == ("octo-org", "api")
    only_id = shape_repo(ORG, DAY, {"repo_id": 7, "pull_requests": {"total_created": 1}}).source
    assert (only_id["repository_id"], "repository" in only_id) == ("7", False)


def test_flat_row_and_missing_day_are_tolerated():
    flat = {"repository": "octo-org/web", "total_merged": 2}
    assert shape_repo(ORG, DAY, flat).source == {**COMMON, "repository": "octo-org/web", "repo_owner_name": "octo-org",
                                                 "repo_name": "web", "pr_total_merged": 2}


def test_ids_differ_by_repository():
    a = shape_repo(ORG, DAY, ROW)
    b = shape_repo(ORG, DAY, {**ROW, "repository_id": 123457})
    assert a.id != b.id
    assert a.id == shape_repo(ORG, DAY, dict(ROW)).id


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"pull_requests": {"total_created": 1}}, "repo_id, repo_owner_name/repo_name and repository are all missing"),
        ({**REPO_ROW, "repository_id": 9}, "repo_id 123456 and repository_id 9 disagree"),
        ({**REPO_ROW, "pull_request_review_times": [1]}, "pull_request_review_times[] is not an object"),
        ({**REPO_ROW, "pull_request_review_times": [{"total_merged": "2"}]},
         "pull_request_review_times[].total_merged is not a number"),
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
