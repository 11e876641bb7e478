"""Fault bench: overload, a killed worker, SIGTERM and a soak, VtsServing beside BentoML 1.4.

Both serve the same slow MLflow pyfunc (`--work-ms` a call, 4 named double columns), 2 workers,
no batching, one server at a time on this machine. For each server:

  capacity   closed loop, 16 keep-alive connections, 5 s: the req/s it sustains
  overload   open loop at 10x capacity for 10 s, a new connection a request: share of requests
             answered (200 or 503) within 1 s, p99 of the 200s, time to the first 503
  kill -9    open loop at 50% capacity, one of the two workers killed after 4 s: failed requests
             (no answer, or 5xx other than 503) and seconds until /readyz is 200 with 2 workers
  sigterm    16 keep-alive connections at full speed, SIGTERM after 2 s: failed requests (sent and
             never answered, or 5xx other than 503); refused connections are counted apart
  soak       open loop at 80% capacity for --soak seconds: RSS growth of the server's processes
             (first minute, or quarter, to the end), 5xx other than 503, and 503s (load shed when
             the machine's other load takes capacity) apart

    .venv/bin/python scripts/bench/faults.py [--only vts,bentoml] [--soak 600] [--work-ms 20]

BentoML runs in its own venv (uv), as in scripts/bench/serve.py. Prints a table; asserts nothing.
Targets (issue #15): overload >= 95% answered within 1 s; 0 failed on kill -9 and on SIGTERM;
soak RSS growth < 5% and 0 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from serve import free_port, setup_bentoml  # noqa: E402 - the serve bench's helpers

PY = sys.executable
COLUMNS = ["a", "b", "c", "d"]
ROW = [5.1, 3.5, 1.4, 0.2]
VTS_BODY = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [ROW]}}).encode()
BENTO_BODY = json.dumps({"input": [ROW]}).encode()

SLOW_MODEL = """
import time
import mlflow.pyfunc


class SlowModel(mlflow.pyfunc.PythonModel):
    def __init__(self, seconds):
        self.seconds = seconds

    def predict(self, context, model_input, params=None):
        time.sleep(self.seconds)
        return [0] * len(model_input)
"""

BENTO_SERVICE = """
import bentoml
import numpy as np
import pandas as pd

@bentoml.service(workers=2)
class Slow:
    model_ref = bentoml.models.get("iris:latest")

    def __init__(self):
        self.model = bentoml.mlflow.load_model(self.model_ref)

    @bentoml.api
    def predict(self, input: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(pd.DataFrame(input, columns={columns!r})))
"""


def make_model(work: Path, env: dict[str, str], seconds: float) -> Path:
    """The slow pyfunc saved with MLflow and imported into VtsServing as `slow`."""
    (work / "slow_model.py").write_text(SLOW_MODEL)
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(work)!r})
        import mlflow.pyfunc, pandas as pd
        from mlflow.models import infer_signature
        from slow_model import SlowModel
        import vtsserving
        frame = pd.DataFrame([{ROW!r}], columns={COLUMNS!r})
        path = {str(work / 'mlflow_slow')!r}
        mlflow.pyfunc.save_model(path, python_model=SlowModel({seconds}), code_paths=[{str(work / 'slow_model.py')!r}],
                                 signature=infer_signature(frame, [0]))
        vtsserving.mlflow.import_model("slow", path)
        print(path)
    """)
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, check=True)
    return Path(out.stdout.strip().splitlines()[-1])


# -- a small HTTP/1.1 client on asyncio ---------------------------------------------------------
def _request(path: str, body: bytes, keep_alive: bool) -> bytes:
    conn = b"keep-alive" if keep_alive else b"close"
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Connection: " + conn + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Status and whether the server will close the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection", "").lower() == "close"


