"""The repos report -> one repo_daily document per repository row.

The row schema is unconfirmed; we expect {day, organization_id|enterprise_id, repository_id, repository,
pull_requests: {...same keys as the aggregate block}} and also accept the pull-request keys at the top
level. Anything may be absent except some way to name the repository.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import DAY, ENTERPRISE_ID, ORGANIZATION_ID, REPO_DAILY, REPOSITORY, REPOSITORY_ID, Doc
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.common import add_pull_requests, base
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.values import check_day, obj, text


def shape_repo(scope: Scope, day: dt.date, record: dict[str, Any]) -> Doc:
    if type(record) is not dict:
        raise RecordError("record is not an object")
    day_text = day.isoformat()
    if record.get(DAY) is not None:  # the file is for one day; a row naming another day is wrong
        check_day(record.get(DAY), day_text)
    repository = text(record.get(REPOSITORY), REPOSITORY)
    repository_id = text(record.get(REPOSITORY_ID), REPOSITORY_ID)
    if repository is None and repository_id is None:
        raise RecordError("repository and repository_id are missing")
    doc = base(scope, day_text)
    for name, value in ((REPOSITORY, repository), (REPOSITORY_ID, repository_id)):
        if value is not None:
            doc[name] = value
    for name in (ORGANIZATION_ID, ENTERPRISE_ID):
        value = text(record.get(name), name)
        if value is not None:
            doc[name] = value
    if src.PULL_REQUESTS in record:
        add_pull_requests(doc, obj(record.get(src.PULL_REQUESTS), src.PULL_REQUESTS), src.PULL_REQUESTS)
    else:
        add_pull_requests(doc, record, "record")
    return Doc(REPO_DAILY, doc)
