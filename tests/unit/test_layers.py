"""Import directions docs/architecture.md (section 2) promises for the settings: `model` imports nothing of the
package, and nothing `settings` imports (at start or later, inside a function) imports `settings` back, so
there is no cycle to work around with late imports. Imports only for type checking do not count."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "copilot_usage"


def _module_file(module: str) -> Path | None:
    path = PACKAGE.parent.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(a.name for a in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self.found.add(node.module)
            self.found.update(f"{node.module}.{a.name}" for a in node.names)


def imports(module: str) -> set[str]:
    """The package's modules `module` imports when run (with the packages that contain them)."""
    path = _module_file(module)
    assert path is not None, module
    visitor = _Imports()
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    out = set()
    for name in visitor.found:
        parts = name.split(".")
        if parts[0] != "copilot_usage":
            continue
        out.update(prefix for i in range(1, len(parts) + 1)
                   if _module_file(prefix := ".".join(parts[:i])) is not None)
    return out - {module, "copilot_usage"}


def reachable(module: str) -> dict[str, str]:
    """Every module `module` imports, directly or not: module -> the module that imports it."""
    seen: dict[str, str] = {}
    todo = [module]
    while todo:
        current = todo.pop()
        for found in imports(current):
            if found not in seen:
                seen[found] = current
                todo.append(found)
    return seen


def test_model_imports_nothing_of_the_package() -> None:
    assert imports("copilot_usage.model") == set()


def test_settings_imports_its_parts_and_nothing_imports_it_back() -> None:
    found = reachable("copilot_usage.settings")
    assert {"copilot_usage.model", "copilot_usage.privacy", "copilot_usage.digest.settings"} <= set(found)
    assert "copilot_usage.settings" not in found, f"cycle through {found.get('copilot_usage.settings')}"
