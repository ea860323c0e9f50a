"""A small read-only model of the Bicep files in infra/, built on pycep-parser's JSON.

pycep writes identifiers and string literals alike as plain strings, and booleans as Python booleans.
The helpers here only rely on what that representation keeps: resource types, literal booleans, keys,
which symbols an expression refers to.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.infra.tools import REPO, require_module

INFRA = REPO / "infra"
MAIN = INFRA / "main.bicep"


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@functools.cache
def parse(path: Path) -> dict[str, Any]:
    pycep = require_module("pycep", "pycep-parser")
    return pycep.BicepParser().parse(file_path=path)


@dataclass(frozen=True)
class Resource:
    file: Path
    symbol: str
    type: str
    existing: bool
    condition: Any  # None when unconditional
    config: dict[str, Any]

    def get(self, *keys: str) -> Any:
        node: Any = self.config
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def where(self) -> str:
        return f"{self.file.relative_to(REPO)}:{self.symbol}"


def _unwrap(config: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """pycep nests a conditional declaration's body under config.config, next to config.condition."""
    if "condition" in config and isinstance(config.get("config"), dict):
        return config["condition"], config["config"]
    return None, config


def resources(path: Path | None = None) -> Iterator[Resource]:
    for file in [path] if path else bicep_files():
        for symbol, decl in parse(file).get("resources", {}).items():
            condition, config = _unwrap(decl["config"])
            yield Resource(file, symbol, decl["type"], bool(decl["existing"]), condition, config)


def deployed(resource_type: str) -> list[Resource]:
    """Resources of a type this deployment creates (not `existing` references)."""
    return [r for r in resources() if r.type == resource_type and not r.existing]


@dataclass(frozen=True)
class Module:
    symbol: str
    path: str
    condition: Any
    params: dict[str, Any]


def modules(path: Path = MAIN) -> dict[str, Module]:
    out = {}
    for symbol, decl in parse(path).get("modules", {}).items():
        condition, config = _unwrap(decl["config"])
        out[symbol] = Module(symbol, decl["detail"]["path"], condition, config.get("params", {}))
    return out


def references(expr: Any) -> set[str]:
    """Symbols an expression reads. Member names (the right side of `a.b`) are not symbols, and the
    argument of empty() is not read for its value, only tested, so neither counts."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            # Interpolated strings keep their ${...} parts as text.
            if "${" in node:
                for part in node.split("${")[1:]:
                    inner = part.split("}", 1)[0]
                    found.add(inner.split(".", 1)[0].split("[", 1)[0].strip())
            else:
                found.add(node)
        elif isinstance(node, dict):
            operator = node.get("operator")
            function = node.get("function")
            if isinstance(operator, dict):
                operands = operator.get("operands", {})
                # Only the root of `a.b.c` is a symbol; `b` and `c` are member names.
                walk(operands.get("operand_1") if operator.get("type") == "property_accessor" else operands)
            elif isinstance(function, dict):
                if function.get("type") != "empty":
                    walk(function.get("parameters"))
            else:
                for value in node.values():
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(expr)
    return found


def text(expr: Any) -> str:
    """Flat text of an expression, for 'does this mention X' checks."""
    return json.dumps(expr, default=str)


def secure_params(path: Path) -> set[str]:
    params = parse(path).get("parameters", {})
    return {
        name for name, decl in params.items()
        if any(d.get("type") == "secure" for d in decl.get("decorators", []))
    }
