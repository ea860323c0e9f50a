"""The README's configuration table and the settings agree: every variable a settings part reads is documented,
every documented variable is read (or named below as read by something else), and the documented default of
each core part's variable is the default the part uses."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from copilot_usage import defaults
from copilot_usage.settings import ALIASES, CORE_PARTS, ConfigError, Settings

README = Path(__file__).resolve().parents[2] / "README.md"
# Documented in the table but read by something other than Settings.
READ_ELSEWHERE = {
    "AZURE_CLIENT_ID": "azure-identity's DefaultAzureCredential",
    "COLLECT_SCHEDULE": "the Function's timer trigger (function_app.py)",
}
NONE = ("–", "-")


class RecordingEnv(Mapping[str, str]):
    """An empty environment that remembers every variable asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        self.asked.add(str(name))
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def table() -> dict[str, str]:
    """Variable -> its documented default, from the README's "Configuration" table."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        values = [v.strip() for v in cells[1].split(", ")] if len(names) > 1 else [cells[1]]
        if len(values) != len(names):
            values = values[:1] * len(names)  # one default for the whole row (`–`)
        rows.update(zip(names, values, strict=True))
    return rows


def read_by_settings() -> set[str]:
    env = RecordingEnv()
    with pytest.raises(ConfigError):  # an empty environment has no scope and no credential
        Settings.from_env(env)
    return env.asked - {alias for aliases in ALIASES.values() for alias in aliases}


def shown(value: object) -> str:
    """A default as the README writes it."""
    if value is None:
        return NONE[0]
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def test_every_variable_read_is_documented_and_every_documented_one_is_read() -> None:
    documented = set(table())
    read = read_by_settings()
    assert sorted(read - documented) == [], "read by a settings part but missing from the README's table"
    assert sorted(documented - read - set(READ_ELSEWHERE)) == [], "in the README's table but read by no part"


def test_the_documented_defaults_are_the_defaults_of_the_core_parts() -> None:
    documented = table()
    compared = 0
    for part in CORE_PARTS.values():
        for f in dataclasses.fields(part):
            variable = part.VARIABLES[f.name]
            expected, got = shown(f.default), documented[variable]
            same = got == expected or (expected == NONE[0] and got in NONE)
            assert same, f"{variable}: README {got}, code {expected}"
            compared += 1
    assert documented["LOG_LEVEL"] == shown(defaults.LOG_LEVEL)
    assert documented["KEY_VAULT_URI"] in NONE
    assert compared >= 25  # every field of GitHub, store, archive and schedule
