"""Every field any shaper emits is mapped in its index, with a value of the mapped type.

An unmapped field would be silently unsearchable (mappings are `dynamic: false`), and a value of the
wrong type would be rejected by the store: both are caught here, for every shaper and document type.
"""

import datetime as dt
import json
from pathlib import Path

from copilot_usage.derived import period_doc, team_doc
from copilot_usage.model import Scope, ScopeType
from copilot_usage.periods import Target, compare, window
from copilot_usage.privacy import PrivacySettings, protect
from copilot_usage.schema import indices as ix
from copilot_usage.shaping.adoption import score_window
from copilot_usage.shaping.aggregate import shape_aggregate
from copilot_usage.shaping.billing import BillingUsageShaper
from copilot_usage.shaping.engagement import shape_feature_engagement
from copilot_usage.shaping.repos import shape_repo
from copilot_usage.shaping.seats import SeatsShaper
from copilot_usage.shaping.teams import shape_team
from copilot_usage.shaping.users import UsersShaper, membership_from_user_teams
from copilot_usage.spend import SeatCounts, SeatPrices, spend

DATA = Path(__file__).parent / "data"
ORG = Scope(ScopeType.ORGANIZATION, "octo-org")
ENT = Scope(ScopeType.ENTERPRISE, "octo-ent")
DAY = dt.date(2026, 11, 20)


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def every_doc() -> list[ix.Doc]:
    docs: list[ix.Doc] = []
    aggregate = json.loads((DATA / "organization_1_day.json").read_text())
    aggregate["totals_by_copilot_app"] = {"session_count": 1, "token_usage": {"avg_tokens_per_request": 10.5}}
    for key in ix.CHAT_PANEL_MODES:
        aggregate[key] = 1
    aggregate["daily_active_copilot_app_users"] = 2
    for name in ix.ACTIVE_USER_COUNTS:  # the 2026 weekly/monthly CLI, app and VS Code Agents window counts
        aggregate.setdefault(name, 3)
    aggregate["totals_by_vscode_agent"] = {"session_count": 4, "total_user_messages": 17}
    for phase in aggregate["totals_by_ai_adoption_phase"]:
        phase.update({"users_in_phase_28d": 40, "total_pull_requests_merged": 6,
                      "avg_pull_requests_minutes_to_review": 55.5, "avg_pull_requests_review_cycles": 1.4})
    docs += shape_aggregate(ORG, DAY, aggregate)
    docs += shape_aggregate(ENT, DAY, aggregate)

    teams = [{**row, "day": "2026-11-20"} for row in _lines("user_teams_1_day.ndjson")]
    membership, _ = membership_from_user_teams(teams, ORG, DAY)
    shaper = UsersShaper(ORG, DAY, membership)
    user_docs = [shaper.user(record) for record in _lines("users_1_day.ndjson")]
    app_user = {**_lines("users_1_day.ndjson")[0], "user_id": 1003, "user_login": "carol", "used_copilot_app": True,
                "used_vscode_agent": True, "totals_by_vscode_agent": {"session_count": 1, "total_user_messages": 3}}
    for kind, distinct in zip(ix.CUSTOMIZATION_KINDS, ix.DISTINCT_USE_COUNTS, strict=True):
        app_user[distinct] = 2
        app_user[f"totals_by_{kind}"] = [{kind: "other", "interaction_count": 4}]
    user_docs.append(shaper.user(app_user))
    docs += user_docs + shaper.finish()

    review = {"authored_by": "human", "reviewed_by": "human", "total_merged": 1,
              **{name: 10.5 for name in ix.REVIEW_TIME_MINUTES}}
    docs.append(shape_repo(ORG, DAY, {"repo_owner_name": "octo-org", "repo_name": "api", "repo_id": 5,
                                      "repo_visibility": "private", "enterprise_id": "1", "organization_id": "2",
                                      "pull_requests": aggregate["pull_requests"],
                                      "pull_request_review_times": [review]}))
    seats = json.loads((DATA / "seats_page.json").read_text())["seats"]
    org_seats = SeatsShaper(ORG, DAY)
    docs += [org_seats.seat(seat) for seat in seats]
    docs.append(org_seats.summary(json.loads((DATA / "billing.json").read_text())))
    ent_seats = SeatsShaper(ENT, DAY)
    docs += [ent_seats.seat({**seat, "organization": {"login": "octo-org"}}) for seat in seats]
    docs.append(ent_seats.seat({**seats[0], "assignee": None}))
    docs.append(ent_seats.summary(None))
    docs += [shape_team(ORG, DAY, team) for team in json.loads((DATA / "teams.json").read_text())]
    docs.append(score_window(ORG, 1001, "alice", DAY, [d.source for d in user_docs[:1]]))
    billing = BillingUsageShaper(ORG, DAY)
    billing.add({"date": "2026-11-20", "product": "Actions", "sku": "Actions Linux", "quantity": 12,
                 "unitType": "Minutes", "pricePerUnit": 0.008, "grossAmount": 0.096, "discountAmount": 0,
                 "netAmount": 0.096, "organizationName": "octo-org", "repositoryName": "octo-org/api"})
    docs += billing.finish()
    docs += shape_feature_engagement(ORG, DAY, {
        "report_start_day": "2026-10-24", "report_end_day": "2026-11-20", "organization_id": "2",
        "enterprise_id": "1", "copilot_feature_engagement": {"active_user_count": 10, "totals_by_feature": [
            {"feature": "code_completion", "active_user_count": 7},
            {"feature": "copilot_cli", "active_user_count": 3}]},
    })
    docs += derived_docs()
    # As the store receives them: through the privacy step, which flags small teams (identified mode here).
    return list(protect(docs, PrivacySettings()))


