"""Compare an index's live mapping with its definition (pure).

Only two kinds of change are applied in place: a field (or object sub-field, or multi-field) the index
lacks. Everything else a definition can change (a field's type, its format, ...) cannot be altered on an
existing index; it is reported so that an operator reindexes, and never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Keys that describe structure rather than parameters of the field itself.
_STRUCTURE = ("type", "properties", "fields")


@dataclass(frozen=True)
class MappingDiff:
    additions: dict[str, Any] = field(default_factory=dict)  # properties to put_mapping
    added: tuple[str, ...] = ()  # dotted paths of the fields the additions create
    conflicts: tuple[str, ...] = ()  # a field whose type differs: needs a reindex
    drift: tuple[str, ...] = ()  # a parameter that differs (format, ignore_above, ...)

    @property
    def problems(self) -> tuple[str, ...]:
        return self.conflicts + self.drift


def diff_mappings(wanted: Mapping[str, Any], actual: Mapping[str, Any]) -> MappingDiff:
    """What `actual` (an index's mapping) lacks or contradicts compared with `wanted` (the definition)."""
    additions, added, conflicts, drift = _diff(wanted.get("properties", {}), actual.get("properties", {}), "")
    return MappingDiff(additions, tuple(added), tuple(conflicts), tuple(drift))


def leaf_paths(properties: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every field in `properties`, multi-fields included."""
    out: list[str] = []
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out.extend(leaf_paths(spec["properties"], path + "."))
        else:
            out.append(path)
        if "fields" in spec:
            out.extend(leaf_paths(spec["fields"], path + "."))
    return out


def _type(spec: Mapping[str, Any]) -> str | None:
    return spec.get("type") or ("object" if "properties" in spec else None)


def _same(a: Any, b: Any) -> bool:
    # Engines echo some parameters back as strings ("false", "1024"); compare scalars by their text.
    if isinstance(a, bool | int | float | str) and isinstance(b, bool | int | float | str):
        return str(a).lower() == str(b).lower()
    return bool(a == b)


def _diff(
    wanted: Mapping[str, Any], actual: Mapping[str, Any], prefix: str
) -> tuple[dict[str, Any], list[str], list[str], list[str]]:
    additions: dict[str, Any] = {}
    added: list[str] = []
    conflicts: list[str] = []
    drift: list[str] = []
    for name, spec in wanted.items():
        path = f"{prefix}{name}"
        have = actual.get(name)
        if have is None:
            additions[name] = dict(spec)
            added.extend(leaf_paths({name: spec}, prefix))
            continue
        want_type, have_type = _type(spec), _type(have)
        if want_type != have_type:
            conflicts.append(f"field {path!r} is {have_type} in the index but {want_type} in the definition")
            continue
        for key, value in spec.items():
            # A parameter the engine does not echo is usually its default; only contradictions count.
            if key not in _STRUCTURE and key in have and not _same(value, have[key]):
                drift.append(f"field {path!r} has {key}={have[key]!r} in the index but {value!r} in the definition")
        if "properties" in spec:
            sub, sub_added, sub_conflicts, sub_drift = _diff(spec["properties"], have.get("properties", {}), path + ".")
            if sub:
                additions[name] = {"properties": sub, **({"type": spec["type"]} if "type" in spec else {})}
            added += sub_added
            conflicts += sub_conflicts
            drift += sub_drift
        if "fields" in spec:
            sub, sub_added, sub_conflicts, sub_drift = _diff(spec["fields"], have.get("fields", {}), path + ".")
            if sub:
                # A multi-field is added by restating its parent field; existing multi-fields are kept.
                additions[name] = {**{k: v for k, v in spec.items() if k != "fields"}, "fields": sub}
            added += sub_added
            conflicts += sub_conflicts
            drift += sub_drift
    return additions, added, conflicts, drift
