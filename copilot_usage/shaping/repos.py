"""The repos report -> one repo_daily document per repository row.

GitHub's example of a repos-1-day row is not public (github-copilot-api.md §11.3). Two independent consumers
read `repo_id`, `repo_owner_name`, `repo_name` and `repo_visibility`; an older guess was `repository_id` and
`repository` ("owner/name"). Every spelling is accepted and the missing ones are derived from the others, so
`repository` and `repository_id` (the document id) are the same whichever naming a file used. The
pull-request counters come from the row's `pull_requests` block (or the same keys at the top level), and
`pull_request_review_times[]` (2026-09-25) is checked entry by entry and its human/human entry flattened
into `pr_<GitHub key>` fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    AUTHORED_BY,
    DAY,
    ENTERPRISE_ID,
    HUMAN,
    ORGANIZATION_ID,
    PR_PREFIX,
    PR_REVIEW_TIMES_TOTAL_MERGED,
    PULL_REQUEST_REVIEW_TIMES,
    REPO_DAILY,
    REPO_NAME,
    REPO_OWNER_NAME,
    REPO_VISIBILITY,
    REPOSITORY,
    REPOSITORY_ID,
    REVIEW_TIME_MINUTES,
    REVIEWED_BY,
    TOTAL_MERGED,
    Doc,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.common import add_pull_requests, base
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import array, check_day, count, number, obj, text


def repo_names(record: dict[str, Any]) -> dict[str, str]:
    """repository, repository_id, repo_owner_name, repo_name and repo_visibility, each derived when missing."""
    repository = text(record.get(REPOSITORY), REPOSITORY)
    repository_id = text(record.get(REPOSITORY_ID), REPOSITORY_ID)
    repo_id = text(record.get(src.REPO_ID), src.REPO_ID)
    owner = text(record.get(REPO_OWNER_NAME), REPO_OWNER_NAME)
    name = text(record.get(REPO_NAME), REPO_NAME)
    visibility = text(record.get(REPO_VISIBILITY), REPO_VISIBILITY)
    if repository_id is not None and repo_id is not None and repository_id != repo_id:
        raise RecordError(f"{src.REPO_ID} {repo_id} and {REPOSITORY_ID} {repository_id} disagree")
    if repository is None and owner is not None and name is not None:
        repository = f"{owner}/{name}"
    if repository is not None and (owner is None or name is None):
        head, sep, tail = repository.partition("/")
        if sep and head and tail:
            owner = owner or head
            name = name or tail
    if repository is None and repository_id is None and repo_id is None:
        raise RecordError("repo_id, repo_owner_name/repo_name and repository are all missing")
    names = {REPOSITORY: repository, REPOSITORY_ID: repository_id or repo_id, REPO_OWNER_NAME: owner,
             REPO_NAME: name, REPO_VISIBILITY: visibility}
    return {key: value for key, value in names.items() if value is not None}


def review_times(value: Any) -> list[dict[str, Any]]:
    """pull_request_review_times[] with each entry's values checked (absent values stay absent)."""
    entries = []
    for item in array(value, PULL_REQUEST_REVIEW_TIMES):
        if type(item) is not dict:
            raise RecordError(f"{PULL_REQUEST_REVIEW_TIMES}[] is not an object")
        entry: dict[str, Any] = {}
        for name in (AUTHORED_BY, REVIEWED_BY):
            label = text(item.get(name), f"{PULL_REQUEST_REVIEW_TIMES}[].{name}")
            if label is not None:
                entry[name] = label
        merged = count(item.get(TOTAL_MERGED), f"{PULL_REQUEST_REVIEW_TIMES}[].{TOTAL_MERGED}")
        if merged is not None:
            entry[TOTAL_MERGED] = merged
        for name in REVIEW_TIME_MINUTES:
            minutes = number(item.get(name), f"{PULL_REQUEST_REVIEW_TIMES}[].{name}")
            if minutes is not None:
                entry[name] = minutes
        entries.append(entry)
    return entries


def shape_repo(scope: Scope, day: dt.date, record: dict[str, Any]) -> Doc:
    if type(record) is not dict:
        raise RecordError("record is not an object")
    day_text = day.isoformat()
    if record.get(DAY) is not None:  # the file is for one day; a row naming another day is wrong
        check_day(record.get(DAY), day_text)
    doc = base(scope, day_text)
    doc.update(repo_names(record))
    for name in (ORGANIZATION_ID, ENTERPRISE_ID):
        value = text(record.get(name), name)
        if value is not None:
            doc[name] = value
    if src.PULL_REQUESTS in record:
        add_pull_requests(doc, obj(record.get(src.PULL_REQUESTS), src.PULL_REQUESTS), src.PULL_REQUESTS)
    else:
        add_pull_requests(doc, record, "record")
    times = review_times(record.get(PULL_REQUEST_REVIEW_TIMES))
    if times:
        human = next((t for t in times if t.get(AUTHORED_BY) == HUMAN and t.get(REVIEWED_BY) == HUMAN), None)
        if human is not None:
            if TOTAL_MERGED in human:
                doc[PR_REVIEW_TIMES_TOTAL_MERGED] = human[TOTAL_MERGED]
            for name in REVIEW_TIME_MINUTES:
                if name in human:
                    doc[PR_PREFIX + name] = human[name]
    return Doc(REPO_DAILY, doc)