def derived_docs() -> list[ix.Doc]:
    """period_summary and team_seat_spend as the collector derives them, every metric and target set."""
    win = window("week", DAY)
    current = {name: 0.5 if name in ix.PERIOD_RATE_METRICS else 40 for name in ix.PERIOD_METRICS}
    previous = {name: 0.4 if name in ix.PERIOD_RATE_METRICS else 30 for name in ix.PERIOD_METRICS}
    targets = {name: Target(name, ">=", 0.7 if name in ix.PERIOD_RATE_METRICS else 50) for name in ix.PERIOD_METRICS}
    counts = SeatCounts(seats={"business": 8, "enterprise": 2}, idle={"business": 1}, never_used={"enterprise": 1})
    costs = spend(counts, SeatPrices())
    return [period_doc(ORG, compare(win, current, previous, targets), costs, targets),
            team_doc(ORG, DAY.isoformat(), {ix.ASSIGNING_TEAM: "platform", **costs})]


def _fits(kind: str, value: object) -> bool:
    if value is None:
        return True
    if kind == "keyword":
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    if kind == "long":
        return type(value) is int and -(2**63) <= value < 2**63
    if kind == "double":
        return type(value) in (int, float)
    if kind == "boolean":
        return type(value) is bool
    if kind == "date":
        if not isinstance(value, str):
            return False
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    return False


def test_every_emitted_field_is_mapped_with_its_type():
    docs = every_doc()
    problems = []
    for doc in docs:
        properties = doc.index.mappings()["properties"]
        fields = doc.index.fields()
        for name, value in doc.source.items():
            if name not in fields:
                problems.append(f"{doc.index.key}.{name} is not mapped")
            elif not _fits(properties[name]["type"], value):
                problems.append(f"{doc.index.key}.{name}={value!r} is not a {properties[name]['type']}")
    assert problems == []


def test_every_index_is_produced_and_ids_are_unique():
    docs = every_doc()
    produced = {doc.index.key for doc in docs}
    assert produced == {i.key for i in ix.all_indices()} - {ix.INGESTION_LOG.key}
    assert len({(doc.index.key, doc.id) for doc in docs}) == len(docs)


def test_every_document_carries_day_and_scope():
    for doc in every_doc():
        assert dt.date.fromisoformat(doc.source[ix.DAY]) == DAY
        assert doc.source[ix.SCOPE_TYPE] in ("organization", "enterprise")
        assert doc.source[ix.SCOPE] in ("octo-org", "octo-ent")


def test_most_mapped_fields_are_exercised():
    """Guards against mapping fields no shaper writes (dead columns in the dashboards)."""
    emitted: dict[str, set[str]] = {}
    for doc in every_doc():
        emitted.setdefault(doc.index.key, set()).update(doc.source)
    never = {key: sorted(ix.index_by_key(key).fields() - names) for key, names in emitted.items()}
    assert {key: names for key, names in never.items() if names} == {}
