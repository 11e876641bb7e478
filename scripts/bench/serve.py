"""Serving benchmark: iris LogisticRegression logged with MLflow, single-row JSON, wrk.

Measures in one run, one server at a time, on this machine:
  vts-batching    `vtsserving serve mlflow-model:iris --production` (adaptive batching)
  vts-nobatch     the same with `batching.enabled: false`
  vts-1worker     vts-batching with one worker process (for the process-model choice)
  mlflow          `mlflow models serve --env-manager local`
  bentoml         `bentoml serve` of the same model (BentoML in its own venv, adaptive batching)
  vts-v2          vts-batching answering KServe's V2 protocol (`/v2/models/iris/infer`, named columns)
  mlserver        `mlserver start` with mlserver-mlflow's runtime on the same model (its own venv,
                  V2 protocol, `parallel_workers` = --workers; its defaults otherwise: no batching)
  mlserver-batch  the same with MLServer's adaptive batching (max_batch_size 100, max_batch_time 10 ms)
  bare            uvicorn + starlette endpoint that only parses the JSON (the HTTP ceiling)

    .venv/bin/python scripts/bench/serve.py [--duration 15] [--connections 32] [--only vts-batching,bare]

Needs `wrk` (apt-get install -y wrk). Prints a table and the ratios; asserts nothing. Besides
req/s and latency it reports each server's CPU time per request (user + system of the server's
whole process tree over the measured run, from /proc): on a shared machine throughput follows
whatever else runs, while CPU per request is what the server itself spends.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROW = [5.1, 3.5, 1.4, 0.2]
MLFLOW_BODY = {"dataframe_split": {"columns": COLUMNS, "data": [ROW]}}
BENTO_BODY = {"input": [ROW]}
V2_BODY = {"inputs": [{"name": c, "shape": [1], "datatype": "FP64", "data": [v]} for c, v in zip(COLUMNS, ROW, strict=True)]}
V2_ROUTE = "/v2/models/iris/infer"

BARE_APP = """
import json
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

async def invocations(request):
    doc = json.loads(await request.body())
    rows = doc["dataframe_split"]["data"]
    return Response(json.dumps({"predictions": [0] * len(rows)}), media_type="application/json")

app = Starlette(routes=[Route("/invocations", invocations, methods=["POST"])])
"""

BENTO_SERVICE = """
import bentoml
import numpy as np
import pandas as pd

COLUMNS = {columns!r}

@bentoml.service(workers={workers})
class Iris:
    model_ref = bentoml.models.get("iris:latest")

    def __init__(self):
        self.model = bentoml.mlflow.load_model(self.model_ref)

    @bentoml.api(batchable=True, max_batch_size=100, max_latency_ms=1000)
    def predict(self, input: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(pd.DataFrame(input, columns=COLUMNS)))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, body: dict) -> str:
    req = Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urlopen(req, timeout=10) as resp:
        return resp.read().decode()


