#!/usr/bin/env python
"""Cold start: `docker run` of an iris image until its readiness probe answers 200.

    .venv/bin/python scripts/bench/cold_start.py [--runs 5] [--skip mlflow,bentoml] [--keep-images]

Builds, in one run on this machine and from the same local base image:
  vtsserving  the quickstart (scripts/quickstart: MLflow iris model, user API `classify`), `GET /readyz`
  mlflow      `mlflow models generate-dockerfile` + `docker build` (what `build-docker` runs), `GET /ping`
  bentoml     `bentoml containerize` of the same MLflow model (BentoML in its own venv), `GET /readyz`
then times each image `--runs` times (container start to the first 200, polled every 20 ms),
one container at a time, and prints the medians, each image's size over its base, the ratios and
the load average. A peer that cannot be built or does not get ready is reported with the reason.
Asserts nothing.
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
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import containerize as cb  # noqa: E402 - the peers' images are built as its size table builds them

ROOT = cb.ROOT
PY = cb.PY
DOCKER = cb.DOCKER
QUICKSTART = ROOT / "scripts" / "quickstart"
SIZES: dict[str, int] = {}  # image size over its base, bytes
IMAGES: dict[str, str] = {}  # tool -> image


def build_vtsserving(work: Path) -> tuple[str, dict[str, str], str]:
    """The quickstart image; returns (image, env for docker run, readiness path)."""
    proj = work / "vts"
    proj.mkdir()
    for name in ("train.py", "service.py", "vtsfile.yaml"):
        shutil.copy(QUICKSTART / name, proj / name)
    with (proj / "vtsfile.yaml").open("a") as f:
        f.write(f"docker:\n  base_image: {cb.BASE}\n")
    env = {"VTSSERVING_HOME": str(proj / "home"), "PATH": f"{Path(PY).parent}:{os.environ['PATH']}"}
    cb.sh([PY, "train.py"], proj, env)
    vts = [PY, "-m", "vtsserving"]
    path = cb.sh([*vts, "models", "get", "iris_clf:latest", "-o", "path"], proj, env).strip()
    env["VTSSERVING_MLFLOW_MODEL_PATH"] = path
    tag = cb.sh([*vts, "build", "-o", "tag"], proj, env).strip().splitlines()[-1]
    cb.sh([*vts, "containerize", tag, "-t", "cold-vts:latest", "-q"], proj, env)
    cb.remember("cold-vts:latest")
    return "cold-vts:latest", {}, "/readyz"


def build_mlflow(work: Path) -> tuple[str, dict[str, str], str]:
    proj = work / "mlflow"
    proj.mkdir()
    (proj / "train.py").write_text(cb.TRAIN)
    uri = cb.sh([PY, "train.py", "1.0"], proj).strip().splitlines()[-1]
    ctx = proj / "ctx"
    cb.sh([str(Path(PY).parent / "mlflow"), "models", "generate-dockerfile", "-m", uri, "-d", str(ctx),
           "--env-manager", "local"], proj, {"MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"})
    cb.sh([DOCKER, "build", "-q", "-t", "cold-mlflow:latest", str(ctx)], proj, {"DOCKER_BUILDKIT": "1"})
    cb.remember("cold-mlflow:latest")
    return "cold-mlflow:latest", {}, "/ping"


def build_bentoml(work: Path) -> tuple[str, dict[str, str], str]:
    proj, venv, home = work / "bentoml", work / "bentoml-venv", work / "bentoml-home"
    proj.mkdir()
    uv = shutil.which("uv", path=str(Path(PY).parent)) or "uv"
    cb.sh([uv, "venv", "-q", "--python", PY, str(venv)], proj)
    cb.sh([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "bentoml>=1.4,<1.5",
           "mlflow==3.17.2", "scikit-learn", "pandas", "scipy", "pip", "uv"], proj)
    env = {"BENTOML_HOME": str(home), "PATH": f"{venv / 'bin'}:/usr/bin:{os.environ['PATH']}",
           "BENTOML_DO_NOT_TRACK": "True", "DOCKER_BUILDKIT": "1"}
    (proj / "train.py").write_text(cb.TRAIN)
    (proj / "service.py").write_text(cb.BENTO_SERVICE.replace("VERSION", "v1"))
    (proj / "bentofile.yaml").write_text(cb.BENTOFILE)
    uri = cb.sh([str(venv / "bin" / "python"), "train.py", "1.0"], proj, env).strip().splitlines()[-1]
    cb.sh([str(venv / "bin" / "python"), "-c", cb.BENTO_IMPORT, uri], proj, env)
    model = next((home / "models" / "iris_clf").glob("*/mlflow_model"))
    shutil.copy(model / "requirements.txt", proj / "requirements.txt")
    tag = cb.sh([str(venv / "bin" / "bentoml"), "build", "-o", "tag"], proj, env).strip().splitlines()[-1]
    tag = tag.split(":", 1)[-1].strip()
    cb.sh([str(venv / "bin" / "bentoml"), "containerize", tag, "-t", "cold-bento:latest"], proj, env)
    cb.remember("cold-bento:latest")
    return "cold-bento:latest", {}, "/readyz"


def _ports(name: str, port: int) -> tuple[dict[str, str], int]:
    """How each image is told its port (MLflow's image always listens on 8080)."""
    if name == "mlflow":
        return {}, 8080
    if name == "bentoml":
        return {"BENTOML_PORT": str(port)}, port
    return {"PORT": str(port)}, port


def container_cpu(cid: str) -> float | None:
    """CPU seconds the container's processes have used (cgroup v1 or v2), None if unreadable."""
    v1 = Path(f"/sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage")
    if v1.is_file():
        return int(v1.read_text()) / 1e9
    for v2 in (Path(f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/cpu.stat"), Path(f"/sys/fs/cgroup/docker/{cid}/cpu.stat")):
        if v2.is_file():
            usage = dict(line.split() for line in v2.read_text().splitlines())
            return int(usage["usage_usec"]) / 1e6
    return None


CPU: dict[str, list[float]] = {}  # CPU seconds to ready: steadier than wall time under shared load


def time_ready(image: str, env: dict[str, str], port: int, path: str, timeout: float = 180) -> float:
    """Seconds from `docker run` to the first 200 on `path` (polled every 20 ms)."""
    args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    url = f"http://127.0.0.1:{port}{path}"
    start = time.perf_counter()
    cid = cb.sh([DOCKER, "run", "-d", "--rm", "--network", "host", *args, image], ROOT).strip()
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        wall = time.perf_counter() - start
                        cpu = container_cpu(cid)
                        if cpu is not None:
                            CPU.setdefault(image, []).append(cpu)
                        return wall
            except OSError:
                pass
            time.sleep(0.02)
        logs = subprocess.run([DOCKER, "logs", "--tail", "5", cid], capture_output=True, text=True)
        raise RuntimeError(f"not ready after {timeout:.0f} s: {(logs.stdout + logs.stderr).strip()[-300:]}")
    finally:
        subprocess.run([DOCKER, "rm", "-f", cid], capture_output=True)
        _wait_port_free(port)


def _wait_port_free(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.1)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=3917)
    parser.add_argument("--skip", default="", help="comma-separated: vtsserving,mlflow,bentoml")
    parser.add_argument("--keep-images", action="store_true")
    parser.add_argument("--images", default="",
                        help="comma-separated NAME=IMAGE: time these already built images instead of building "
                             "(e.g. vtsserving=cold-vts:latest,mlflow=cold-mlflow:latest,old=cold-vts:before)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    given = dict(item.split("=", 1) for item in filter(None, args.images.split(",")))
    builders = {"vtsserving": build_vtsserving, "mlflow": build_mlflow, "bentoml": build_bentoml}
    images: dict[str, tuple[str, dict[str, str], str] | str] = {}
    peers_given = {"mlflow", "bentoml"} & set(given)
    skip |= set(given)
    with tempfile.TemporaryDirectory(prefix="cold-start-bench-", dir="/var/tmp") as tmp:
        work = Path(tmp)
        if not {"mlflow", "bentoml"} <= skip or peers_given:
            cb.peer_base(work)
        for name, image in given.items():
            images[name] = (image, {}, "/ping" if name == "mlflow" else "/readyz")
            IMAGES[name] = image
            SIZES[name] = cb.image_size(image) - cb.image_size(cb.PEER_BASE if name in peers_given else cb.BASE)
        for name, build in builders.items():
            if name in skip:
                continue
            print(f"[bench] building {name} ...", file=sys.stderr, flush=True)
            try:
                images[name] = build(work)
                IMAGES[name] = images[name][0]
                base = cb.BASE if name == "vtsserving" else cb.PEER_BASE
                SIZES[name] = cb.image_size(images[name][0]) - cb.image_size(base)
            except Exception as exc:  # noqa: BLE001 - a peer that cannot build is reported
                images[name] = f"build failed: {str(exc).strip().splitlines()[-1][:200]}"
                print(f"[bench] {name}: {exc}", file=sys.stderr, flush=True)
    results: dict[str, list[float] | str] = {}
    load_before = _load()
    for _ in range(args.runs):  # interleaved: load changes hit every image alike
        for name, built in images.items():
            if isinstance(built, str) or isinstance(results.get(name), str):
                results.setdefault(name, built if isinstance(built, str) else results[name])
                continue
            image, _, path = built
            env, port = _ports(name, args.port)
            try:
                results.setdefault(name, []).append(time_ready(image, env, port, path))  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001
                results[name] = f"not ready: {str(exc)[:200]}"
            print(f"[bench] {name}: {results[name]}", file=sys.stderr, flush=True)
    load_after = _load()
    if not args.keep_images:
        subprocess.run([DOCKER, "rmi", "-f", *cb.CREATED], capture_output=True)
        if not {"mlflow", "bentoml"} <= skip:
            subprocess.run([DOCKER, "rmi", *cb.PEER_ALIASES], capture_output=True)
    report(results, args.runs, load_before, load_after)


def report(results: dict[str, list[float] | str], runs: int, load_before: str, load_after: str) -> None:
    print(f"\ncold start: docker run -> readiness 200, median of {runs}, {os.cpu_count()} cores;"
          f" load average before {load_before}, after {load_after}")
    print("CPU s: CPU time of all the container's processes until ready (its cgroup): steadier than wall\n"
          "time on a shared machine; wall time is about that divided by the cores the workers get.\n")
    print(f"{'image':<12}{'median s':>10}{'min s':>8}{'max s':>8}{'CPU s':>8}{'MB over base':>14}")
    medians: dict[str, float] = {}
    for name, r in results.items():
        size = f"{SIZES[name] / 1e6:>14,.0f}" if name in SIZES else f"{'-':>14}"
        if isinstance(r, str):
            print(f"{name:<12}{r}")
            continue
        medians[name] = statistics.median(r)
        cpu = CPU.get(IMAGES.get(name, ""))
        cpu_text = f"{statistics.median(cpu):>8.2f}" if cpu else f"{'-':>8}"
        print(f"{name:<12}{medians[name]:>10.2f}{min(r):>8.2f}{max(r):>8.2f}{cpu_text}{size}")
    ours = medians.get("vtsserving")
    if ours is None:
        return
    print(f"\nvtsserving {ours:.2f} s: target <= 2 s {'met' if ours <= 2 else 'NOT MET'}")
    ours_cpu = CPU.get(IMAGES.get("vtsserving", ""))
    for peer in ("mlflow", "bentoml"):
        if peer in medians:
            ratio = ours / medians[peer]
            print(f"vtsserving / {peer}: {ratio:.2f} (target <= 0.33: {'met' if ratio <= 1 / 3 else 'NOT MET'})", end="")
            theirs_cpu = CPU.get(IMAGES.get(peer, ""))
            if ours_cpu and theirs_cpu:
                print(f"; CPU time {statistics.median(ours_cpu) / statistics.median(theirs_cpu):.2f}", end="")
            print()
        else:
            print(f"vtsserving / {peer}: not measured ({results.get(peer, 'skipped')})")


if __name__ == "__main__":
    main()
