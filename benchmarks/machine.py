"""What the figures were measured on: cores, memory, CPU model, Python, engine version, load."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any


def _meminfo_mb(text: str) -> int | None:
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return None


def _cpu_model(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    """A snapshot of the machine right now (the load average changes: take one per scenario)."""
    return {
        "nproc": os.cpu_count(),
        "memory_mb": _meminfo_mb(_read("/proc/meminfo")),
        "cpu_model": _cpu_model(_read("/proc/cpuinfo")) or platform.processor() or "unknown",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "osmem_server": _version("osmem-server"),
        "elasticsearch_client": _version("elasticsearch"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
