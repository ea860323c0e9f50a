"""infra/main.parameters.json: it maps exactly main.bicep's parameters, and the classic deployment's
variable names resolve the way azd will resolve them.

azd substitutes ${...} with drone/envsubst v1.0.3 before the deployment. Only the two forms this file
uses are emulated: ${NAME} and ${NAME=default}, where the default may itself hold ${...} (nested
defaults were added to drone/envsubst in PR #23, 2020). As in drone/envsubst, `=` also replaces an
empty value, not only an unset one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pytest

from tests.infra.bicep import INFRA, MAIN, parse, secure_params

PARAMETERS = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def substitute(template: str, env: Mapping[str, str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(template):
        if template.startswith("${", i):
            value, i = _expression(template, i + 2, env)
            out.append(value)
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def _expression(text: str, i: int, env: Mapping[str, str]) -> tuple[str, int]:
    match = NAME.match(text, i)
    if match is None:
        raise ValueError(f"bad substitution at {i}: {text!r}")
    name, i = match.group(), match.end()
    if text[i] == "}":
        return env.get(name, ""), i + 1
    if text[i] != "=":
        raise ValueError(f"only ${{NAME}} and ${{NAME=default}} are used, got {text!r}")
    i += 1
    default: list[str] = []
    while text[i] != "}":
        if text.startswith("${", i):
            value, i = _expression(text, i + 2, env)
            default.append(value)
        else:
            default.append(text[i])
            i += 1
    return env.get(name) or "".join(default), i + 1


def resolve(env: Mapping[str, str]) -> dict[str, str]:
    return {name: substitute(entry["value"], env) for name, entry in PARAMETERS.items()}


def test_the_emulation_follows_drone_envsubst() -> None:
    # The cases from drone/envsubst's own eval tests that this file relies on.
    assert substitute("${var=xyz}", {}) == "xyz"
    assert substitute("${var=abc}", {"var": "abc"}) == "abc"
    assert substitute("something ${var=${default_var}}", {"default_var": "foo"}) == "something foo"
    assert substitute("${var=prefix${default_var}-suffix}", {"default_var": "foo1"}) == "prefixfoo1-suffix"
    assert substitute("${var=x}", {"var": ""}) == "x"


def test_every_mapping_is_a_parameter_of_main_bicep() -> None:
    params = parse(MAIN)["parameters"]
    assert PARAMETERS.keys() <= params.keys(), f"unknown: {sorted(PARAMETERS.keys() - params.keys())}"


def test_every_parameter_without_a_default_is_mapped() -> None:
    params = parse(MAIN)["parameters"]
    # pycep writes a missing default as None.
    required = {name for name, decl in params.items() if decl.get("default") is None}
    assert "environmentName" in required
    assert required <= PARAMETERS.keys(), f"not mapped: {sorted(required - PARAMETERS.keys())}"


def test_generated_secrets_map_to_exactly_one_variable() -> None:
    # `azd pipeline config` refuses a prompted or generated parameter mapped to zero or several variables.
    params = parse(MAIN)["parameters"]
    generated = {n for n, d in params.items() if "generate" in json.dumps(d.get("decorators", []))}
    assert generated == {"elasticPassword", "elasticsearchWriterPassword", "elasticsearchReaderPassword",
                         "grafanaAdminPassword"}
    for name in generated:
        assert re.fullmatch(r"\$\{[A-Z_]+\}", PARAMETERS[name]["value"]), name


def test_secure_parameters_have_no_real_default() -> None:
    params = parse(MAIN)["parameters"]
    for name in secure_params(MAIN):
        assert params[name].get("default") in (None, ""), f"{name} has a default value"


def test_classic_names_reach_the_same_parameters() -> None:
    issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
    classic = resolve({
        "AZURE_ENV_NAME": "prod", "AZURE_LOCATION": "swedencentral",
        "GH_PAT": "ghp_classic", "GH_ORGANIZATION_SLUGS": "acme", "GH_ENTERPRISE_SLUGS": "big",
        "AZURE_AUTHENTICATION_ENABLED": "false", "AZURE_AUTHENTICATION_CLIENT_ID": "cid",
        "AZURE_AUTHENTICATION_OPEN_ID_ISSUER": issuer, "AZURE_USER_PRINCIPAL_ID": "user-oid",
        "AZURE_ROLE_ASSIGNMENTS": "false",
    })
    assert classic["githubPat"] == "ghp_classic"
    assert classic["organizationSlugs"] == "acme"
    assert classic["enterpriseSlugs"] == "big"
    assert classic["entraAuthEnabled"] == "false"
    assert classic["authClientId"] == "cid"
    assert classic["authOpenIdIssuer"] == issuer
    assert classic["principalId"] == "user-oid"
    assert classic["doRoleAssignments"] == "false"


def test_new_names_win_over_classic_ones() -> None:
    both = resolve({"GITHUB_PAT": "new", "GH_PAT": "old", "ORGANIZATION_SLUGS": "new-org",
                    "GH_ORGANIZATION_SLUGS": "old-org", "AZURE_PRINCIPAL_ID": "azd", "AZURE_USER_PRINCIPAL_ID": "old"})
    assert (both["githubPat"], both["organizationSlugs"], both["principalId"]) == ("new", "new-org", "azd")


def test_defaults_when_nothing_is_set() -> None:
    empty = resolve({})
    assert empty["doRoleAssignments"] == "true"
    assert empty["keyVaultPurgeProtection"] == "false"
    assert empty["createAppRegistration"] == "true"
    assert empty["githubApiUrl"] == "https://api.github.com"
    assert empty["collectSchedule"] == "0 5 * * * *"
    assert empty["indexPrefix"] == "copilot_"
    assert empty["elasticsearchExists"] == "false"


@pytest.mark.parametrize("bad", ["${A", "${A:-b}", "${1A}"])
def test_the_emulation_refuses_what_it_does_not_know(bad: str) -> None:
    with pytest.raises((ValueError, IndexError)):
        substitute(bad, {})
