"""Every Bicep file parses with both offline parsers (there is no Bicep compiler offline).

tree-sitter-bicep 1.1.0 and pycep-parser 0.7.1 each miss some syntax (platform notes B3/A6); our files
are written in the subset both accept. One exemption: modules/entra-app.bicep needs the `extension`
keyword for the Microsoft Graph resources, which tree-sitter-bicep's grammar (Dec 2024) does not know.
For that file the test checks that the `extension` line is the ONLY thing tree-sitter rejects, and
pycep-parser still parses the whole file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.bicep import INFRA, bicep_files, parse
from tests.infra.tools import REPO, require_module

# file (relative to infra/) -> the statement tree-sitter may not understand, and why.
TREE_SITTER_EXEMPT = {
    "modules/entra-app.bicep": (
        "extension microsoftGraphV1",
        "the Microsoft Graph extension needs `extension`, unknown to tree-sitter-bicep 1.1.0",
    ),
}


def tree_sitter_errors(source: bytes) -> list[tuple[int, str]]:
    """(line, text) of every ERROR or MISSING node."""
    ts = require_module("tree_sitter", "tree-sitter")
    tsb = require_module("tree_sitter_bicep", "tree-sitter-bicep")
    parser = ts.Parser(ts.Language(tsb.language()))
    tree = parser.parse(source)
    errors: list[tuple[int, str]] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        if node.type == "ERROR" or node.is_missing:
            errors.append((node.start_point[0] + 1, node.text.decode(errors="replace")[:80]))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return errors


def test_infra_has_the_expected_bicep_files() -> None:
    names = {str(p.relative_to(INFRA)) for p in bicep_files()}
    assert "main.bicep" in names
    assert {"modules/elasticsearch.bicep", "modules/grafana.bicep", "modules/function.bicep",
            "modules/keyvault.bicep", "modules/role-assignments.bicep", "modules/entra-app.bicep"} <= names


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_tree_sitter_parses(path: Path) -> None:
    errors = tree_sitter_errors(path.read_bytes())
    exempt = TREE_SITTER_EXEMPT.get(str(path.relative_to(INFRA)))
    if exempt is None:
        assert errors == [], f"{path.relative_to(REPO)}: tree-sitter-bicep syntax errors {errors}"
    else:
        statement, _reason = exempt
        lines = path.read_text().splitlines()
        assert errors, "exemption no longer needed: remove it from TREE_SITTER_EXEMPT"
        for line, _text in errors:
            assert lines[line - 1].strip() == statement, (
                f"{path.relative_to(REPO)}:{line}: tree-sitter error outside the exempt statement"
            )


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_pycep_parses(path: Path) -> None:
    doc = parse(path)
    assert doc.get("resources") or doc.get("modules"), f"{path.name}: parsed but declares nothing"


def test_tree_sitter_reports_a_real_syntax_error() -> None:
    # The syntax test is only worth something if a broken file fails it.
    broken = b"resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv'\n  properties: {\n}\n"
    assert tree_sitter_errors(broken)


def test_pycep_rejects_syntax_outside_the_subset(tmp_path: Path) -> None:
    # A multi-line ternary starting a line with `?` is valid Bicep that pycep-parser cannot read:
    # exactly the kind of line the subset rule keeps out of infra/.
    lark = require_module("lark", "lark")
    path = tmp_path / "ternary.bicep"
    path.write_text("param a string = 'x'\nvar b = a == 'x'\n  ? 'y'\n  : 'z'\n")
    with pytest.raises(lark.exceptions.UnexpectedInput):
        parse(path)
