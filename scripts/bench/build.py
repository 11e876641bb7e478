"""Time `vtsserving build` of the iris example: a first build, then rebuilds with a cached lock.

    .venv/bin/python scripts/bench/build.py [--runs 3]

Uses examples/mlflow/sklearn_logistic_regression with `lock_packages: true`, a fresh
VTSSERVING_HOME and a fresh build cache, so the first build builds the vtsserving wheel and
runs pip-compile (PyPI must be reachable); later builds reuse both. Target: rebuild < 3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mlflow" / "sklearn_logistic_regression"
TARGET_S = 3.0


def _import_iris_model(work: Path) -> str:
    """Log-free MLflow save of an iris classifier, imported as the example expects."""
    import mlflow.sklearn
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import vtsserving

    X, y = load_iris(return_X_y=True)
    path = work / "mlflow_iris"
    mlflow.sklearn.save_model(LogisticRegression(max_iter=1000).fit(X, y), str(path),
                              pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
                              serialization_format="cloudpickle")
    model = vtsserving.mlflow.import_model("logistic_regression_model", str(path))
    return model.path


def _build(ctx: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "vtsserving", "build", str(ctx)], env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build failed: {proc.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rebuilds to time")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vts-bench-build-"))
    try:
        os.environ["VTSSERVING_HOME"] = str(work / "home")
        os.environ["VTSSERVING_CACHE_DIR"] = str(work / "cache")
        model_path = _import_iris_model(work)
        ctx = work / "ctx"
        shutil.copytree(EXAMPLE, ctx)
        vtsfile = (ctx / "vtsfile.yaml").read_text().replace("lock_packages: false", "lock_packages: true")
        (ctx / "vtsfile.yaml").write_text(vtsfile)
        env = {**os.environ, "VTSSERVING_MLFLOW_MODEL_PATH": model_path}

        first = _build(ctx, env)
        rebuilds = [_build(ctx, env) for _ in range(args.runs)]
        (ctx / "vtsfile.yaml").write_text(vtsfile.replace("lock_packages: true", "lock_packages: false"))
        unlocked = [_build(ctx, env) for _ in range(args.runs)]
        rebuild = statistics.median(rebuilds)
        print(f"iris example, vtsserving build (CLI process, {os.cpu_count()} CPUs)")
        print(f"  first build (builds wheel + pip-compile): {first:6.2f} s")
        print(f"  rebuild, cached lock (median of {args.runs}):   {rebuild:6.2f} s"
              f"   [{', '.join(f'{t:.2f}' for t in rebuilds)}]")
        print(f"  build without lock (median of {args.runs}):     {statistics.median(unlocked):6.2f} s")
        print(f"  first / rebuild: {first / rebuild:.1f}x; target rebuild < {TARGET_S:.0f} s:"
              f" {'met' if rebuild < TARGET_S else 'MISSED'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
