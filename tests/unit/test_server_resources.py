"""CPU and memory limits from cgroup files (v2 and v1), and what the server sizes from them."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from vtsserving.server import resources, worker


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    return root


@pytest.mark.parametrize(
    ("files", "cpus"),
    [
        ({"cpu.max": "50000 100000"}, 0.5),  # v2, docker run --cpus=0.5
        ({"cpu.max": "150000 100000"}, 1.5),
        ({"cpu/cpu.cfs_quota_us": "200000", "cpu/cpu.cfs_period_us": "100000"}, 2.0),  # v1
        ({"cpu,cpuacct/cpu.cfs_quota_us": "25000", "cpu,cpuacct/cpu.cfs_period_us": "100000"}, 0.25),
    ],
)
def test_cpu_quota_caps_the_cpus(tmp_path, files, cpus):
    root = _write(tmp_path, files)
    host = len(os.sched_getaffinity(0))
    assert resources.cpu_limit(root) == min(cpus, host)
    assert resources.worker_count(root) == max(1, min(host, -(-cpus // 1)))


@pytest.mark.parametrize(
    "files",
    [{"cpu.max": "max 100000"}, {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, {}],
    ids=["v2-unlimited", "v1-unlimited", "no-cgroup"],
)
def test_no_quota_means_the_cpus_this_process_may_use(tmp_path, files):
    root = _write(tmp_path, files)
    assert resources.cpu_limit(root) == len(os.sched_getaffinity(0))
    assert resources.worker_count(root) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("files", "limit"),
    [
        ({"memory.max": "536870912"}, 512 * 2**20),
        ({"memory.max": "max"}, None),
        ({"memory/memory.limit_in_bytes": "1073741824"}, 2**30),
        ({"memory/memory.limit_in_bytes": "9223372036854771712"}, None),  # v1 "unlimited"
        ({}, None),
    ],
)
def test_memory_limit(tmp_path, files, limit):
    assert resources.memory_limit(_write(tmp_path, files)) == limit


def test_warns_when_workers_times_model_size_exceed_the_memory_limit(tmp_path, caplog):
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"\0" * 3 * 2**20)
    svc = SimpleNamespace(models=[SimpleNamespace(path=str(model))])
    limit = resources.memory_limit(_write(tmp_path / "cg", {"memory.max": str(8 * 2**20)}))
    with caplog.at_level(logging.WARNING, logger="vtsserving.server"):
        worker._warn_if_over_memory(svc, 2, limit)
        worker._warn_if_over_memory(svc, 9, None)  # no limit: nothing to say
        assert not caplog.records  # 2 x 3 MB fit in 8 MB
        worker._warn_if_over_memory(svc, 4, limit)
    assert len(caplog.records) == 1
    assert "4 workers x 3 MB" in caplog.text and "--workers 2" in caplog.text


def test_math_thread_pools_follow_the_cpus_per_worker(monkeypatch):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    env = worker._thread_env(2, 4.0)
    assert env == {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's own setting wins
    assert "OMP_NUM_THREADS" not in worker._thread_env(8, 0.5)
    assert worker._thread_env(8, 0.5)["MKL_NUM_THREADS"] == "1"
