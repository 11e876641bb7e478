#!/usr/bin/env python
"""Image build benchmark for the iris MLflow model: VtsServing vs MLflow vs BentoML.

    .venv/bin/python scripts/bench/containerize.py [--skip vtsserving,mlflow,bentoml] [--warm-downloads]

For each tool, in one run on this machine: cold build (no layer cache; BuildKit cache mounts
pruned first, so downloads are cold too, unless --warm-downloads), rebuild after a code-only change, rebuild after a model-only change,
and image size over its base image. Peers build from the same local base image, tagged as
the `python:3.11-slim` their Dockerfiles expect (with Debian's "externally managed" marker
removed and a `python` link, which those Dockerfiles need); BentoML is installed into its own
venv. Prints a table and the ratios, with the load average; numbers are for this machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = os.environ.get("VTS_TEST_BASE_IMAGE", "vtsserving-test-base:bookworm")
PEER_BASE = "python:3.11-slim"
# MLflow names the model's full Python version (python:3.11.7-slim): tag that too.
PEER_ALIASES = (PEER_BASE, f"python:{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}-slim")
DOCKER = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"
PY = sys.executable

TRAIN = """
import sys, mlflow, numpy, pandas, scipy, sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
clf = LogisticRegression(max_iter=1000, C=float(sys.argv[1])).fit(X, y)
mlflow.set_tracking_uri("sqlite:///mlflow.db")
reqs = [f"mlflow=={mlflow.__version__}", f"scikit-learn=={sklearn.__version__}",
        f"numpy=={numpy.__version__}", f"pandas=={pandas.__version__}", f"scipy=={scipy.__version__}"]
with mlflow.start_run():
    info = mlflow.sklearn.log_model(clf, name="model", pip_requirements=reqs)
print(info.model_uri)
"""

VTS_IMPORT = "import sys, vtsserving; print(vtsserving.mlflow.import_model('iris_clf', sys.argv[1]).tag)"
VTS_SERVICE = """
import numpy as np
import vtsserving
from vtsserving.io import NumpyNdarray
runner = vtsserving.mlflow.get("iris_clf:latest").to_runner()
svc = vtsserving.Service("iris_bench", runners=[runner])
@svc.api(input=NumpyNdarray(dtype="float64", shape=(-1, 4)), output=NumpyNdarray())
def predict(x: np.ndarray) -> np.ndarray:
    return runner.predict.run(x)  # VERSION
"""
VTSFILE = f"""
service: "service:svc"
include: ["service.py"]
python:
  requirements_txt: $VTSSERVING_MLFLOW_MODEL_PATH/mlflow_model/requirements.txt
docker:
  base_image: {BASE}
"""

BENTO_IMPORT = "import sys, bentoml; print(bentoml.mlflow.import_model('iris_clf', sys.argv[1]).tag)"
BENTO_SERVICE = """
import bentoml
from bentoml.io import NumpyNdarray
runner = bentoml.mlflow.get("iris_clf:latest").to_runner()
Service = getattr(bentoml, "legacy", bentoml).Service  # BentoML 1.4: the runner API lives in bentoml.legacy
svc = Service("iris_bench", runners=[runner])
@svc.api(input=NumpyNdarray(), output=NumpyNdarray())
def predict(x):
    return runner.predict.run(x)  # VERSION
"""
BENTOFILE = """
service: "service:svc"
include: ["service.py"]
python:
  requirements_txt: ./requirements.txt
"""


def sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 1800) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed:\n{proc.stdout[-1500:]}\n{proc.stderr[-2500:]}")
    return proc.stdout


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    out = sh(cmd, cwd, env)
    return time.perf_counter() - start, out


def image_size(image: str) -> int:
    return int(sh([DOCKER, "image", "inspect", "-f", "{{.Size}}", image], ROOT).strip())


CREATED: list[str] = []
WHEELS: set[bytes] = set()  # distinct vtsserving wheels seen: >1 means the checkout changed mid-run


def remember(image: str) -> None:
    """Keep the id of each benchmark image, to remove them all at the end."""
    CREATED.append(sh([DOCKER, "image", "inspect", "-f", "{{.Id}}", image], ROOT).strip())


def peer_base(work: Path) -> None:
    """The local base, tagged as python:3.11-slim, made usable for peers' system installs."""
    (work / "peer-base").mkdir()
    (work / "peer-base" / "Dockerfile").write_text(
        f"FROM {BASE}\nRUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED && ln -sf /usr/bin/python3 /usr/local/bin/python"
        " && ln -sf /usr/bin/pip3 /usr/local/bin/pip\n"
    )
    tags = [arg for alias in PEER_ALIASES for arg in ("-t", alias)]
    sh([DOCKER, "build", "-q", *tags, "."], work / "peer-base", {"DOCKER_BUILDKIT": "1"})


