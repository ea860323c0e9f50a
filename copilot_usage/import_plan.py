"""What an import call holds, before anything is written: each file's report kind, which scope each record
belongs to, and the reasons records were set aside. Pure apart from reading the files (twice: once to learn
the entity ids, once to shape), so memory stays bounded by the largest 28-day wrapper.

GitHub's own enterprise example holds two enterprises in one file (github-copilot-api.md §11.4): records are
split by `organization_id` / `enterprise_id` into the scopes the ids are mapped to (`--scope org:NAME=ID`);
ids that map to no scope, or several ids with one unmapped scope, refuse the whole call with a message
naming them, so one entity can never overwrite another inside one scope.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copilot_usage import registry
from copilot_usage.github.records import Malformed, iter_records
from copilot_usage.model import Report, Scope, ScopeType
from copilot_usage.schema.indices import DAY, ENTERPRISE_ID, ORGANIZATION_ID
from copilot_usage.shaping.source_keys import DAY_TOTALS, REPORT_END_DAY

# The file kinds are the registry's (registry.FILE_KINDS): recognition order, GitHub's names, their reports.
KINDS = registry.KINDS
AGGREGATE_KINDS = frozenset(k.name for k in registry.FILE_KINDS if k.report is Report.AGGREGATE)
USER_KINDS = frozenset(k.name for k in registry.FILE_KINDS if k.report is Report.USERS)
TEAMS_KIND = next(k.name for k in registry.FILE_KINDS if k.report is Report.USER_TEAMS)
ID_KEY = {ScopeType.ORGANIZATION: ORGANIZATION_ID, ScopeType.ENTERPRISE: ENTERPRISE_ID}
MAX_IDS_SHOWN = 10


def infer_kind(record: dict[str, Any]) -> str:
    """Recognise a report from one of its records (registry.recognise; ValueError when no kind fits)."""
    return registry.recognise(record).name


@dataclass(frozen=True)
class Target:
    """A scope records may go to; `entity_id` is GitHub's organization or enterprise id when given."""

    scope: Scope
    entity_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> Target:
        """`org:NAME`, or `org:NAME=ID` to receive the records whose organization_id (enterprise_id) is ID."""
        head, sep, entity_id = text.partition("=")
        if sep and not entity_id.strip():
            raise ValueError(f"scope {text!r} names no id after '='")
        return cls(Scope.parse(head), entity_id.strip() or None)

    @property
    def id_key(self) -> str:
        return ID_KEY[self.scope.type]


@dataclass
class Rejections:
    """Records set aside: how many per reason, and one example of each (a place, never the record)."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    malformed: int = 0  # of the total: parts of a file that were not JSON objects at all

    def add(self, reason: str, example: str, *, malformed: bool = False) -> None:
        reason = reason[:120]
        self.counts[reason] += 1
        self.malformed += malformed
        self.examples.setdefault(reason, example)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{n} x {reason} (e.g. {self.examples[reason]})" for reason, n in self.counts.most_common()]


@dataclass(frozen=True)
class Item:
    """One record of a file with where it came from (for examples) and its report kind.

    `unit` is set for a 28-day wrapper handed to a unit of its own (feature engagement), whose day is the
    window's end day; every other record goes to its kind's report and carries its own `day`."""

    record: dict[str, Any]
    kind: str
    where: str
    unit: registry.Unit | None = None

    @property
    def day_key(self) -> str:
        return DAY if self.unit is None else REPORT_END_DAY


def file_kind(path: Path, kind: str | None) -> str | None:
    """The file's report kind: given, or inferred from its first record; None for a file without records."""
    if kind is not None:
        return kind
    with path.open("rb") as handle:
        for entry in iter_records(handle):
            if not isinstance(entry, Malformed):
                return infer_kind(entry)
    return None


