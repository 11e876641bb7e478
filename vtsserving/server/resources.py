"""The CPUs and memory this process may use: cgroup limits (v2 and v1), never the host's size.

In a container `os.cpu_count()` is the host's core count: a 500m pod on a 64-core node would
start 64 workers, each loading the model. `cpu_limit()` reads the CFS quota instead (v2
`cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`) and the CPUs this process may run on;
`memory_limit()` reads `memory.max` (v2) or `memory.limit_in_bytes` (v1).
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_NO_LIMIT = 1 << 60  # v1 writes a huge number for "no limit"


def cpu_limit(root: Path = CGROUP_ROOT) -> float:
    """CPUs available: the cgroup quota if there is one, else the CPUs this process may run on."""
    cpus = float(_affinity())
    quota = _cpu_quota(root)
    return min(cpus, quota) if quota else cpus


def worker_count(root: Path = CGROUP_ROOT) -> int:
    """Workers for `--production`: one per available CPU, rounded up, at least one."""
    return max(1, math.ceil(cpu_limit(root) - 0.01))


def memory_limit(root: Path = CGROUP_ROOT) -> int | None:
    """The cgroup memory limit in bytes, or None when there is none."""
    for file in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        text = _read(file)
        if text is None:
            continue
        if text == "max" or not text.isdigit() or int(text) >= _NO_LIMIT:
            return None
        return int(text)
    return None


def _cpu_quota(root: Path) -> float | None:
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        if quota != "max" and quota.isdigit() and period.isdigit() and int(period) > 0:
            return int(quota) / int(period)
        return None
    for folder in (root / "cpu", root / "cpu,cpuacct", root / "cpuacct,cpu"):
        quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
        if quota and period and quota.lstrip("-").isdigit() and period.isdigit():
            if int(quota) > 0 and int(period) > 0:
                return int(quota) / int(period)
            return None
    return None


def _affinity() -> int:
    with contextlib.suppress(AttributeError, OSError):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1  # platforms without affinity (macOS)


def _read(file: Path) -> str | None:
    try:
        return file.read_text().strip()
    except OSError:
        return None


def directory_size(path: Path) -> int:
    """Bytes of the files under `path` (a model's size on disk)."""
    total = 0
    for file in Path(path).rglob("*"):
        with contextlib.suppress(OSError):
            if file.is_file() and not file.is_symlink():
                total += file.stat().st_size
    return total