def bench_vtsserving(work: Path) -> dict[str, float]:
    proj = work / "vts"
    proj.mkdir()
    env = {"VTSSERVING_HOME": str(proj / "home"), "PATH": f"{Path(PY).parent}:{os.environ['PATH']}"}
    (proj / "train.py").write_text(TRAIN)
    (proj / "service.py").write_text(VTS_SERVICE.replace("VERSION", "v1"))
    (proj / "vtsfile.yaml").write_text(VTSFILE)
    vts = [PY, "-m", "vtsserving"]

    def new_model(c: str) -> None:
        uri = sh([PY, "train.py", c], proj, env).strip().splitlines()[-1]
        sh([PY, "-c", VTS_IMPORT, uri], proj, env)

    def build_and_containerize(*extra: str) -> tuple[float, float, str]:
        path = sh([*vts, "models", "get", "iris_clf:latest", "-o", "path"], proj, env).strip()
        benv = {**env, "VTSSERVING_MLFLOW_MODEL_PATH": path}
        t_build, out = timed([*vts, "build", "-o", "tag"], proj, benv)
        tag = out.strip().splitlines()[-1]
        t_image, out = timed([*vts, "containerize", tag, "-t", "vts-bench:latest", "--progress", "plain",
                              "-o", "json", *extra], proj, benv)
        wheels = Path(env["VTSSERVING_HOME"], "vts", *tag.split(":"), "env", "python", "wheels")
        WHEELS.add(b"".join(w.read_bytes() for w in sorted(wheels.glob("vtsserving-*.whl"))))
        return t_build, t_image, json.loads(out)["image_id"]

    new_model("1.0")
    b, cold, first = build_and_containerize("--no-cache")
    size = image_size("vts-bench:latest") - image_size(BASE)
    (proj / "service.py").write_text(VTS_SERVICE.replace("VERSION", "v2"))
    b2, code, second = build_and_containerize()
    new_model("0.5")
    b3, model, third = build_and_containerize()
    subprocess.run([DOCKER, "rmi", "-f", first, second, third], capture_output=True)
    return {"cold": cold, "code": code, "code_total": b2 + code, "model": model, "model_total": b3 + model,
            "size": size, "build": b}


def bench_mlflow(work: Path) -> dict[str, float]:
    proj = work / "mlflow"
    proj.mkdir()
    (proj / "train.py").write_text(TRAIN)
    mlflow = str(Path(PY).parent / "mlflow")
    env = {"PATH": f"/usr/bin:{os.environ['PATH']}", "DOCKER_BUILDKIT": "1"}

    def build(c: str, extra: list[str]) -> float:
        uri = sh([PY, "train.py", c], proj).strip().splitlines()[-1]
        out = proj / f"ctx-{c}"
        sh([mlflow, "models", "generate-dockerfile", "-m", uri, "-d", str(out), "--env-manager", "local"],
           proj, {"MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"})
        t, _ = timed([DOCKER, "build", "-q", *extra, "-t", "mlflow-bench:latest", str(out)], proj, env)
        remember("mlflow-bench:latest")
        return t

    cold = build("1.0", ["--no-cache"])
    size = image_size("mlflow-bench:latest") - image_size(PEER_BASE)
    model = build("0.5", [])
    # a served MLflow model has no service code of its own: "code-only" does not apply
    return {"cold": cold, "model": model, "size": size}


