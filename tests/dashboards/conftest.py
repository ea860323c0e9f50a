"""The generated dashboards, loaded once per test session from the generator (not from disk)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashboards.registry import rendered


@pytest.fixture(scope="session")
def generated() -> dict[str, dict[str, Any]]:
    return {name: json.loads(text) for name, text in rendered().items()}
