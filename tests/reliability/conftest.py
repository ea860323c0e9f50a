"""Shared by the reliability suites: one fault-free reference collection per module.

The simulator's world is deterministic (fixed seed), so a reference collected from its own simulator and
engine clone is the expected content for every faulty history of the same world in the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from copilot_usage.simulator import SimulatorServer
from copilot_usage.store.client import make_client
from tests.reliability.harness import Snapshot, harness_world, reference


@pytest.fixture(scope="module")
def expected(search_engine: Any) -> Iterator[Snapshot]:
    clone = search_engine.space()
    client = make_client(str(clone.url), compat="auto")
    try:
        with SimulatorServer(harness_world()) as server:
            yield reference(server, str(clone.url), client, "ref_")
    finally:
        client.close()
        clone.close()