def bench_bentoml(work: Path) -> dict[str, float]:
    proj = work / "bentoml"
    proj.mkdir()
    venv = work / "bentoml-venv"
    uv = shutil.which("uv", path=str(Path(PY).parent)) or "uv"
    sh([uv, "venv", "-q", "--python", PY, str(venv)], proj)
    sh([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "bentoml>=1.4,<1.5",
        "mlflow==3.17.2", "scikit-learn", "pandas", "scipy", "pip", "uv"], proj)
    bpy, bento = str(venv / "bin" / "python"), str(venv / "bin" / "bentoml")
    home = work / "bentoml-home"  # outside the build context: bentoml would pack its own home
    env = {"BENTOML_HOME": str(home), "PATH": f"{venv / 'bin'}:/usr/bin:{os.environ['PATH']}",
           "BENTOML_DO_NOT_TRACK": "True", "DOCKER_BUILDKIT": "1"}
    (proj / "train.py").write_text(TRAIN)
    (proj / "service.py").write_text(BENTO_SERVICE.replace("VERSION", "v1"))
    (proj / "bentofile.yaml").write_text(BENTOFILE)

    def new_model(c: str) -> None:
        uri = sh([bpy, "train.py", c], proj, env).strip().splitlines()[-1]
        sh([bpy, "-c", BENTO_IMPORT, uri], proj, env)
        newest = max((home / "models" / "iris_clf").glob("*/mlflow_model"), key=lambda p: p.stat().st_mtime)
        shutil.copy(newest / "requirements.txt", proj / "requirements.txt")

    def build_and_containerize(*extra: str) -> tuple[float, float]:
        t_build, out = timed([bento, "build", "-o", "tag"], proj, env)
        tag = out.strip().splitlines()[-1].split(":", 1)[-1].strip()
        t_image, _ = timed([bento, "containerize", tag, "-t", "bento-bench:latest", *extra], proj, env)
        remember("bento-bench:latest")
        return t_build, t_image

    new_model("1.0")
    _, cold = build_and_containerize("--opt", "no-cache")
    size = image_size("bento-bench:latest") - image_size(PEER_BASE)
    (proj / "service.py").write_text(BENTO_SERVICE.replace("VERSION", "v2"))
    b2, code = build_and_containerize()
    new_model("0.5")
    b3, model = build_and_containerize()
    return {"cold": cold, "code": code, "code_total": b2 + code, "model": model, "model_total": b3 + model, "size": size}


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value / 1e6:,.0f} MB" if unit == "MB" else f"{value:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated tools to skip: vtsserving,mlflow,bentoml")
    parser.add_argument("--warm-downloads", action="store_true",
                        help="keep BuildKit cache mounts (default: prune them so every cold build downloads)")
    args = parser.parse_args()
    if not args.warm_downloads:
        subprocess.run([DOCKER, "builder", "prune", "-f", "--filter", "type=exec.cachemount"],
                       capture_output=True, env={**os.environ, "DOCKER_BUILDKIT": "1"})
    skip = set(filter(None, args.skip.split(",")))
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results: dict[str, dict[str, float] | str] = {}
    with tempfile.TemporaryDirectory(prefix="containerize-bench-", dir="/var/tmp") as tmp:
        work = Path(tmp)
        runs = [("vtsserving", bench_vtsserving), ("mlflow", bench_mlflow), ("bentoml", bench_bentoml)]
        if not {"mlflow", "bentoml"} <= skip:
            peer_base(work)
        for name, func in runs:
            if name in skip:
                continue
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            try:
                results[name] = func(work)
            except Exception as exc:  # a peer that cannot build here is reported, not fatal
                print(f"[bench] {name} failed: {exc}", file=sys.stderr, flush=True)
                results[name] = f"failed: {str(exc).strip().splitlines()[-1][:200]}"
        subprocess.run([DOCKER, "rmi", "-f", *CREATED], capture_output=True)
        if not {"mlflow", "bentoml"} <= skip:
            subprocess.run([DOCKER, "rmi", *PEER_ALIASES], capture_output=True)
    rows = [("cold build", "cold", "s"), ("code-only rebuild (containerize)", "code", "s"),
            ("code-only: build + containerize", "code_total", "s"), ("model-only rebuild (containerize)", "model", "s"),
            ("model-only: build + containerize", "model_total", "s"), ("size over base", "size", "MB")]
    names = list(results)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average before {load_before}, after {load_after} ({os.cpu_count()} cores)")
    print("\n| metric | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, key, unit in rows:
        cells = [fmt(r.get(key), unit) if isinstance(r, dict) else r for r in results.values()]
        print(f"| {label} | " + " | ".join(cells) + " |")
    ours = results.get("vtsserving")
    if isinstance(ours, dict):
        print(f"\nvtsserving code-only rebuild / cold: {ours['code'] / ours['cold']:.1%} (target <= 20%)")
        size_mb = ours["size"] / 1e6
        print(f"vtsserving size over base: {size_mb:,.0f} MB (target <= 300 MB: {'met' if size_mb <= 300 else 'NOT MET'})")
        if len(WHEELS) > 1:
            print("note: the vtsserving checkout changed during the run, so its layer was rebuilt too")
        for peer in ("mlflow", "bentoml"):
            theirs = results.get(peer)
            if isinstance(theirs, dict):
                print(textwrap.dedent(f"""\
                    vs {peer}: cold {ours['cold'] / theirs['cold']:.2f}x, size {ours['size'] / theirs['size']:.2f}x"""))


if __name__ == "__main__":
    main()
