"""Lock Python requirements for the image's Python and platform, not for the machine that builds.

uv (the default) resolves for any target (`uv pip compile --python-version X.Y --python-platform
x86_64-manylinux_2_28`), so a laptop, a CI runner and another Python give the same lock.
pip-tools (`python.lock_tool: pip-tools`) resolves for the interpreter that runs it, so it is
refused when that is not the image's. A lock holds no index URL, trusted host or find-links line
(no credential can land in it); the same inputs and target reuse the cached lock.
"""

from __future__ import annotations

import logging
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import BuildError, ConfigError, MissingDependency
from ._cache import cache_dir, hash_of, write_atomic
from ._uv import find_uv

logger = logging.getLogger("vtsserving.build")

LOCK_TOOLS = ("uv", "pip-tools")
DEFAULT_PLATFORM = "x86_64-manylinux_2_28"
_TIMEOUT_S = 900


@dataclass(frozen=True)
class LockTarget:
    """What the lock is resolved for: the image's Python `X.Y` and uv's platform name."""

    python: str
    platform: str = DEFAULT_PLATFORM

    @property
    def arch(self) -> str:
        return self.platform.split("-", 1)[0]


@dataclass(frozen=True)
class LockInput:
    """What decides a lock besides the target and the tool."""

    text: str
    constraints: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    wheels: list[str] = field(default_factory=list)
    pip_args: str | None = None


def _wheel_fingerprint(path: str) -> tuple[str, int, int]:
    stat = Path(path).stat()
    return Path(path).name, stat.st_size, int(stat.st_mtime)


def lock_key(inputs: LockInput, target: LockTarget, tool: str, tool_version: str) -> str:
    """The cache key: the inputs, local wheels, pip args, the target and the locking tool."""
    return hash_of({
        "input": inputs.text,
        "constraints": inputs.constraints,
        "find_links": inputs.find_links,
        "wheels": [_wheel_fingerprint(w) for w in inputs.wheels],
        "pip_args": inputs.pip_args,
        "target": [target.python, target.platform],
        "tool": [tool, tool_version],
    })


def compile_lock(inputs: LockInput, target: LockTarget, tool: str = "uv") -> str:
    """The lock file's text for `inputs` on `target`; the same inputs reuse the cached lock."""
    if tool == "pip-tools":
        _check_pip_tools_target(target)
    exe = _uv() if tool == "uv" else None
    key = lock_key(inputs, target, tool, _tool_version(tool, exe))
    cached = cache_dir("locks") / f"{key}.txt"
    if cached.is_file():
        logger.debug("reusing the cached lock %s", cached)
        return cached.read_text()
    text = _run_uv(exe, inputs, target) if exe else _run_pip_compile(inputs)
    write_atomic(cached, text.encode())
    return text


def _uv() -> str:
    exe = find_uv()
    if exe is None:
        raise MissingDependency(
            "python.lock_packages: uv not found (pip install uv), or set python.lock_tool: pip-tools"
        )
    return exe


def _tool_version(tool: str, exe: str | None) -> str:
    if exe is None:
        import importlib.metadata

        try:
            return importlib.metadata.version("pip-tools")
        except importlib.metadata.PackageNotFoundError:
            raise MissingDependency(
                "python.lock_tool: pip-tools is not installed (pip install 'vtsserving[pip-tools]'),"
                " or use lock_tool: uv"
            ) from None
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    return proc.stdout.strip()


def _check_pip_tools_target(target: LockTarget) -> None:
    """pip-tools resolves for its own interpreter: refuse when that is not the image's."""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    if here != target.python or sys.platform != "linux" or machine != target.arch:
        raise ConfigError(
            f"python.lock_tool: pip-tools locks for the Python that runs the build ({here} on "
            f"{sys.platform}/{machine}), not for the image's (Python {target.python}, {target.platform}):"
            f" build with Python {target.python} on Linux {target.arch}, or use lock_tool: uv"
        )


def _tool_env() -> dict[str, str]:
    """uv reads SSL_CERT_FILE, not pip's PIP_CERT: pass a pip CA bundle on to it."""
    env = dict(os.environ)
    if not env.get("SSL_CERT_FILE") and env.get("PIP_CERT") and Path(env["PIP_CERT"]).is_file():
        env["SSL_CERT_FILE"] = env["PIP_CERT"]
    return env


def _write_input(tmp: Path, inputs: LockInput) -> Path:
    text = inputs.text
    if inputs.constraints:
        (tmp / "constraints.txt").write_text("\n".join(inputs.constraints) + "\n")
        text = "-c constraints.txt\n" + text
    src = tmp / "requirements.in"
    src.write_text(text)
    return src


def _link_args(inputs: LockInput) -> list[str]:
    args: list[str] = []
    for link in inputs.find_links + sorted({str(Path(w).parent) for w in inputs.wheels}):
        args += ["--find-links", link]
    return args


def _run_uv(exe: str, inputs: LockInput, target: LockTarget) -> str:
    with tempfile.TemporaryDirectory(prefix="vts-lock-") as tmp:
        src = _write_input(Path(tmp), inputs)
        cmd = [exe, "pip", "compile", "--quiet", "--no-header", "--no-emit-index-url",
               "--no-emit-find-links", "--python-version", target.python,
               "--python-platform", target.platform, "--output-file", "requirements.lock.txt",
               *_link_args(inputs), *shlex.split(inputs.pip_args or ""), src.name]
        return _run("uv pip compile", cmd, Path(tmp))


def _run_pip_compile(inputs: LockInput) -> str:
    with tempfile.TemporaryDirectory(prefix="vts-lock-") as tmp:
        src = _write_input(Path(tmp), inputs)
        cmd = [sys.executable, "-m", "piptools", "compile", "--quiet", "--no-header",
               "--strip-extras", "--allow-unsafe", "--no-emit-find-links", "--no-emit-index-url",
               "--no-emit-trusted-host", "--resolver=backtracking",
               "--output-file", "requirements.lock.txt", *_link_args(inputs)]
        if inputs.pip_args:
            cmd += ["--pip-args", inputs.pip_args]
        return _run("pip-compile", cmd + [src.name], Path(tmp))


def _run(name: str, cmd: list[str], cwd: Path) -> str:
    logger.info("locking Python requirements: %s", shlex.join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, cwd=cwd, env=_tool_env())
    except subprocess.TimeoutExpired:
        raise BuildError(f"python.lock_packages: {name} took over {_TIMEOUT_S} s") from None
    out = cwd / "requirements.lock.txt"
    if proc.returncode != 0 or not out.is_file():
        raise BuildError(f"python.lock_packages: {name} failed: {_reason(proc.stderr or proc.stdout)}")
    return out.read_text()


def _reason(output: str) -> str:
    """The lines of the locking tool's output that say why it failed."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip() and not ln.startswith("WARNING: Location")]
    errors = [ln for ln in lines if any(w in ln.lower() for w in ("error", "could not", "conflict", "because"))]
    picked = errors[-3:] if errors else lines[-3:]
    return " | ".join(picked) or "no output"
