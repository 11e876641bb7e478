"""The user's flow, run through the CLI as a CI pipeline would: train, import, build, containerize."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VTSSERVING = [sys.executable, "-m", "vtsserving"]


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float = 900) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc.stdout


def build_vts(project: Path, env: dict[str, str], model_tag: str) -> str:
    """`export VTSSERVING_MLFLOW_MODEL_PATH=$(vtsserving models get TAG -o path); vtsserving build`."""
    model_path = run([*VTSSERVING, "models", "get", model_tag, "-o", "path"], env, project).strip()
    env = {**env, "VTSSERVING_MLFLOW_MODEL_PATH": model_path}
    return run([*VTSSERVING, "build", "-o", "tag"], env, project).strip().splitlines()[-1]


def containerize(tag: str, env: dict[str, str], cwd: Path, *extra: str) -> tuple[dict, str]:
    """`vtsserving containerize TAG -o json`: the JSON result and the build log (stderr)."""
    cmd = [*VTSSERVING, "containerize", tag, "--progress", "plain", "-o", "json", *extra]
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=1500)
    if proc.returncode != 0:
        raise AssertionError(f"containerize failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return json.loads(proc.stdout), proc.stderr