def wait_ready(url: str, body: dict, proc: subprocess.Popen, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            return post(url, body)
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise RuntimeError(f"{url} not answering after {timeout}s")


def run_wrk(url: str, body: dict, duration: int, connections: int, workdir: Path) -> dict:
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    pct = {p: _ms(v) for p, v in re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    return {
        "rps": rps, "requests": requests, "p50": pct.get("50"), "p99": pct.get("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of `root` and every live process under it (Linux /proc)."""
    parents, cpu = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu.get(pid, 0.0) for pid in tree)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def make_model(work: Path, env: dict[str, str]) -> Path:
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'tests/integration/server/app')!r})
        from make_iris import make_iris
        print(make_iris({str(work)!r})[0])
    """)
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip().splitlines()[-1])


def setup_bentoml(work: Path, model_path: Path, workers: int) -> tuple[list[str], dict[str, str]] | str:
    """A venv with BentoML, the model imported; returns (command, env) or why it failed."""
    venv = work / "bentoml-venv"
    env = {**os.environ, "BENTOML_HOME": str(work / "bentoml-home"), "BENTOML_DO_NOT_TRACK": "true"}
    uv = shutil.which("uv") or str(Path(PY).parent / "uv")
    steps = [
        [uv, "venv", "-q", "--python", PY, str(venv)],
        [uv, "pip", "install", "-q", "--python", str(venv / "bin/python"), "bentoml>=1.4",
         "mlflow", "scikit-learn", "pandas", "cloudpickle"],
        [str(venv / "bin/python"), "-c",
         f"import bentoml; bentoml.mlflow.import_model('iris', {str(model_path)!r})"],
    ]
    for step in steps:
        proc = subprocess.run(step, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            return f"{' '.join(step[:3])} failed: {(proc.stderr or proc.stdout).strip()[-400:]}"
    (work / "bento_service.py").write_text(BENTO_SERVICE.format(columns=COLUMNS, workers=workers))
    return [str(venv / "bin/bentoml"), "serve", "bento_service:Iris", "--host", "127.0.0.1"], env


def setup_mlserver(work: Path, model_path: Path, workers: int, batching: bool,
                   port: int) -> tuple[list[str], dict[str, str]] | str:
    """A venv with mlserver + mlserver-mlflow and a model repository; (command, env) or why not."""
    venv = work / "mlserver-venv"
    uv = shutil.which("uv") or str(Path(PY).parent / "uv")
    if not (venv / "bin" / "mlserver").exists():
        steps = [[uv, "venv", "-q", "--python", PY, str(venv)],
                 # mlserver 1.7.1's parallel workers call asyncio.get_event_loop() outside a loop, which
                 # uvloop 0.22+ refuses ("There is no current event loop"): every inference worker dies
                 # and the model answers 404. uvloop<0.22 is what it was released against.
                 [uv, "pip", "install", "-q", "--python", str(venv / "bin/python"), "mlserver", "mlserver-mlflow",
                  "scikit-learn", "pandas", "cloudpickle", "uvloop<0.22"]]
        for step in steps:
            proc = subprocess.run(step, capture_output=True, text=True)
            if proc.returncode != 0:
                return f"{' '.join(step[:3])} failed: {(proc.stderr or proc.stdout).strip()[-400:]}"
    repo = work / ("mlserver-batch" if batching else "mlserver")
    (repo / "iris").mkdir(parents=True, exist_ok=True)
    settings: dict = {"name": "iris", "implementation": "mlserver_mlflow.MLflowRuntime",
                      "parameters": {"uri": str(model_path)}}
    if batching:
        settings.update(max_batch_size=100, max_batch_time=0.01)
    (repo / "iris" / "model-settings.json").write_text(json.dumps(settings))
    # MLServer takes its ports from settings.json, not from the command line
    (repo / "settings.json").write_text(json.dumps({
        "host": "127.0.0.1", "http_port": port, "grpc_port": free_port(), "metrics_port": free_port(),
        "parallel_workers": workers,
    }))
    return [str(venv / "bin" / "mlserver"), "start", str(repo)], dict(os.environ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default="", help="comma-separated subset of the servers")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    only = set(filter(None, args.only.split(",")))
    work = Path(tempfile.mkdtemp(prefix="vts-bench-"))
    path = f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # mlflow runs `uvicorn`
    env = {**os.environ, "VTSSERVING_HOME": str(work / "home"), "PATH": path}
    model_path = make_model(work, env)
    nobatch = work / "nobatch.yaml"
    nobatch.write_text("batching:\n  enabled: false\n")
    (work / "bare_app.py").write_text(BARE_APP)
    vts = [PY, "-m", "vtsserving", "serve", "mlflow-model:iris:latest", "--production",
           "--workers", str(args.workers)]
    servers = {
        "vts-batching": (vts, env, MLFLOW_BODY, "/invocations"),
        "vts-nobatch": ([*vts, "--config", str(nobatch)], env, MLFLOW_BODY, "/invocations"),
        "vts-1worker": ([*vts[:-1], "1"], env, MLFLOW_BODY, "/invocations"),
        "mlflow": ([PY, "-m", "mlflow", "models", "serve", "-m", str(model_path), "--env-manager", "local",
                    "--host", "127.0.0.1"], env, MLFLOW_BODY, "/invocations"),
        "bentoml": (None, None, BENTO_BODY, "/predict"),
        "vts-v2": (vts, env, V2_BODY, V2_ROUTE),
        "mlserver": (None, None, V2_BODY, V2_ROUTE),
        "mlserver-batch": (None, None, V2_BODY, V2_ROUTE),
        "bare": ([PY, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--no-access-log",
                  "--log-level", "warning"], env, MLFLOW_BODY, "/invocations"),
    }
    results: dict[str, dict | str] = {}
    load_before = _load()
    for name, (cmd, cmd_env, body, route) in servers.items():
        if only and name not in only:
            continue
        if name == "bentoml":
            setup = setup_bentoml(work, model_path, args.workers)
            if isinstance(setup, str):
                results[name] = setup
                print(f"[bench] bentoml skipped: {setup}", flush=True)
                continue
            cmd, cmd_env = setup
        port = free_port()
        if name.startswith("mlserver"):
            setup = setup_mlserver(work, model_path, args.workers, name == "mlserver-batch", port)
            if isinstance(setup, str):
                results[name] = setup
                print(f"[bench] {name} skipped: {setup}", flush=True)
                continue
            cmd, cmd_env = setup
        full = cmd if name.startswith("mlserver") else [*cmd, "--port", str(port)]
        log = open(work / f"{name}.log", "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(full, cwd=work, env=cmd_env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}{route}"
            sample = wait_ready(url, body, proc)
            run_wrk(url, body, 3, args.connections, work)  # warm up
            cpu_before = tree_cpu_seconds(proc.pid)
            measured = run_wrk(url, body, args.duration, args.connections, work)
            cpu_us = (tree_cpu_seconds(proc.pid) - cpu_before) / max(measured["requests"], 1) * 1e6
            results[name] = {**measured, "cpu_us": cpu_us, "load": _load(), "sample": sample[:60]}
            print(f"[bench] {name}: {results[name]}", flush=True)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            results[name] = f"failed: {exc} (log: {work / (name + '.log')})"
            print(f"[bench] {name}: {results[name]}", flush=True)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
    report(results, args, (load_before, _load()))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(results: dict[str, dict | str], args: argparse.Namespace, loads: tuple[str, str]) -> None:
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s, single-row JSON, {os.cpu_count()} cores,"
          f" vts/bentoml workers={args.workers}; load average before {loads[0]}, after {loads[1]}\n")
    print(f"{'server':<16}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}{'CPU us/req':>11}{'load':>7}")
    for name, r in results.items():
        if isinstance(r, str):
            print(f"{name:<16}{r}")
        else:
            print(f"{name:<16}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p99']:>8.1f}{r['non2xx']:>8}"
                  f"{r['cpu_us']:>11.0f}{r['load'].split()[0]:>7}")
    print()
    for vts_name in ("vts-batching", "vts-1worker", "vts-nobatch", "vts-v2"):
        vts = results.get(vts_name)
        if isinstance(vts, dict):
            _targets(vts_name, vts, results)


def _targets(name: str, vts: dict, results: dict[str, dict | str]) -> None:
    """The issue #4 targets for one VtsServing configuration: figure, target, met or not."""
    rows = [(f"p99 {vts['p99']:.1f} ms", "< 50 ms", vts["p99"] < 50)]
    peers = (("mlflow", ">= 10x", 10.0), ("bentoml", "> 1x", 1.0), ("bare", ">= 0.5x", 0.5),
             ("mlserver", ">= 3x", 3.0), ("mlserver-batch", ">= 3x", 3.0))
    for other, target, minimum in peers:
        r = results.get(other)
        if isinstance(r, dict) and r["rps"]:
            ratio = vts["rps"] / r["rps"]
            met = ratio > minimum if other == "bentoml" else ratio >= minimum
            rows.append((f"throughput / {other} x{ratio:.2f}", target, met))
        else:
            rows.append((f"throughput / {other}", target, None))
    print(f"{name}:")
    for figure, target, met in rows:
        verdict = "not measured" if met is None else "met" if met else "NOT MET"
        print(f"  {figure:<36} target {target:<9} {verdict}")
    bare = results.get("bare")
    if isinstance(bare, dict) and bare["cpu_us"]:
        print(f"  server CPU a request {vts['cpu_us']:.0f} us, x{vts['cpu_us'] / bare['cpu_us']:.2f} bare's")


if __name__ == "__main__":
    main()
