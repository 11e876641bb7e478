"""Benchmark: `vtsserving.mlflow.import_model` of a local MLflow model folder vs `cp -r`.

    .venv/bin/python scripts/bench/mlflow_import.py [--size-mib 1024] [--rounds 3]

Builds an MLflow model folder of the given size (an `MLmodel` with a pyfunc flavor and a few
large data files) in a temp folder, then alternates `cp -r` of it and an import into a fresh
VTSSERVING_HOME on the same filesystem, syncing before each run. Prints the median of each
and the ratio (target: import <= 1.5x cp -r).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

MLMODEL = """\
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_version: 3.11.7
mlflow_version: 3.17.2
model_uuid: 0123456789abcdef0123456789abcdef
utc_time_created: '2026-01-01 00:00:00.000000'
"""


def make_model(root: Path, size_mib: int, files: int = 8) -> Path:
    root.mkdir(parents=True)
    (root / "MLmodel").write_text(MLMODEL)
    for name in ("conda.yaml", "python_env.yaml", "requirements.txt"):
        (root / name).write_text("# bench\n")
    block = os.urandom(1 << 20)
    data = root / "artifacts"
    data.mkdir()
    per_file = max(1, size_mib // files)
    for i in range(files):
        with open(data / f"weights-{i}.bin", "wb") as f:
            for _ in range(per_file):
                f.write(block)
    return root


def timed(fn) -> float:
    os.sync()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vts-bench-", dir=os.environ.get("BENCH_DIR")) as tmp:
        tmp_path = Path(tmp)
        src = make_model(tmp_path / "model", args.size_mib)
        os.environ["VTSSERVING_HOME"] = str(tmp_path / "home")
        import vtsserving.mlflow

        cp_times, import_times, copytree_times = [], [], []
        for i in range(args.rounds):
            dst = tmp_path / f"cp-{i}"
            cp_times.append(
                timed(lambda dst=dst: subprocess.run(["cp", "-r", str(src), str(dst)], check=True))
            )
            shutil.rmtree(dst)
            import_times.append(timed(lambda: vtsserving.mlflow.import_model("bench", str(src))))
            for model in vtsserving.models.list("bench"):
                vtsserving.models.delete(model.tag)
            dst = tmp_path / f"copytree-{i}"
            copytree_times.append(timed(lambda dst=dst: shutil.copytree(src, dst)))
            shutil.rmtree(dst)

    cp, imp, ct = (statistics.median(t) for t in (cp_times, import_times, copytree_times))
    size_gib = args.size_mib / 1024
    print(f"model folder: {size_gib:.2f} GiB, {args.rounds} rounds (median)")
    print(f"  cp -r                     {cp:7.3f} s  {size_gib / cp:6.2f} GiB/s")
    print(f"  vtsserving.mlflow.import  {imp:7.3f} s  {size_gib / imp:6.2f} GiB/s")
    print(f"  shutil.copytree (copy2)   {ct:7.3f} s  {size_gib / ct:6.2f} GiB/s")
    print(f"ratio import / cp -r: {imp / cp:.2f}x (target <= 1.5x)")
    print(f"ratio copytree / cp -r: {ct / cp:.2f}x")


if __name__ == "__main__":
    main()
