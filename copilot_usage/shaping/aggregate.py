"""The aggregate report (organization-1-day / enterprise-1-day, or one day_totals element of a 28-day
report) -> one usage_daily document and one usage_breakdown document per breakdown row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from copilot_usage.model import Scope
from copilot_usage.schema.indices import (
    ACCEPTANCE_RATE,
    ACTIVE_USER_COUNTS,
    AGENT_ID,
    AGENT_NAME,
    AVG_TOKENS_PER_REQUEST,
    BREAKDOWN,
    BREAKDOWN_AI_ADOPTION_PHASE,
    BREAKDOWN_CLI,
    BREAKDOWN_COPILOT_APP,
    BREAKDOWN_PR_COMMENT_TYPE,
    BREAKDOWN_THIRD_PARTY_AGENT,
    CHAT_PANEL_MODES,
    CLI_AVG_TOKENS_PER_REQUEST,
    CLI_OUTPUT_TOKENS_SUM,
    CLI_PROMPT_COUNT,
    CLI_PROMPT_TOKENS_SUM,
    CLI_REQUEST_COUNT,
    CLI_SESSION_COUNT,
    CODE_ACCEPTANCE_ACTIVITY_COUNT,
    CODE_GENERATION_ACTIVITY_COUNT,
    COMMENT_TYPE,
    COUNTERS,
    DAY,
    ENTERPRISE_ID,
    FEATURE,
    FEATURE_GROUP,
    FEATURE_GROUP_AGENT,
    FEATURE_GROUP_APP,
    FEATURE_GROUP_CLI,
    ORGANIZATION_ID,
    OUTPUT_TOKENS_SUM,
    PHASE,
    PHASE_AVERAGES,
    PHASE_COUNTS,
    PHASE_NUMBER,
    PROMPT_COUNT,
    PROMPT_TOKENS_SUM,
    REQUEST_COUNT,
    SESSION_COUNT,
    TOTAL_COPILOT_APPLIED_SUGGESTIONS,
    TOTAL_COPILOT_SUGGESTIONS,
    USAGE_BREAKDOWN,
    USAGE_DAILY,
    USER_INITIATED_INTERACTION_COUNT,
    VSCODE_AGENT_SESSION_COUNT,
    VSCODE_AGENT_TOTAL_USER_MESSAGES,
    Doc,
)
from copilot_usage.shaping import source_keys as src
from copilot_usage.shaping.breakdowns import KEY_DIMENSIONS, Counters, RowKey, read_rows
from copilot_usage.shaping.common import add_pull_requests, base, put_counts
from copilot_usage.shaping.errors import RecordError
from copilot_usage.shaping.features import feature_group
from copilot_usage.shaping.lines import line_fields
from copilot_usage.shaping.values import array, check_day, count, fraction, number, obj, text

# usage_daily's cli_* fields <- totals_by_cli keys (token sums live in its token_usage object).
_CLI_DIRECT = ((SESSION_COUNT, CLI_SESSION_COUNT), (REQUEST_COUNT, CLI_REQUEST_COUNT), (PROMPT_COUNT, CLI_PROMPT_COUNT))
_CLI_TOKENS = ((OUTPUT_TOKENS_SUM, CLI_OUTPUT_TOKENS_SUM), (PROMPT_TOKENS_SUM, CLI_PROMPT_TOKENS_SUM))
_SESSION_COUNTS = (SESSION_COUNT, REQUEST_COUNT, PROMPT_COUNT)
_TOKEN_COUNTS = (OUTPUT_TOKENS_SUM, PROMPT_TOKENS_SUM)
# usage_daily / user_daily vscode_agent_* fields <- totals_by_vscode_agent keys.
VSCODE_AGENT_KEYS = ((SESSION_COUNT, VSCODE_AGENT_SESSION_COUNT),
                     (src.TOTAL_USER_MESSAGES, VSCODE_AGENT_TOTAL_USER_MESSAGES))


def put_vscode_agent(doc: dict[str, Any], record: dict[str, Any]) -> bool:
    """The VS Code Agents window counters of a record; True when the record has that block."""
    block = obj(record.get(src.TOTALS_BY_VSCODE_AGENT), src.TOTALS_BY_VSCODE_AGENT)
    for key, field in VSCODE_AGENT_KEYS:
        _put(doc, field, count(block.get(key), f"{src.TOTALS_BY_VSCODE_AGENT}.{key}"))
    return bool(block)


def shape_aggregate(scope: Scope, day: dt.date, record: dict[str, Any]) -> list[Doc]:
    """usage_daily first, then usage_breakdown rows in a fixed order (ide ... pr_comment_type)."""
    if type(record) is not dict:
        raise RecordError("record is not an object")
    day_text = day.isoformat()
    check_day(record.get(DAY), day_text)
    daily = base(scope, day_text)
    for name in (ORGANIZATION_ID, ENTERPRISE_ID):
        value = text(record.get(name), name)
        if value is not None:
            daily[name] = value
    put_counts(daily, record, ACTIVE_USER_COUNTS)
    put_counts(daily, record, COUNTERS)
    put_counts(daily, record, CHAT_PANEL_MODES)
    pull_requests = obj(record.get(src.PULL_REQUESTS), src.PULL_REQUESTS)
    add_pull_requests(daily, pull_requests, src.PULL_REQUESTS)
    cli = obj(record.get(src.TOTALS_BY_CLI), src.TOTALS_BY_CLI)
    cli_tokens = obj(cli.get(src.TOKEN_USAGE), f"{src.TOTALS_BY_CLI}.{src.TOKEN_USAGE}")
    for key, field in _CLI_DIRECT:
        _put(daily, field, count(cli.get(key), f"{src.TOTALS_BY_CLI}.{key}"))
    for key, field in _CLI_TOKENS:
        _put(daily, field, count(cli_tokens.get(key), f"{src.TOTALS_BY_CLI}.{src.TOKEN_USAGE}.{key}"))
    _put(daily, CLI_AVG_TOKENS_PER_REQUEST,
         number(cli_tokens.get(AVG_TOKENS_PER_REQUEST), f"{src.TOTALS_BY_CLI}.{src.TOKEN_USAGE}.avg"))
    put_vscode_agent(daily, record)
    daily[ACCEPTANCE_RATE] = fraction(daily.get(CODE_ACCEPTANCE_ACTIVITY_COUNT),
                                      daily.get(CODE_GENERATION_ACTIVITY_COUNT))
    rows = read_rows(record)
    daily.update(line_fields(rows, [daily.get(name) for name in COUNTERS]))

    docs = [Doc(USAGE_DAILY, daily)]
    common = base(scope, day_text)
    docs.extend(Doc(USAGE_BREAKDOWN, row) for row in _dimension_rows(common, rows))
    for breakdown, key, group in (
        (BREAKDOWN_CLI, src.TOTALS_BY_CLI, FEATURE_GROUP_CLI),
        (BREAKDOWN_COPILOT_APP, src.TOTALS_BY_COPILOT_APP, FEATURE_GROUP_APP),
    ):
        row = _session_row(common, breakdown, group, record.get(key), key)
        if row is not None:
            docs.append(Doc(USAGE_BREAKDOWN, row))
    docs.extend(Doc(USAGE_BREAKDOWN, row) for row in _agent_rows(common, record))
    docs.extend(Doc(USAGE_BREAKDOWN, row) for row in _phase_rows(common, record))
    docs.extend(Doc(USAGE_BREAKDOWN, row) for row in _comment_type_rows(common, pull_requests))
    return docs


def _put(doc: dict[str, Any], field: str, value: Any) -> None:
    if value is not None:
        doc[field] = value


def _dimension_rows(common: dict[str, Any], breakdown_rows: dict[RowKey, Counters]) -> list[dict[str, Any]]:
    rows = []
    for key, values in breakdown_rows.items():
        row = {**common, BREAKDOWN: key[0]}
        for name, value in zip(KEY_DIMENSIONS, key[1:], strict=True):
            if value is not None:
                row[name] = value
        if FEATURE in row:
            row[FEATURE_GROUP] = feature_group(row[FEATURE])
        for name, counter in zip(COUNTERS, values, strict=True):
            if counter is not None:
                row[name] = counter
        if CODE_GENERATION_ACTIVITY_COUNT in row:
            row[ACCEPTANCE_RATE] = fraction(row.get(CODE_ACCEPTANCE_ACTIVITY_COUNT),
                                            row[CODE_GENERATION_ACTIVITY_COUNT])
        rows.append(row)
    return rows


def _session_row(
    common: dict[str, Any], breakdown: str, group: str, value: Any, where: str
) -> dict[str, Any] | None:
    """The CLI or Copilot app object as one row (None when GitHub sent nothing for it)."""
    block = obj(value, where)
    if not block:
        return None
    tokens = obj(block.get(src.TOKEN_USAGE), f"{where}.{src.TOKEN_USAGE}")
    row = {**common, BREAKDOWN: breakdown, FEATURE_GROUP: group}
    put_counts(row, block, _SESSION_COUNTS, where + ".")
    put_counts(row, tokens, _TOKEN_COUNTS, f"{where}.{src.TOKEN_USAGE}.")
    _put(row, AVG_TOKENS_PER_REQUEST, number(tokens.get(AVG_TOKENS_PER_REQUEST), f"{where}.{src.TOKEN_USAGE}.avg"))
    return row


def _keyed_rows(
    common: dict[str, Any],
    items: list[Any],
    where: str,
    breakdown: str,
    keys: tuple[str, ...],
    labels: tuple[str, ...],
    sums: tuple[str, ...],
    doubles: tuple[str, ...],
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows keyed by `keys`; duplicates are merged (sums added, labels and averages from the first row)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in items:
        if type(item) is not dict:
            raise RecordError(f"{where}[] is not an object")
        row = {**common, BREAKDOWN: breakdown, **(extra or {})}
        for name in (*keys, *labels):
            if name == PHASE_NUMBER:
                _put(row, name, count(item.get(name), f"{where}[].{name}"))
            else:
                _put(row, name, text(item.get(name), f"{where}[].{name}"))
        put_counts(row, item, sums, f"{where}[].")
        for name in doubles:
            _put(row, name, number(item.get(name), f"{where}[].{name}"))
        key = tuple(row.get(name) for name in keys)
        first = merged.get(key)
        if first is None:
            merged[key] = row
            continue
        for name in sums:
            if name in row:
                first[name] = first.get(name, 0) + row[name]
        for name in (*labels, *doubles):
            if name not in first and name in row:
                first[name] = row[name]
    return list(merged.values())


def _agent_rows(common: dict[str, Any], record: dict[str, Any]) -> list[dict[str, Any]]:
    where = src.TOTALS_BY_3RD_PARTY_AGENT
    return _keyed_rows(
        common, array(record.get(where), where), where, BREAKDOWN_THIRD_PARTY_AGENT,
        keys=(AGENT_ID,), labels=(AGENT_NAME,), sums=(USER_INITIATED_INTERACTION_COUNT, SESSION_COUNT), doubles=(),
        extra={FEATURE_GROUP: FEATURE_GROUP_AGENT},
    )


def _phase_rows(common: dict[str, Any], record: dict[str, Any]) -> list[dict[str, Any]]:
    where = src.TOTALS_BY_AI_ADOPTION_PHASE
    return _keyed_rows(
        common, array(record.get(where), where), where, BREAKDOWN_AI_ADOPTION_PHASE,
        keys=(PHASE_NUMBER, PHASE), labels=(), sums=PHASE_COUNTS, doubles=PHASE_AVERAGES,
    )


def _comment_type_rows(common: dict[str, Any], pull_requests: dict[str, Any]) -> list[dict[str, Any]]:
    where = f"{src.PULL_REQUESTS}.{src.COPILOT_SUGGESTIONS_BY_COMMENT_TYPE}"
    return _keyed_rows(
        common, array(pull_requests.get(src.COPILOT_SUGGESTIONS_BY_COMMENT_TYPE), where), where,
        BREAKDOWN_PR_COMMENT_TYPE, keys=(COMMENT_TYPE,), labels=(),
        sums=(TOTAL_COPILOT_SUGGESTIONS, TOTAL_COPILOT_APPLIED_SUGGESTIONS), doubles=(),
    )