def items(paths: Iterable[Path], kinds: dict[Path, str], rejections: Rejections | None) -> Iterator[Item]:
    """Every record of every file, 28-day wrappers opened into their days (ids inherited) and, without their
    days, handed to the units that store a part of them (registry.wrapper_specs); malformed parts go to
    `rejections` (when given)."""
    for path in paths:
        kind = kinds.get(path)
        if kind is None:
            continue
        readers = registry.wrapper_specs(registry.file_kind(kind).report)
        with path.open("rb") as handle:
            for entry in iter_records(handle):
                if isinstance(entry, Malformed):
                    if rejections is not None:
                        rejections.add(entry.reason, f"{path.name} line {entry.line}", malformed=True)
                    continue
                where = f"{path.name}"
                if kind in AGGREGATE_KINDS and DAY_TOTALS in entry:
                    wrapper = {k: v for k, v in entry.items() if k != DAY_TOTALS}
                    for spec in readers:
                        if spec.reads_wrapper is not None and spec.reads_wrapper(wrapper):
                            yield Item(wrapper, kind, where, spec.unit)
                    inherited = {k: entry[k] for k in (ORGANIZATION_ID, ENTERPRISE_ID) if entry.get(k) is not None}
                    totals = entry.get(DAY_TOTALS)
                    for index, day in enumerate(totals if isinstance(totals, list) else [totals]):
                        if isinstance(day, dict):
                            yield Item({**inherited, **day}, kind, f"{where} day_totals[{index}]")
                        elif rejections is not None:
                            rejections.add("day_totals[] is not an object", f"{where} day_totals[{index}]",
                                           malformed=True)
                else:
                    yield Item(entry, kind, where)


def check_routing(targets: list[Target], records: Iterable[Item]) -> None:
    """Refuse (ValueError naming the ids) when records could land in the wrong scope or overwrite another."""
    if not targets:
        raise ValueError("give at least one --scope")
    if len(targets) > 1 and any(t.entity_id is None for t in targets):
        raise ValueError("with several --scope, name each one's GitHub id: --scope enterprise:NAME=ID")
    if len({t.scope for t in targets}) != len(targets):
        raise ValueError("a scope is named twice")
    if len(targets) == 1 and targets[0].entity_id is None:
        key = targets[0].id_key
        ids = {str(value) for item in records if (value := item.record.get(key)) is not None}
        if len(ids) > 1:
            raise ValueError(
                f"the files hold {len(ids)} different {key} values ({_show(ids)}): they would overwrite each "
                f"other in one scope; name each one with --scope {targets[0].scope.type.value}:NAME=ID. "
                f"Nothing was imported.")
        return
    unmatched: dict[str, set[str]] = {}
    for item in records:
        if route(item, targets) is not None:
            continue
        for key in (ORGANIZATION_ID, ENTERPRISE_ID):  # an organization's rows carry its enterprise's id too
            value = item.record.get(key)
            if value is not None:
                unmatched.setdefault(key, set()).add(str(value))
                break
    if unmatched:
        named = "; ".join(f"{key} {_show(ids)}" for key, ids in sorted(unmatched.items()))
        raise ValueError(f"no --scope is mapped to {named}: add --scope org:NAME=ID or enterprise:NAME=ID for "
                         f"each. Nothing was imported.")


def _show(ids: set[str]) -> str:
    shown = sorted(ids, key=lambda v: (len(v), v))[:MAX_IDS_SHOWN]
    return ", ".join(shown) + (", ..." if len(ids) > MAX_IDS_SHOWN else "")


def route(item: Item, targets: list[Target]) -> Target | None:
    """The target a record goes to; None when it names no mapped id (or a different one).

    Organization targets are tried first: an organization's rows carry its enterprise's id as well."""
    if len(targets) == 1:
        target = targets[0]
        value = item.record.get(target.id_key)
        if target.entity_id is None or value is None or str(value) == target.entity_id:
            return target
        return None
    ordered = sorted(targets, key=lambda t: t.scope.type is not ScopeType.ORGANIZATION)
    for target in ordered:
        value = item.record.get(target.id_key)
        if value is not None and str(value) == target.entity_id:
            return target
    return None


def day_of(record: dict[str, Any], key: str = DAY) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(record[key])[:10])
    except (KeyError, ValueError):
        return None
