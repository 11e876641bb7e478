"""Find a build tool and turn a build request into its command line.

docker: buildx when a client has it, else BuildKit through a client that has it built in
(`DOCKER_BUILDKIT=1`, clients before 23.0), else the legacy builder. buildah: no daemon,
`--isolation chroot`, vfs storage where overlay is not available. podman: `podman build`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import InvalidArgument, MissingDependency

BACKENDS = ("docker", "buildah", "podman")
_PROVISION = "install and start one (as root: scripts/provision-docker.sh)"


@dataclass(frozen=True)
class BuildRequest:
    """Everything a backend needs to build one image."""

    context: Path
    dockerfile: Path
    tags: list[str]
    iidfile: Path
    base_image: str
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    platform: str | None = None
    no_cache: bool = False
    network: str | None = None
    pull: bool = False
    target: str | None = None
    cache_args: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Backend:
    """A build tool found on this machine and how it builds."""

    name: str  # docker | buildah | podman
    builder: str  # buildx | buildkit | legacy | buildah | podman
    executable: str
    features: str  # key of dockerfile.FEATURES
    env: dict[str, str] = field(default_factory=dict)
    storage_driver: str | None = None

    def describe(self) -> str:
        what = {"buildx": "docker buildx (BuildKit)", "buildkit": "docker with DOCKER_BUILDKIT=1",
                "legacy": "docker legacy builder"}.get(self.builder, self.builder)
        return f"{what} via {self.executable}"

    def build_command(self, req: BuildRequest) -> list[str]:
        if self.name == "docker":
            return self._docker_build(req)
        return self._oci_build(req)

    def tag_command(self, image: str, ref: str) -> list[str]:
        """Give the built `image` one more name."""
        return [*self.tool_command(), "tag", image, ref]

    def push_command(self, tag: str) -> list[str]:
        if self.name == "docker":
            return [self.executable, "push", tag]
        cmd = [*self.tool_command(), "push"]
        if _is_local_registry(tag):
            cmd.append("--tls-verify=false")
        return [*cmd, tag, f"docker://{tag}"]

    def tool_command(self) -> list[str]:
        """The executable with its global options (buildah's storage driver)."""
        if self.storage_driver:
            return [self.executable, "--storage-driver", self.storage_driver]
        return [self.executable]

    def _docker_build(self, req: BuildRequest) -> list[str]:
        if self.builder == "buildx":
            cmd = [self.executable, "buildx", "build", "--load", "--progress", "plain"]
        elif self.builder == "buildkit":
            cmd = [self.executable, "build", "--progress", "plain"]
        else:
            cmd = [self.executable, "build", "--rm", "--force-rm"]
        if req.secrets and self.builder == "legacy":
            raise InvalidArgument(
                "--secret needs BuildKit (docker buildx, or a docker client before 23.0 with "
                "DOCKER_BUILDKIT=1) or --backend buildah; the legacy builder has no build secrets"
            )
        pull = ["--pull"] if req.pull else []
        return [*cmd, *_common_args(req), *pull, *req.cache_args, str(req.context)]

    def _oci_build(self, req: BuildRequest) -> list[str]:
        verb = "bud" if self.name == "buildah" else "build"
        cmd = [*self.tool_command(), verb, "--layers"]
        if self.name == "buildah":
            cmd += ["--isolation", "chroot"]
            if _in_docker_daemon(req.base_image) and not self._has_image(req.base_image):
                cmd += ["--from", f"docker-daemon:{req.base_image}"]
        pull = ["--pull=always"] if req.pull else []
        return [*cmd, *_common_args(req), *pull, *req.cache_args, str(req.context)]

    def _has_image(self, image: str) -> bool:
        proc = run_quiet([*self.tool_command(), "image", "exists", image])
        return proc is not None and proc.returncode == 0


def _common_args(req: BuildRequest) -> list[str]:
    args = ["-f", str(req.dockerfile), "--iidfile", str(req.iidfile)]
    for tag in req.tags:
        args += ["-t", tag]
    for key, value in req.labels.items():
        args += ["--label", f"{key}={value}"]
    for key, value in req.build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    for secret in req.secrets:
        args += ["--secret", secret]
    if req.platform:
        args += ["--platform", req.platform]
    if req.no_cache:
        args.append("--no-cache")
    if req.network:
        args += ["--network", req.network]
    if req.target:
        args += ["--target", req.target]
    return args


def run_quiet(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str] | None:
    """Run a tool for its output; None when it cannot be started or times out."""
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _is_local_registry(tag: str) -> bool:
    host = tag.split("/", 1)[0] if "/" in tag else ""
    return host.split(":")[0] in ("localhost", "127.0.0.1", "[::1]")


def _in_docker_daemon(image: str) -> bool:
    docker = shutil.which("docker") or "/usr/bin/docker"
    proc = run_quiet([docker, "image", "inspect", "--format", "{{.Id}}", image])
    return proc is not None and proc.returncode == 0


def _candidates(tool: str) -> list[str]:
    """Every distinct `tool` executable on PATH, then /usr/bin's."""
    found: list[str] = []
    for folder in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin"]:
        path = Path(folder or ".") / tool
        if path.is_file() and os.access(path, os.X_OK):
            real = str(path.resolve())
            if real not in {str(Path(f).resolve()) for f in found}:
                found.append(str(path))
    return found


def detect(name: str = "docker") -> Backend:
    """The backend `name` as found on this machine; one-line error when it is not usable."""
    if name == "docker":
        return _detect_docker()
    if name == "buildah":
        return _detect_oci("buildah", "apt-get install buildah")
    if name == "podman":
        return _detect_oci("podman", "apt-get install podman")
    raise InvalidArgument(f"unknown backend {name!r}: expected one of {', '.join(BACKENDS)}")


def _docker_client(exe: str) -> tuple[str, str] | None:
    """(client version, engine version) or None when `exe` cannot reach an engine."""
    proc = run_quiet([exe, "version", "--format", "{{.Client.Version}}|{{.Server.Version}}"])
    if proc is None or proc.returncode != 0:
        return None
    client, _, server = proc.stdout.strip().partition("|")
    return (client, server) if server else None


def _detect_docker() -> Backend:
    clients = _candidates("docker")
    if not clients:
        raise MissingDependency(
            "no `docker` client found (looked on PATH and in /usr/bin): "
            f"{_PROVISION}, or use --backend buildah"
        )
    reachable = [(exe, v) for exe in clients if (v := _docker_client(exe))]
    if not reachable:
        host = os.environ.get("DOCKER_HOST", "the default socket /var/run/docker.sock")
        raise MissingDependency(
            f"no Docker engine reachable at {host} (tried {', '.join(clients)}): "
            f"start dockerd or set DOCKER_HOST; {_PROVISION}"
        )
    if os.environ.get("DOCKER_BUILDKIT") == "0":
        return Backend("docker", "legacy", reachable[0][0], "legacy", {"DOCKER_BUILDKIT": "0"})
    for exe, _ in reachable:
        proc = run_quiet([exe, "buildx", "version"])
        if proc is not None and proc.returncode == 0:
            return Backend("docker", "buildx", exe, "buildkit")
    for exe, (client, _) in reachable:
        if _major(client) < 23:
            return Backend("docker", "buildkit", exe, "buildkit", {"DOCKER_BUILDKIT": "1"})
    return Backend("docker", "legacy", reachable[0][0], "legacy", {"DOCKER_BUILDKIT": "0"})


def _major(version: str) -> int:
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 0


def _detect_oci(tool: str, install_hint: str) -> Backend:
    exe = shutil.which(tool)
    if exe is None:
        raise MissingDependency(f"no `{tool}` found on PATH: {install_hint}, or use --backend docker")
    driver = _storage_driver() if tool == "buildah" else None
    backend = Backend(tool, tool, exe, tool, storage_driver=driver)
    proc = run_quiet([*backend.tool_command(), "version"])
    if proc is None or proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1] if proc else "timed out"
        raise MissingDependency(f"`{tool} version` failed ({detail}): check the {tool} installation")
    return backend


def _storage_driver() -> str:
    """The storage driver buildah already uses, else overlay where the kernel offers it, else vfs."""
    forced = os.environ.get("VTSSERVING_BUILDAH_STORAGE_DRIVER") or os.environ.get("STORAGE_DRIVER")
    if forced:
        return forced
    root = Path("/var/lib/containers/storage") if os.geteuid() == 0 else (
        Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "containers/storage"
    )
    for driver in ("overlay", "vfs"):
        if (root / f"{driver}-images").is_dir():
            return driver
    try:
        overlay = "overlay" in Path("/proc/filesystems").read_text()
    except OSError:
        overlay = False
    return "overlay" if overlay and _fs_type(root) != "overlay" else "vfs"


def _fs_type(path: Path) -> str:
    while not path.exists():
        path = path.parent
    proc = run_quiet(["stat", "-f", "-c", "%T", str(path)])
    return proc.stdout.strip() if proc and proc.returncode == 0 else ""
