"""Shared fixtures live in tests/fixtures/; each module there is loaded as a plugin."""

import pathlib

pytest_plugins = sorted(
    f"tests.fixtures.{p.stem}"
    for p in (pathlib.Path(__file__).parent / "fixtures").glob("*.py")
    if p.stem != "__init__"
)
