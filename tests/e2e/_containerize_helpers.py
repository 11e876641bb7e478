"""Helpers for the container end-to-end tests: free ports, containers and images that clean up."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import shutil
import socket
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx

DOCKER = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else (shutil.which("docker") or "docker")


def docker(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {proc.stderr.strip()[-2000:]}")
    return proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remove_images(*images: str) -> None:
    for image in images:
        docker("rmi", "-f", image, check=False)


@contextlib.contextmanager
def running(image: str, *args: str, port: int | None = None, env: dict[str, str] | None = None,
            user: str | None = None, options: tuple[str, ...] = ()) -> Iterator[str]:
    """A detached container on the host network; removed afterwards, whatever happens.
    `options`: more `docker run` options (volumes, tmpfs)."""
    cmd = ["run", "-d", "--network", "host", *options]
    for key, value in (env or {}).items():
        cmd += ["-e", f"{key}={value}"]
    if user:
        cmd += ["--user", user]
    container = docker(*cmd, image, *args).stdout.strip()
    try:
        yield container
    finally:
        docker("rm", "-f", container, check=False)


def wait_http(url: str, container: str, timeout: float = 120) -> httpx.Response:
    """GET `url` until it answers 200; fails with the container's log when it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
        state = docker("inspect", "-f", "{{.State.Running}}", container, check=False).stdout.strip()
        if state != "true":
            break
        time.sleep(0.5)
    logs = docker("logs", container, check=False)
    raise AssertionError(f"{url} never answered; container log:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")


def post_predict(port: int, body: object, timeout: float = 90) -> httpx.Response:
    """POST /predict; a 503 (a worker still loading its model) is retried, as a client would."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.post(f"http://127.0.0.1:{port}/predict", json=body, timeout=60)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def make_wheel(folder: Path, name: str, version: str, code: str, extra: dict[str, str] | None = None) -> Path:
    """A minimal valid pure-Python wheel; `extra` adds files (path in the wheel -> text)."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": code,
        **(extra or {}),
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: vts-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


def layer_created_by(image: str, command: str) -> str:
    """The diff id of the image layer whose history line contains `command`."""
    proc = subprocess.Popen([DOCKER, "save", image], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    documents: dict[str, bytes] = {}
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".json"):
                documents[member.name] = tar.extractfile(member).read()  # type: ignore[union-attr]
    proc.wait()
    manifest = json.loads(documents["manifest.json"])[0]
    config = json.loads(documents[manifest["Config"]])
    layers = iter(config["rootfs"]["diff_ids"])
    for entry in config["history"]:
        diff_id = None if entry.get("empty_layer") else next(layers)
        if command in entry.get("created_by", "") and diff_id:
            return diff_id
    raise AssertionError(f"no layer of {image} was made by {command!r}")


def make_vts(root: Path, base_image: str, requirements: str, name: str = "tiny", version: str = "v1") -> Path:
    """A hand-made vts folder (its service is never imported): enough to exercise the image build."""
    from vtsserving.containerize import DockerOptions, write_docker_files

    (root / "src").mkdir(parents=True)
    (root / "src" / "service.py").write_text("VALUE = 1\n")
    model = root / "models" / "m" / "v1"
    model.mkdir(parents=True)
    (model / "model.yaml").write_text("name: m\nversion: v1\n")
    (root / "models" / "m" / "latest").write_text("v1\n")
    python = root / "env" / "python"
    (python / "wheels").mkdir(parents=True)
    (python / "requirements.txt").write_text(requirements)
    (python / "version.txt").write_text("3.11\n")
    (root / "vts.yaml").write_text(
        f"service: 'service:svc'\nname: {name}\nversion: {version}\ncreation_time: '2026-01-02T03:04:05+00:00'\n"
        f"docker:\n  base_image: {base_image}\n"
    )
    write_docker_files(root, DockerOptions(base_image=base_image), python_version="3.11", conda=False)
    return root
