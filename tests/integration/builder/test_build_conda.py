"""Conda environments. Conda channels are not reachable from the test machine, so `conda-lock lock`
itself is never run here (it fails on DNS after about a minute): the lock step is tested with a
lock file from tests/fixtures/conda/ placed in the lock cache, and the real `conda-lock render`
turns it into the explicit per-platform file; a failing lock is injected."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import vtsserving
from vtsserving.builder import conda_env
from vtsserving.builder._cache import cache_dir, hash_of
from vtsserving.cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "conda"


def _conda_ctx(make_ctx, **conda):
    files = {"env/conda.yaml": (FIXTURES / "conda.yaml").read_text()}
    return make_ctx({"service": "service:svc", "conda": {"environment_yml": "env/conda.yaml", **conda}}, files=files)


def test_mlflow_conda_yaml_merged_with_vtsfile_keys(make_ctx) -> None:
    ctx = _conda_ctx(make_ctx, channels=["pytorch"], dependencies=["libgomp"], pip=["httpx"])
    vts = vtsserving.build(build_ctx=ctx)
    env = yaml.safe_load(Path(vts.path, "env/conda/environment.yml").read_text())
    assert env["channels"] == ["conda-forge", "pytorch"]
    assert env["dependencies"][:3] == ["python=3.11.7", "pip<=25.3", "libgomp"]
    assert env["dependencies"][-1]["pip"] == [
        "mlflow==3.17.2", "cloudpickle==3.1.2", "numpy==2.3.5", "scikit-learn==1.7.2", "httpx"]
    assert vts.info.conda["environment_yml"] == "env/conda/environment.yml"
    assert vts.info.docker["python_version"] == "3.11"  # from the environment's python=3.11.7
    assert "micromamba" in Path(vts.path, "env/docker/Dockerfile").read_text()


def test_conda_from_keys_only_gets_python(make_ctx) -> None:
    ctx = make_ctx({"service": "service:svc", "docker": {"python_version": "3.12"},
                    "conda": {"dependencies": ["numpy"], "pip": ["pyyaml"]}})
    vts = vtsserving.build(build_ctx=ctx)
    env = yaml.safe_load(Path(vts.path, "env/conda/environment.yml").read_text())
    assert env["channels"] == ["defaults"]
    assert env["dependencies"] == ["python=3.12", "numpy", "pip", {"pip": ["pyyaml"]}]


def test_conda_lock_from_cache_is_rendered(make_ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTSSERVING_CACHE_DIR", str(tmp_path / "cache"))
    ctx = _conda_ctx(make_ctx, lock_packages=True)
    # The environment.yml the build will lock, so the fixture lock lands under its cache key.
    env_text = yaml.safe_dump(conda_env.environment(vtsserving.builder.CondaOptions(
        environment_yml=str(ctx / "env/conda.yaml")), "3.11"), sort_keys=False)
    key = hash_of({"env": env_text, "platform": conda_env.PLATFORM})
    shutil.copy(FIXTURES / "conda-lock.yml", cache_dir("conda-locks") / f"{key}.yml")

    vts = vtsserving.build(build_ctx=ctx)
    root = Path(vts.path, "env/conda")
    assert (root / "conda-lock.yml").read_text() == (FIXTURES / "conda-lock.yml").read_text()
    explicit = (root / "conda-linux-64.lock").read_text()
    assert "@EXPLICIT" in explicit and "python-3.11.7-hab00c5b_1_cpython.conda#27cf6812" in explicit
    assert vts.info.conda["lock_file"] == "env/conda/conda-linux-64.lock"


def test_conda_lock_failure_is_one_line(make_ctx, store_items, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTSSERVING_CACHE_DIR", str(tmp_path / "cache"))
    failing = [sys.executable, "-c",
               "import sys; sys.stderr.write('PackagesNotFoundError: libnothing\\n'); sys.exit(1)"]
    monkeypatch.setattr(conda_env, "_conda_lock_cmd", lambda: failing)  # failure injection
    ctx = _conda_ctx(make_ctx, lock_packages=True)
    result = CliRunner().invoke(cli, ["build", "-q", str(ctx)])  # -q: no progress lines
    assert result.exit_code != 0
    assert result.output.strip() == (
        "Error: conda.lock_packages: conda-lock lock failed: PackagesNotFoundError: libnothing")
    assert store_items() == []


def test_render_fixture_lock_with_real_conda_lock(tmp_path: Path) -> None:
    out = conda_env.render_explicit(FIXTURES / "conda-lock.yml", tmp_path)
    lines = out.read_text().splitlines()
    assert "@EXPLICIT" in lines
    assert any(ln.startswith("https://conda.anaconda.org/conda-forge/noarch/pip-24.0") for ln in lines)
