"""The real parts a benchmark runs against: the simulator, the engine, the collector as a process.

The collector runs as a child process so its own peak RSS can be read (os.wait4 gives that one child's
rusage, unlike RUSAGE_CHILDREN which is the maximum over every child ever waited for).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
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
from copilot_usage.simulator.config import REPORT_LAG_DAYS
from copilot_usage.simulator.faults import Faults
from copilot_usage.store.client import make_client

TOKEN = "benchmark-token-for-the-local-simulator"  # noqa: S105 - the simulator accepts any token
PREFIX = "bench_"
# A fixed simulated "today": the synthetic world depends on the date, and the figures must repeat.
TODAY = dt.date(2026, 11, 20)
# Report days end this many days before "today": the simulator's default lag (SimConfig.report_lag_days).
NEWEST_REPORT_LAG_DAYS = REPORT_LAG_DAYS


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


# Which engine the scenarios run against (`run.py --engine`): a real Elasticsearch node by default, the
# same one the tests use (tests/engines/), with a larger heap; or osmem-server, the bundled in-memory one.
ENGINE = "elasticsearch"
ENGINE_HEAP = os.environ.get("BENCH_ENGINE_HEAP", "4g")
ENGINE_INFO: dict[str, str] = {}


@contextmanager
def _engine() -> Iterator[tuple[str, _MemoryGuard | None]]:
    if ENGINE == "osmem":
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        ENGINE_PIDS[server.url] = server.pid
        ENGINE_INFO.update(kind="osmem-server", version=_version("osmem-server"))
        guard = _MemoryGuard(server)
        try:
            yield server.url, guard
        finally:
            guard.stop()
            server.close()
        return
    from tests.engines.nodes import JavaNode

    data = Path(tempfile.mkdtemp(prefix=f"bench-{ENGINE}-"))
    node = JavaNode(ENGINE, data, heap=ENGINE_HEAP).start()
    assert node.info is not None
    assert node.pid is not None
    ENGINE_PIDS[node.url] = node.pid
    ENGINE_INFO.update(kind=ENGINE, version=node.info.version, heap=ENGINE_HEAP)
    try:
        yield node.url, None
    finally:
        node.stop()
        shutil.rmtree(data, ignore_errors=True)


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


@contextmanager
def endpoints(config: SimConfig, latency_ms: float = 0.0, *, clock: Callable[[], float] = time.time,
              faults: Faults | None = None) -> Iterator[tuple[SimulatorServer, str]]:
    """The simulator (threads in this process) and the engine (its own process), both on 127.0.0.1."""
    with _engine() as (engine_url, guard):
        faults = faults if faults is not None else Faults(latency_ms=latency_ms)
        with SimulatorServer(World(config), faults=faults, clock=clock) as github:
            yield github, engine_url
    if guard is not None and guard.tripped_mb:
        raise RuntimeError(f"the engine was stopped at {guard.tripped_mb:,.0f} MB resident, over the guard of "
                           f"{guard.limit_mb:,.0f} MB: make the scenario smaller")


@contextmanager
def engine_only() -> Iterator[str]:
    """A fresh engine alone (for measuring the engine without a collection in it)."""
    with _engine() as (engine_url, _guard):
        yield engine_url


def store_bytes(es: Elasticsearch, prefix: str = PREFIX) -> int:
    """Primary store size of every index under `prefix`, after a flush (what the data takes on disk)."""
    es.indices.flush(index=f"{prefix}*")
    stats = es.indices.stats(index=f"{prefix}*", metric="store")
    return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])


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


def panel_latency(es: Elasticsearch, prefix: str, scope: str, time_from: int, time_to: int,
                  repeats: int = 5) -> dict[str, Any]:
    """Every panel and alert query of both dashboards, translated as the dashboard tests do, timed on the
    engine: p50/p95 per panel over `repeats` rounds (the engine's own `took` and the client's wall time),
    and the five slowest. A panel with several targets counts as the sum of its targets, as Grafana sends
    them in one _msearch and waits for all."""
    from dashboards.alerts import es_model, rules
    from dashboards.inspect import index_of, panels
    from dashboards.provisioning import datasources
    from dashboards.registry import rendered
    from dashboards.translate import search_body

    values = {"scope_type": "organization", "scope": json.dumps(scope), "seat_price": "19"}
    time_fields = {d["uid"]: d["jsonData"]["timeField"] for d in datasources()["datasources"]}
    queries: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
    for name, text in rendered().items():
        for panel in panels(json.loads(text)):
            targets = [(index_of(t["datasource"]).name(prefix),
                        search_body(t, time_from, time_to, values, time_field=time_fields[t["datasource"]["uid"]]))
                       for t in panel.get("targets", [])]
            if targets:
                queries.append((f"{name.removesuffix('.json')}: {panel['title']}", targets))
    for rule in rules():
        model = es_model(rule)
        start = time_to - rule.window_seconds * 1000
        body = search_body(model, start, time_to, values, time_field=time_fields[f"es-{rule.query.index.key}"])
        queries.append((f"alert: {rule.uid}", [(rule.query.index.name(prefix), body)]))
    es.indices.refresh(index=f"{prefix}*")
    timings: dict[str, list[float]] = {name: [] for name, _ in queries}
    took: dict[str, list[int]] = {name: [] for name, _ in queries}
    for _name, targets in queries:  # one warm-up round: the first search of a shard loads its structures
        for index, body in targets:
            es.search(index=index, **body)
    for _ in range(repeats):
        for name, targets in queries:
            started = time.perf_counter()
            engine_ms = 0
            for index, body in targets:
                engine_ms += int(es.search(index=index, **body)["took"])
            timings[name].append((time.perf_counter() - started) * 1000)
            took[name].append(engine_ms)
    rows = {name: {"p50_ms": round(_quantile(ms, 0.5), 1), "p95_ms": round(_quantile(ms, 0.95), 1),
                   "engine_took_p50_ms": round(_quantile([float(t) for t in took[name]], 0.5), 1)}
            for name, ms in timings.items()}
    slowest = sorted(rows.items(), key=lambda item: -item[1]["p95_ms"])[:5]
    return {"queries": len(rows), "repeats": repeats, "per_panel": rows,
            "slowest": [{"panel": n, **r} for n, r in slowest],
            "worst_p95_ms": max(r["p95_ms"] for r in rows.values()),
            "median_p95_ms": round(_quantile([r["p95_ms"] for r in rows.values()], 0.5), 1)}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
