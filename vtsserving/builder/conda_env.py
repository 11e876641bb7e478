"""The conda environment of a vts: `env/conda/environment.yml`, locked with conda-lock on request."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .._validation import yaml_problem
from ..exceptions import BuildError, ConfigError, MissingDependency
from ._cache import cache_dir, hash_of, write_atomic
from .config import CondaOptions

logger = logging.getLogger("vtsserving.build")

ENV_FILE = "environment.yml"
LOCK_FILE = "conda-lock.yml"
PLATFORM = "linux-64"
EXPLICIT_FILE = f"conda-{PLATFORM}.lock"
_TIMEOUT_S = 1800


def _read_env_file(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"conda.environment_yml: {path} is not valid YAML{yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"conda.environment_yml: {path} must hold a mapping")
    return data


def environment(options: CondaOptions, python_version: str | None) -> dict[str, Any]:
    """The merged environment: the file's content, then the vtsfile's channels, deps and pip."""
    base = _read_env_file(options.environment_yml) if options.environment_yml else {}
    channels = list(base.get("channels") or [])
    channels += [c for c in options.channels if c not in channels]
    deps: list[Any] = []
    pip: list[str] = []
    for dep in base.get("dependencies") or []:
        if isinstance(dep, dict) and "pip" in dep:
            pip += list(dep["pip"] or [])
        else:
            deps.append(str(dep))
    deps += [d for d in options.dependencies if d not in deps]
    pip += [p for p in options.pip if p not in pip]
    if python_version and not any(_dep_name(d) == "python" for d in deps):
        deps.insert(0, f"python={python_version}")
    if pip and not any(_dep_name(d) == "pip" for d in deps):
        deps.append("pip")
    env: dict[str, Any] = {"name": "vts", "channels": channels or ["defaults"], "dependencies": deps}
    if pip:
        env["dependencies"] = deps + [{"pip": pip}]
    return env


def _dep_name(dep: str) -> str:
    for sep in ("=", "<", ">", "!", " ", "["):
        dep = dep.split(sep, 1)[0]
    return dep.split("::")[-1].strip().lower()


def python_version_of(env: dict[str, Any]) -> str | None:
    """`X.Y` of the `python=X.Y[.Z]` dependency of a conda environment, if any."""
    for dep in env.get("dependencies") or []:
        if isinstance(dep, str) and _dep_name(dep) == "python":
            version = dep.split("python", 1)[1].lstrip("=<>! ").split("=")[0]
            parts = version.split(".")
            if len(parts) >= 2 and parts[0].isdigit():
                return f"{parts[0]}.{parts[1]}"
    return None


def write_conda_env(env_dir: Path, options: CondaOptions, python_version: str) -> dict[str, Any]:
    """Write `environment.yml` (and the locks when asked); return what vts.yaml records."""
    env_dir.mkdir(parents=True, exist_ok=True)
    env = environment(options, python_version)
    text = yaml.safe_dump(env, sort_keys=False)
    (env_dir / ENV_FILE).write_text(text)
    record: dict[str, Any] = {"environment_yml": f"env/conda/{ENV_FILE}", "channels": env["channels"],
                              "lock_file": None}
    if options.lock_packages:
        lock_text = lock_environment(text)
        (env_dir / LOCK_FILE).write_text(lock_text)
        render_explicit(env_dir / LOCK_FILE, env_dir)
        record["lock_file"] = f"env/conda/{EXPLICIT_FILE}"
    return record


def _conda_lock_cmd() -> list[str]:
    exe = shutil.which("conda-lock") or str(Path(sys.executable).with_name("conda-lock"))
    if not Path(exe).is_file():
        raise MissingDependency("conda.lock_packages needs conda-lock: pip install 'vtsserving[conda]'")
    return [exe]


def lock_environment(env_text: str) -> str:
    """`conda-lock lock` for linux-64 (cached by input); the text of `conda-lock.yml`."""
    cached = cache_dir("conda-locks") / f"{hash_of({'env': env_text, 'platform': PLATFORM})}.yml"
    if cached.is_file():
        return cached.read_text()
    with tempfile.TemporaryDirectory(prefix="vts-conda-lock-") as tmp:
        src, out = Path(tmp) / ENV_FILE, Path(tmp) / LOCK_FILE
        src.write_text(env_text)
        cmd = _conda_lock_cmd() + ["lock", "--file", str(src), "--platform", PLATFORM, "--lockfile", str(out)]
        _run(cmd, tmp, "conda-lock lock")
        text = out.read_text()
    write_atomic(cached, text.encode())
    return text


def render_explicit(lock_file: Path, out_dir: Path) -> Path:
    """`conda-lock render --kind explicit`: the per-platform file `conda create --file` takes."""
    cmd = _conda_lock_cmd() + ["render", "--kind", "explicit", "--platform", PLATFORM,
                               "--filename-template", "conda-{platform}.lock", str(lock_file)]
    _run(cmd, str(out_dir), "conda-lock render")
    out = out_dir / EXPLICIT_FILE
    if not out.is_file():
        raise BuildError(f"conda.lock_packages: conda-lock render wrote no {EXPLICIT_FILE}")
    return out


def _run(cmd: list[str], cwd: str, what: str) -> None:
    logger.info("%s: %s", what, " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise BuildError(f"conda.lock_packages: {what} took over {_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        reason = " | ".join(lines[-3:]) or f"exit code {proc.returncode}"
        raise BuildError(f"conda.lock_packages: {what} failed: {reason}")
