"""A rolling update with real parts (issue 18): what Kubernetes relies on, proven where no cluster runs.

Three containers of the iris image behind HAProxy (health checks on `/readyz`), an open-loop load
on 127.0.0.1, and the containers replaced one at a time as the generated Deployment's strategy
does it (`_rollout.py`): no request may fail. The same with a model that takes 10 s to load, which
exercises the readiness path (a new container takes traffic only once `/readyz` says 200). The
containers run with the generated pod's read-only root filesystem and its writable mounts.

Images: the iris image is built as in test_containerize_iris.py; the slow one is a second vts
with the same requirements, so its build reuses the dependency layer (seconds, not minutes).
p99 latencies are printed (run with -s), not asserted: timings on a shared 2-core box vary.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from _containerize_flow import VTSSERVING, build_vts, containerize, run
from _containerize_helpers import docker, free_port, remove_images, wait_http
from _rollout import Fleet, OpenLoopLoad, haproxy, set_state, wait_states
from test_containerize_iris import SERVICE, TRAIN, VTSFILE

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SETOSA = [[5.1, 3.5, 1.4, 0.2]]
RATE = 40  # requests per second, open loop
LOAD_SECONDS_MAX = 240

SLOW_SERVICE = SERVICE.replace('svc = vtsserving.Service("iris_svc", runners=[runner])', '''
import time


class SlowLoad(vtsserving.Runnable):
    """A model that takes 10 s to load."""

    def __init__(self) -> None:
        time.sleep(10)

    @vtsserving.Runnable.method(batchable=False)
    def noop(self, x):
        return x


slow = vtsserving.Runner(SlowLoad, name="slow_load")
svc = vtsserving.Service("iris_slow", runners=[runner, slow])
''')


@pytest.fixture(scope="module")
def haproxy_binary() -> str:
    """HAProxy (Debian's `haproxy`, installed by scripts/provision-docker.sh); in CI it must be there."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if not found:
        message = "haproxy is not installed: run `sudo scripts/provision-docker.sh` (or apt-get install haproxy)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory, docker_engine: str) -> Iterator[dict[str, str]]:
    """`{"iris": image, "slow": image}`, built from one model store; removed afterwards."""
    assert "SlowLoad" in SLOW_SERVICE, "the iris service text changed: update SLOW_SERVICE"
    root = tmp_path_factory.mktemp("rollout")
    env = {"VTSSERVING_HOME": str(root / "home"), "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}"}
    built: dict[str, str] = {}
    try:
        for key, service in (("iris", SERVICE), ("slow", SLOW_SERVICE)):
            project = root / key
            project.mkdir()
            (project / "train.py").write_text(TRAIN)
            (project / "service.py").write_text(service)
            (project / "vtsfile.yaml").write_text(VTSFILE.format(base=docker_engine))
            if key == "iris":
                run([sys.executable, "train.py"], env, project)
            tag = build_vts(project, env, "iris_clf:latest")
            result, _ = containerize(tag, env, project)
            built[key] = result["tags"][0]
            built[f"{key}_vts"] = tag
        built["home"] = env["VTSSERVING_HOME"]
        yield built
    finally:
        remove_images(*(v for k, v in built.items() if k in ("iris", "slow")))


def _pod(images: dict[str, str], key: str, tmp_path: Path) -> dict:
    """The pod spec `vtsserving deploy kubernetes` generates for the image."""
    out = run([*VTSSERVING, "deploy", "kubernetes", images[f"{key}_vts"], "--image", images[key]],
              {"VTSSERVING_HOME": images["home"]}, tmp_path)
    deployment = next(d for d in yaml.safe_load_all(out) if d["kind"] == "Deployment")
    return deployment["spec"]["template"]["spec"]


def _read_only_args(pod: dict) -> list[str]:
    """`docker run` flags for the pod's read-only root and its emptyDir mounts (as tmpfs)."""
    (server,) = pod["containers"]
    assert server["securityContext"]["readOnlyRootFilesystem"] is True
    args = ["--read-only", "--user", f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"]
    for mount in server["volumeMounts"]:
        args += ["--tmpfs", f"{mount['mountPath']}:mode=1777"]
    return args


def test_image_writes_only_where_the_pod_mounts_writable_folders(images: dict[str, str], tmp_path: Path) -> None:
    pod = _pod(images, "iris", tmp_path)
    mounts = [m["mountPath"] for m in pod["containers"][0]["volumeMounts"]]
    port = free_port()
    # Writable root, two workers (they share a ready folder and a metrics folder), some traffic:
    # every path the container added or changed must lie under a mounted folder (or be a parent).
    container = docker("run", "-d", "--network", "host", images["iris"],
                       "serve", "--port", str(port), "--workers", "2").stdout.strip()
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", container)
        for _ in range(5):
            assert httpx.post(f"http://127.0.0.1:{port}/predict", json=SETOSA, timeout=30).json() == [0]
        changed = [line.split(maxsplit=1)[1] for line in docker("diff", container).stdout.splitlines()]
    finally:
        docker("rm", "-f", container, check=False)
    outside = [p for p in changed if not any(p == m or p.startswith(m + "/") or m.startswith(p + "/") for m in mounts)]
    assert changed and outside == [], f"the image wrote outside the pod's writable mounts {mounts}: {outside}"
    # Read-only root with only those folders writable, as the pod runs it: it serves.
    container = docker("run", "-d", "--network", "host", *_read_only_args(pod),
                       images["iris"], "serve", "--port", str(port), "--workers", "2").stdout.strip()
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", container)
        assert httpx.post(f"http://127.0.0.1:{port}/predict", json=SETOSA, timeout=30).json() == [0]
    finally:
        docker("rm", "-f", container, check=False)


# What the generated haproxy.cfg has and a Kubernetes Service (or an ingress keeping connections
# to the pods) has not: retries, and no server-side keep-alive.
RETRY_LINES = ("    retries 3\n", "    option redispatch 1\n", "    retry-on conn-failure empty-response response-timeout\n",
               "    option http-buffer-request\n", "    option http-server-close\n")


def _roll(image: str, pod: dict, tmp_path: Path, drain: bool, binary: str) -> dict[str, object]:
    """Three containers behind HAProxy, each replaced once under load; the load's outcome.

    `drain`: as Kubernetes does it, with no proxy retries and kept-alive connections reused: the
    old server leaves the rotation first (HAProxy `maint`, as the endpoint is removed), the pod's
    preStop pause passes, then SIGTERM. Else: SIGTERM at once, and the generated config's retries
    cover the seconds until the health checks mark the server down.
    """
    ports = [free_port() for _ in range(4)]  # three serving, one spare for the next new container
    front, stats = free_port(), str(tmp_path / "haproxy.sock")
    servers = [f"127.0.0.1:{p}" for p in ports]
    args = ["--bind", f"127.0.0.1:{front}", "--stats-socket", stats]
    config = run([*VTSSERVING, "deploy", "haproxy", *(a for s in servers for a in ("--server", s)), *args], {}, tmp_path)
    assert all(line in config for line in RETRY_LINES)
    if drain:
        config = "".join(line for line in config.splitlines(keepends=True) if line not in RETRY_LINES)
        config = config.replace("defaults\n", "defaults\n    retries 0\n    http-reuse always\n")
    prestop = int(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][1])
    fleet = Fleet(image, ports, _read_only_args(pod), pod["containers"][0]["args"])
    names = {port: f"s{i}" for i, port in enumerate(ports, 1)}
    try:
        for port in ports[:3]:
            fleet.start(port)
        for port in ports[:3]:
            fleet.wait_ready(port)
        with haproxy(config, tmp_path, binary) as proxy:
            wait_states(stats, {names[p]: "UP" for p in ports[:3]} | {names[ports[3]]: "DOWN"})
            spare, exits, ready_times, maintained = ports[3], [], [], set()
            started = time.monotonic()
            with OpenLoopLoad(f"http://127.0.0.1:{front}/predict", SETOSA, RATE, LOAD_SECONDS_MAX) as load:
                time.sleep(2)
                for old in ports[:3]:
                    fleet.start(spare)
                    ready_times.append(fleet.wait_ready(spare))
                    if spare in maintained:
                        set_state(stats, names[spare], "ready")
                    wait_states(stats, {names[spare]: "UP"})
                    if drain:
                        set_state(stats, names[old], "maint")
                        maintained.add(old)
                        time.sleep(prestop)
                    exits.append(fleet.stop(old))  # SIGTERM; returns once the old server has exited
                    wait_states(stats, {names[old]: "MAINT" if drain else "DOWN"})
                    spare = old
                time.sleep(2)
            roll_seconds = time.monotonic() - started
            assert proxy.poll() is None, proxy.stdout.read() if proxy.stdout else ""
    finally:
        fleet.remove_all()
    result = load.result
    return {"sent": result.sent, "answered": len(result.latencies), "failures": result.failures,
            "p99_ms": round(result.p99_ms, 1), "exit_codes": exits, "roll_s": round(roll_seconds, 1),
            "ready_s": [round(t, 1) for t in ready_times]}


@pytest.mark.parametrize(("key", "drain"), [("iris", False), ("iris", True), ("slow", False)],
                         ids=["iris-sigterm-retries", "iris-drain-prestop", "slow-load-sigterm-retries"])
def test_rolling_update_loses_no_request(
    images: dict[str, str], haproxy_binary: str, tmp_path: Path, key: str, drain: bool,
) -> None:
    pod = _pod(images, key, tmp_path)
    outcome = _roll(images[key], pod, tmp_path, drain, haproxy_binary)
    print(f"\nrolling update ({key}, {'drain + preStop, no retries' if drain else 'SIGTERM + retries'}): {outcome}")
    assert outcome["failures"] == [], outcome
    assert outcome["exit_codes"] == [0, 0, 0], "SIGTERM did not end the server gracefully"
    assert outcome["answered"] == outcome["sent"] >= RATE * 10
    if key == "slow":
        # the new containers were held out of rotation while the model loaded (10 s), and the
        # generated startup probe allows for it
        assert min(outcome["ready_s"]) >= 10
        startup = pod["containers"][0]["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 3 * max(outcome["ready_s"])
