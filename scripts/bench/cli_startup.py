"""Time `vtsserving --help` and `vtsserving models list` with 1,000 models in a temp store.

Target: each under 0.5 s on the development machine. Prints median and best wall time of
N runs, median CPU time (user+sys, less sensitive to other load on a shared machine), and
the ratio to a bare `python -c pass` start measured in the same run.

    .venv/bin/python scripts/bench/cli_startup.py [--models 1000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _fill_store(count: int, per_name: int = 10) -> None:
    from vtsserving.models import ModelContext, create

    context = ModelContext(framework_name="sklearn", framework_versions={"scikit-learn": "1.5"})
    for i in range(count):
        with create(f"model-{i // per_name:04d}", module="vtsserving.sklearn", context=context,
                    signatures={"predict": {"batchable": True}}, labels={"team": "bench"}) as model:
            Path(model.path_of("saved_model.pkl")).write_bytes(os.urandom(2048))


def _time(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float, int]:
    """Median wall time, best wall time, median CPU time (user+sys) and output lines."""
    walls, cpus, out_len = [], [], 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out_len = len(proc.stdout.splitlines())
    return statistics.median(walls), min(walls), statistics.median(cpus), out_len


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="vts-bench-"))
    env = {**os.environ, "VTSSERVING_HOME": str(home), "COLUMNS": "120"}
    env.pop("VTSSERVING_MODEL_STORE", None)
    os.environ.update(VTSSERVING_HOME=str(home))
    os.environ.pop("VTSSERVING_MODEL_STORE", None)
    exe = shutil.which("vtsserving", path=str(Path(sys.executable).parent)) or "vtsserving"
    try:
        start = time.perf_counter()
        _fill_store(args.models)
        print(f"filled store with {args.models} models in {time.perf_counter() - start:.1f} s")
        base, _, base_cpu, _ = _time([sys.executable, "-c", "pass"], env, args.runs)
        print(f"load average: {os.getloadavg()[0]:.1f} (other work on the machine slows wall times)")
        print(f"{'command':<32} {'median':>7} {'best':>7} {'cpu':>7} {'x python':>8} {'lines':>6}")
        print(f"{'python -c pass':<32} {base:7.3f} {'':>7} {base_cpu:7.3f} {1.0:8.1f}")
        for label, cmd in (
            ("vtsserving --help", [exe, "--help"]),
            ("vtsserving models list", [exe, "models", "list"]),
            ("vtsserving models list -o json", [exe, "models", "list", "-o", "json"]),
        ):
            median, best, cpu, lines = _time(cmd, env, args.runs)
            verdict = "ok" if best < 0.5 else "SLOW"
            print(
                f"{label:<32} {median:7.3f} {best:7.3f} {cpu:7.3f} {median / base:8.1f} {lines:6d}"
                f"  target <0.5 s: {verdict}"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