async def one_shot(port: int, request: bytes, timeout: float) -> tuple[str, int, float]:
    """("ok", status, seconds) | ("refused" | "failed" | "timeout", 0, seconds) for one request."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (ConnectionError, OSError, asyncio.TimeoutError):
        return "refused", 0, time.perf_counter() - start
    try:
        writer.write(request)
        status, _ = await asyncio.wait_for(_read_response(reader), timeout)
        return "ok", status, time.perf_counter() - start
    except asyncio.TimeoutError:
        return "timeout", 0, time.perf_counter() - start
    except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        return "failed", 0, time.perf_counter() - start
    finally:
        writer.close()


async def open_loop(port: int, request: bytes, rate: float, seconds: float, timeout: float = 10) -> list:
    """Requests started at `rate` a second whatever the answers; each result with its start time."""
    t0 = time.perf_counter()
    tasks = []
    for i in range(int(rate * seconds)):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        started = time.perf_counter() - t0
        tasks.append((started, asyncio.ensure_future(one_shot(port, request, timeout))))
    return [(started, *(await task)) for started, task in tasks]


async def keep_alive_load(port: int, request: bytes, connections: int, until: asyncio.Event) -> dict:
    """`connections` clients sending back to back on keep-alive connections until `until` is set."""
    counts = {"ok": 0, "non503_5xx": 0, "503": 0, "failed": 0, "refused": 0}

    async def client() -> None:
        while not until.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                counts["refused"] += 1
                await asyncio.sleep(0.05)
                continue
            try:
                while not until.is_set():
                    writer.write(request)
                    try:
                        status, closing = await asyncio.wait_for(_read_response(reader), 30)
                    except (asyncio.TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
                        counts["failed"] += 1
                        break
                    key = "ok" if status == 200 else "503" if status == 503 else "non503_5xx" if status >= 500 else "ok"
                    counts[key] += 1
                    if closing:
                        break
            finally:
                writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return counts


# -- the server under test ---------------------------------------------------------------------
class Target:
    def __init__(self, name: str, cmd: list[str], env: dict[str, str], route: str, body: bytes, work: Path):
        self.name, self.cmd, self.env, self.route, self.body, self.work = name, cmd, env, route, body, work
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.work / f"{self.name}-{self.port}.log", "ab")  # noqa: SIM115 - the server's lifetime
        self.proc = subprocess.Popen([*self.cmd, "--port", str(self.port)], cwd=self.work, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            if self.ready() and asyncio.run(one_shot(self.port, self.request(), 5))[1] == 200:
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready in 300 s")

    def request(self, keep_alive: bool = False) -> bytes:
        return _request(self.route, self.body, keep_alive)

    def ready(self) -> bool:
        try:
            get = b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            with socket_to(self.port) as sock:
                sock.sendall(get)
                return sock.recv(64).split(b" ")[1] == b"200"
        except (OSError, IndexError):
            return False

    def workers(self) -> list[int]:
        """Pids of the worker processes (multiprocessing children of the server)."""
        found = []
        for pid in _descendants(self.proc.pid):
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes() if Path(f"/proc/{pid}").exists() else b""
            if b"spawn_main" in cmdline or b"_bentoml_impl.worker" in cmdline or b"bentoml_impl" in cmdline:
                found.append(pid)
        return found

    def rss(self) -> int:
        total = 0
        for pid in [self.proc.pid, *_descendants(self.proc.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def socket_to(port: int):
    import socket

    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    return sock


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


# -- the scenarios -----------------------------------------------------------------------------
def capacity(t: Target) -> float:
    until = asyncio.Event()

    async def run() -> dict:
        asyncio.get_running_loop().call_later(5, until.set)
        return await keep_alive_load(t.port, t.request(keep_alive=True), 16, until)

    counts = asyncio.run(run())
    return counts["ok"] / 5


def overload(t: Target, rate: float) -> dict:
    results = asyncio.run(open_loop(t.port, t.request(), rate, 10, timeout=30))
    answered = [r for r in results if r[1] == "ok" and r[2] in (200, 503) and r[3] <= 1.0]
    oks = sorted(r[3] for r in results if r[1] == "ok" and r[2] == 200)
    first_503 = min((r[0] + r[3] for r in results if r[2] == 503), default=None)
    return {
        "requests": len(results), "within_1s": len(answered) / max(len(results), 1),
        "p99_200_ms": oks[int(len(oks) * 0.99) - 1] * 1000 if oks else None,
        "first_503_s": first_503, "n503": sum(r[2] == 503 for r in results),
        "failed": sum(r[1] != "ok" for r in results),
    }


def kill_worker(t: Target, rate: float) -> dict:
    async def run() -> tuple[list, float | None]:
        load = asyncio.ensure_future(open_loop(t.port, t.request(), rate, 20, timeout=30))
        await asyncio.sleep(4)
        workers = t.workers()
        if not workers:
            return await load, None
        os.kill(workers[0], signal.SIGKILL)
        killed = time.perf_counter()
        recovered = None
        while time.perf_counter() - killed < 120:
            await asyncio.sleep(0.25)
            alive = [p for p in t.workers() if p != workers[0]]
            if len(alive) >= 2 and await asyncio.to_thread(t.ready):
                recovered = time.perf_counter() - killed
                break
        return await load, recovered

    results, recovered = asyncio.run(run())
    failed = sum(r[1] != "ok" or (r[2] >= 500 and r[2] != 503) for r in results)
    return {"requests": len(results), "failed": failed, "n503": sum(r[2] == 503 for r in results),
            "recovered_s": recovered}


def sigterm(t: Target) -> dict:
    until = asyncio.Event()

    async def run() -> dict:
        loop = asyncio.get_running_loop()
        loop.call_later(2, lambda: os.kill(t.proc.pid, signal.SIGTERM))

        def stop_when_gone() -> None:
            if t.proc.poll() is not None:
                loop.call_later(0.5, until.set)
            else:
                loop.call_later(0.1, stop_when_gone)

        loop.call_later(2.1, stop_when_gone)
        loop.call_later(60, until.set)
        return await keep_alive_load(t.port, t.request(keep_alive=True), 16, until)

    counts = asyncio.run(run())
    return {"failed": counts["failed"] + counts["non503_5xx"], "ok": counts["ok"], "503": counts["503"],
            "refused_connects": counts["refused"], "exit": t.proc.wait(30)}


def soak(t: Target, rate: float, seconds: int) -> dict:
    async def run() -> tuple[list, int, int]:
        load = asyncio.ensure_future(open_loop(t.port, t.request(), rate, seconds, timeout=30))
        await asyncio.sleep(min(60, seconds / 4))
        first = t.rss()
        results = await load
        return results, first, t.rss()

    results, first, last = asyncio.run(run())
    return {"requests": len(results), "rss_growth": (last - first) / first if first else None,
            "n5xx": sum(r[2] >= 500 and r[2] != 503 for r in results), "n503": sum(r[2] == 503 for r in results),
            "failed": sum(r[1] != "ok" for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="vts,bentoml")
    parser.add_argument("--soak", type=int, default=600, help="soak seconds (0: skip)")
    parser.add_argument("--work-ms", type=float, default=20)
    args = parser.parse_args()
    only = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="vts-faults-"))
    path = f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "VTSSERVING_HOME": str(work / "home"), "PATH": path}
    model_path = make_model(work, env, args.work_ms / 1000)
    targets = []
    if "vts" in only:
        cmd = [PY, "-m", "vtsserving", "serve", "mlflow-model:slow:latest", "--production", "--workers", "2",
               "--host", "127.0.0.1"]
        targets.append(Target("vts", cmd, env, "/invocations", VTS_BODY, work))
    results: dict[str, dict | str] = {}
    if "bentoml" in only:
        setup = setup_bentoml(work, model_path, 2)
        if isinstance(setup, str):
            results["bentoml"] = f"skipped: {setup}"
        else:
            (work / "bento_service.py").write_text(BENTO_SERVICE.format(columns=COLUMNS))
            cmd, bento_env = setup
            cmd = [*cmd[:2], "bento_service:Slow", *cmd[3:]]
            bento_env = {**bento_env, "PYTHONPATH": str(work)}
            targets.append(Target("bentoml", cmd, bento_env, "/predict", BENTO_BODY, work))
    for t in targets:
        row: dict = {"load_before": _load()}
        try:
            t.start()
            row["capacity"] = cap = capacity(t)
            row["overload"] = overload(t, 10 * cap)
            time.sleep(3)
            row["kill"] = kill_worker(t, 0.5 * cap)
            if args.soak:
                row["soak"] = soak(t, 0.8 * cap, args.soak)
            row["sigterm"] = sigterm(t)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            row["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            t.stop()
        row["load_after"] = _load()
        results[t.name] = row
        print(f"[faults] {t.name}: {json.dumps(row)}", flush=True)
    report(results, args)
    shutil.rmtree(work, ignore_errors=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _fmt(value: object, spec: str = "") -> str:
    if value is None:
        return "-"
    return format(value, spec) if spec else str(value)


def report(results: dict[str, dict | str], args: argparse.Namespace) -> None:
    print(f"\nslow MLflow pyfunc ({args.work_ms:g} ms a call), 2 workers, no batching; {os.cpu_count()} cores\n")
    header = ["server", "cap r/s", "10x:<=1s", "p99 200", "1st 503", "kill:fail", "kill:recov",
              "TERM:fail", "soak:RSS", "soak:5xx", "soak:503", "load"]
    print("".join(f"{h:>11}" for h in header))
    for name, r in results.items():
        if isinstance(r, str):
            print(f"{name:>11}  {r}")
            continue
        if "error" in r:
            print(f"{name:>11}  failed: {r['error']}")
        o, k, s, soak_r = r.get("overload", {}), r.get("kill", {}), r.get("sigterm", {}), r.get("soak", {})
        cells = [
            name, _fmt(r.get("capacity"), ".0f"), _fmt(o.get("within_1s"), ".1%"),
            _fmt(o.get("p99_200_ms"), ".0f") + "ms", (_fmt(o.get("first_503_s"), ".2f") + "s" if o.get("first_503_s") is not None else "none"),
            _fmt(k.get("failed")), _fmt(k.get("recovered_s"), ".1f") + "s", _fmt(s.get("failed")),
            _fmt(soak_r.get("rss_growth"), "+.1%"), _fmt(soak_r.get("n5xx")), _fmt(soak_r.get("n503")),
            r["load_before"].split()[0],
        ]
        print("".join(f"{c:>11}" for c in cells))
    print("\ntargets: 10x answered within 1 s >= 95%; kill -9 and SIGTERM 0 failed; soak RSS < +5%, 0 5xx")


if __name__ == "__main__":
    main()
