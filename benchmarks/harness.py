"""The real parts a benchmark runs against: the simulator, the bundled engine, the collector as a process.

The collector runs as a child process so its own peak RSS can be read (os.wait4 gives that one child's
rusage, unlike RUSAGE_CHILDREN which is the maximum over every child ever waited for).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from copilot_usage.model import ScopeType
from copilot_usage.schema.indices import INGESTION_LOG, all_indices
from copilot_usage.simulator import SimConfig, SimulatorServer, World
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.client import make_client

TOKEN = "benchmark-token-for-the-local-simulator"  # noqa: S105 - the simulator accepts any token
PREFIX = "bench_"
# A fixed simulated "today": the synthetic world depends on the date, and the figures must repeat.
TODAY = dt.date(2026, 11, 20)
# Report days end two days before "today": GitHub publishes a day within two full UTC days.
NEWEST_REPORT_LAG_DAYS = 2


# The engine's process id by URL, so a scenario can read the engine's own peak memory.
ENGINE_PIDS: dict[str, int] = {}


def engine_peak_rss_mb(engine_url: str) -> float | None:
    """The engine process's peak resident memory so far (VmHWM), or None where /proc does not say."""
    pid = ENGINE_PIDS.get(engine_url)
    try:
        status = Path(f"/proc/{pid}/status").read_text() if pid else ""
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


@contextmanager
def endpoints(config: SimConfig, latency_ms: float = 0.0, *, clock: Callable[[], float] = time.time,
              faults: Faults | None = None) -> Iterator[tuple[SimulatorServer, str]]:
    """The simulator (threads in this process) and osmem-server (its own process), both on 127.0.0.1."""
    from osmem_server import OsmemServer

    engine = OsmemServer.start(japanese=False)
    ENGINE_PIDS[engine.url] = engine.pid
    guard = _MemoryGuard(engine)
    try:
        faults = faults if faults is not None else Faults(latency_ms=latency_ms)
        with SimulatorServer(World(config), faults=faults, clock=clock) as github:
            yield github, engine.url
    finally:
        guard.stop()
        engine.close()
    if guard.tripped_mb:
        raise RuntimeError(f"the engine was stopped at {guard.tripped_mb:,.0f} MB resident, over the guard of "
                           f"{guard.limit_mb:,.0f} MB: make the scenario smaller")


@contextmanager
def engine_only() -> Iterator[str]:
    """A fresh osmem-server alone (for measuring the engine without a collection in it)."""
    from osmem_server import OsmemServer

    engine = OsmemServer.start(japanese=False)
    ENGINE_PIDS[engine.url] = engine.pid
    try:
        yield engine.url
    finally:
        engine.close()


class _MemoryGuard:
    """Stops the in-memory engine before it takes the machine down: it keeps every document in RAM."""

    def __init__(self, engine: Any, share_of_memory: float = 0.7):
        self._engine = engine
        total = _meminfo_kb("MemTotal") or 0
        self.limit_mb = total * share_of_memory / 1024
        self.tripped_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        status = Path(f"/proc/{self._engine.pid}/status")
        while not self._stop.wait(1.0):
            try:
                text = status.read_text()
            except OSError:
                return
            rss = next((int(line.split()[1]) / 1024 for line in text.splitlines() if line.startswith("VmRSS:")), 0.0)
            if self.limit_mb and rss > self.limit_mb:
                self.tripped_mb = rss
                self._engine.close()
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _meminfo_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def collector_env(github_url: str, engine_url: str, world: World, backfill_days: int,
                  extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The collector's whole environment (pure): nothing inherited except PATH, so runs are repeatable."""
    orgs = [s.slug for s in world.scopes(ScopeType.ORGANIZATION.value)]
    enterprises = [s.slug for s in world.scopes(ScopeType.ENTERPRISE.value)]
    today = world.today
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_PAT": TOKEN,
        "GITHUB_API_URL": github_url,
        "ORGANIZATION_SLUGS": ",".join(orgs),
        "ENTERPRISE_SLUGS": ",".join(enterprises),
        "ELASTICSEARCH_URL": engine_url,
        "INDEX_PREFIX": PREFIX,
        "COPILOT_USAGE_TODAY": today.isoformat(),
        "BACKFILL_START": (today - dt.timedelta(days=backfill_days - 1)).isoformat(),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class ProcessRun:
    exit_code: int
    wall_seconds: float
    peak_rss_mb: float
    user_cpu_seconds: float
    system_cpu_seconds: float


def run_collector(env: Mapping[str, str], log_path: Path) -> ProcessRun:
    """`python -m copilot_usage collect` as a child; its output goes to `log_path` (no secrets are logged)."""
    return run_command(["collect"], env, log_path)


def run_command(arguments: list[str], env: Mapping[str, str], log_path: Path,
                stdout_path: Path | None = None) -> ProcessRun:
    """`python -m copilot_usage ARGUMENTS` as a child; stderr (and stdout unless `stdout_path`) to `log_path`.

    Peak memory is the child's own VmHWM, sampled while it runs. Not ru_maxrss: Linux carries the parent's
    resident size at fork into the child's ru_maxrss, so a large benchmark process would be reported as
    the collector's peak (seen here: 320.7 MB for two different scenarios, the benchmark process's size).
    """
    with contextlib.ExitStack() as files:
        log = files.enter_context(log_path.open("wb"))
        out = files.enter_context(stdout_path.open("wb")) if stdout_path else log
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "copilot_usage", *arguments], env=dict(env), stdout=out, stderr=log,
        )
        sampler = _PeakSampler(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
    child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen so it does not wait
    return ProcessRun(child.returncode, round(wall, 2), round(sampler.peak_kb / 1024, 1),
                      round(usage.ru_utime, 2), round(usage.ru_stime, 2))


class _PeakSampler:
    """Reads a process's VmHWM (its own high-water mark of resident memory) every 50 ms until stopped."""

    def __init__(self, pid: int):
        self.peak_kb = 0
        self._path = Path(f"/proc/{pid}/status")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                text = self._path.read_text()
            except OSError:
                return  # the process is gone (or reaped)
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            if self._stop.wait(0.05):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def simulator_stats(github: SimulatorServer) -> dict[str, Any]:
    """Request counts as any client would read them: GET /_simulator/stats."""
    with urllib.request.urlopen(f"{github.url}/_simulator/stats", timeout=10) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def engine_client(engine_url: str) -> Elasticsearch:
    return make_client(engine_url)


def count_docs(es: Elasticsearch, prefix: str = PREFIX) -> dict[str, int]:
    """Documents per index of ours (after a refresh), the ingestion log included under its own key."""
    es.indices.refresh(index=f"{prefix}*")
    counts = {}
    for index in all_indices():
        name = index.name(prefix)
        if es.indices.exists(index=name):
            counts[index.key] = int(es.count(index=name)["count"])
    return counts


def data_docs(counts: Mapping[str, int]) -> int:
    """Documents of the product's data indices (the ingestion log is bookkeeping)."""
    return sum(n for key, n in counts.items() if key != INGESTION_LOG.key)
