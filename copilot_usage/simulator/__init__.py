"""A realistic GitHub API simulator with synthetic organizations, for tests, the demo and benchmarks.

    from copilot_usage.simulator import SimConfig, SimulatorServer, World

    with SimulatorServer(World(SimConfig(users=60))) as server:
        ...  # point GITHUB_API_URL at server.url
"""

from copilot_usage.simulator.config import SimConfig
from copilot_usage.simulator.faults import Faults
from copilot_usage.simulator.server import SimulatorServer
from copilot_usage.simulator.world import World

__all__ = ["Faults", "SimConfig", "SimulatorServer", "World"]
