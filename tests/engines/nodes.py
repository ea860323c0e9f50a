"""Real search-engine nodes for the tests: Elasticsearch and OpenSearch in one JVM each, and osmem.

`scripts/install-tools.sh` resolves each Java node's jars with Maven into `.tools/engines/KIND/lib` and
compiles its `TestNode.java` into `.tools/engines/KIND/classes`. A `JavaNode` runs one node on 127.0.0.1,
a free port and a data directory of its own, waits until the cluster health is yellow, and can be stopped,
killed (SIGKILL, as a crash) and started again on the same data.

`TEST_ENGINE` picks the engine of a test run: elasticsearch (the default), opensearch or osmem.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "engines"
ENGINES = ("elasticsearch", "opensearch", "osmem")
JAVA_ENGINES = ("elasticsearch", "opensearch")
DEFAULT_ENGINE = "elasticsearch"
# One node for the whole suite; the benchmarks give it more (BENCH_ENGINE_HEAP).
DEFAULT_HEAP = os.environ.get("TEST_ENGINE_HEAP", "1g")
START_TIMEOUT_S = 180.0


class EngineUnavailable(RuntimeError):
    """The engine cannot run here; the message says exactly what is missing or what failed."""


def selected_engine(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    kind = (env.get("TEST_ENGINE") or DEFAULT_ENGINE).strip().lower()
    if kind not in ENGINES:
        raise EngineUnavailable(f"TEST_ENGINE must be one of {', '.join(ENGINES)}, got {kind!r}")
    return kind


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_json(method: str, url: str, body: Any = None, timeout: float = 30.0) -> Any:
    """One plain JSON request (no client library: the fixtures must work before the client does)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def installed(kind: str) -> tuple[Path, Path]:
    """(lib dir, classes dir) of an installed Java engine, or EngineUnavailable naming what is missing."""
    lib, classes = TOOLS / kind / "lib", TOOLS / kind / "classes"
    if not any(lib.glob("*.jar")) or not (classes / "TestNode.class").is_file():
        raise EngineUnavailable(
            f"{kind} test node is not installed ({lib} or {classes / 'TestNode.class'} missing): "
            "run scripts/install-tools.sh (needs Java 17 and Maven)")
    if shutil.which("java") is None:
        raise EngineUnavailable(f"{kind} test node needs a `java` on PATH (Java 17)")
    return lib, classes


@dataclass
class NodeInfo:
    kind: str
    version: str


class JavaNode:
    """One Elasticsearch or OpenSearch node in its own JVM, on loopback."""

    def __init__(self, kind: str, data_dir: Path, *, port: int | None = None, heap: str = DEFAULT_HEAP):
        if kind not in JAVA_ENGINES:
            raise ValueError(f"not a Java engine: {kind!r}")
        self.kind = kind
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.heap = heap
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[str] | None = None
        self._output: list[str] = []
        self.info: NodeInfo | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT_S) -> JavaNode:
        lib, classes = installed(self.kind)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            "java", f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC",
            "-Djava.awt.headless=true", "-Dlog4j2.formatMsgNoLookups=true",
            # The node writes its own files only under data_dir; the JVM's temp files go there too.
            f"-Djava.io.tmpdir={self.data_dir}",
            "-cp", f"{classes}{os.pathsep}{lib}/*", "TestNode", str(self.data_dir), str(self.port),
        ]
        self._output = []
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      cwd=self.data_dir)
        threading.Thread(target=self._drain, args=(self._proc,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise EngineUnavailable(f"{self.kind} node exited with {self._proc.returncode} while starting:\n"
                                        + self.tail())
            if self._healthy():
                root = http_json("GET", self.url + "/")
                self.info = NodeInfo(str(root["version"].get("distribution") or "elasticsearch"),
                                     str(root["version"]["number"]))
                return self
            time.sleep(0.25)
        self.kill()
        raise EngineUnavailable(f"{self.kind} node did not become healthy in {timeout:.0f} s:\n" + self.tail())

    def stop(self, grace: float = 30.0) -> None:
        """An orderly stop (SIGTERM runs the node's shutdown hook); a kill if it takes longer than `grace`."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to flush or release anything."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self._output[-lines:])

    # -- internals ---------------------------------------------------------------------------------
    def _drain(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self._output.append(line.rstrip())
            if len(self._output) > 2000:
                del self._output[:1000]

    def _healthy(self) -> bool:
        try:
            health = http_json("GET", self.url + "/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5)
        except (urllib.error.URLError, OSError, ValueError):
            return False
        return isinstance(health, dict) and health.get("status") in ("yellow", "green")


@contextlib.contextmanager
def java_node(kind: str, data_dir: Path, *, heap: str = DEFAULT_HEAP) -> Iterator[JavaNode]:
    node = JavaNode(kind, data_dir, heap=heap).start()
    try:
        yield node
    finally:
        node.stop()
