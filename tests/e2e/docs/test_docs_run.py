"""docs/quickstart.md and docs/guides/mlflow.md run as written (`_reader.py` says how a reader runs
a page). Each page starts in a fresh folder, in a terminal with the venv that the quickstart's
install block made (`conftest.py`) and a VTSSERVING_HOME of its own; the first block that fails
fails the test, named by page, place, heading and first line.

The images the pages build start from VtsServing's default base image, `python:X.Y-slim`. No
registry is reachable here, so when the engine has no such image, the local base image
(`VTS_TEST_BASE_IMAGE`, default vtsserving-test-base:bookworm; scripts/provision-docker.sh) is
tagged with that name for the test and untagged after it: the pages keep the default a reader gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _reader import (
    ROOT,
    BlockFailed,
    ci,
    docker_run_images,
    needs_docker,
    page_blocks,
    remove_containers,
    run_page,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

QUICKSTART = ROOT / "docs" / "quickstart.md"
MLFLOW_GUIDE = ROOT / "docs" / "guides" / "mlflow.md"
LOCAL_BASE = os.environ.get("VTS_TEST_BASE_IMAGE", "vtsserving-test-base:bookworm")


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def docker_engine(quickstart_install):
    """None when an engine can run the pages' Docker blocks, else why not (never in CI)."""
    from _reader import docker_problem

    problem = docker_problem()
    if problem is None and _docker("image", "inspect", LOCAL_BASE).returncode != 0:
        problem = f"the local base image {LOCAL_BASE} is missing (scripts/provision-docker.sh builds it)"
    if problem and ci():
        pytest.fail(f"CI=true and the docs' Docker blocks cannot run: {problem}")
    if problem:
        yield problem
        return
    py = subprocess.run(
        [str(quickstart_install.venv / "bin" / "python"), "-c",
         "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    default_base = f"python:{py}-slim"
    tagged = False
    if _docker("image", "inspect", default_base).returncode != 0:
        assert _docker("tag", LOCAL_BASE, default_base).returncode == 0
        tagged = True
    yield None
    if tagged:
        _docker("rmi", default_base)


def _run(page: Path, blocks, terminal, docker) -> None:
    try:
        skipped = run_page(blocks, terminal, docker=docker)
    except BlockFailed as failure:
        pytest.fail(f"{page.relative_to(ROOT)} does not run as written:\n{failure}", pytrace=False)
    finally:
        terminal.close()
        if docker is None:  # what the page started and built goes, as the tests' rule says
            images = docker_run_images(blocks)
            remove_containers(images)
            if images:
                _docker("rmi", "-f", *images)
        report = "\n".join(f"  {seconds:6.1f} s  {what}" for what, seconds in terminal.timings)
        print(f"\n{page.relative_to(ROOT)} block timings:\n{report}", file=sys.stderr)
    if skipped:
        pytest.skip(
            f"{len(skipped)} Docker blocks of {page.relative_to(ROOT)} not run ({docker}); "
            "every other block ran"
        )


def test_quickstart_runs_as_written(quickstart_install, docker_engine, tmp_path: Path) -> None:
    blocks = page_blocks(QUICKSTART)
    assert [b.lang for b in blocks].count("bash") >= 4
    assert any(needs_docker(b) for b in blocks), "the quickstart builds an image"
    # The install block ran in the fixture: go on in the same terminal, where the reader is.
    rest = blocks[quickstart_install.block_index :]
    terminal = quickstart_install.terminal
    _run(QUICKSTART, rest, terminal, docker_engine)
    listed = subprocess.run(
        [str(quickstart_install.venv / "bin" / "vtsserving"), "models", "list", "logistic_regression_model"],
        capture_output=True, text=True, env={**os.environ, **{"VTSSERVING_HOME": terminal.env["VTSSERVING_HOME"]}},
    )
    assert "logistic_regression_model" in listed.stdout, listed.stderr


def test_mlflow_guide_runs_as_written(quickstart_install, docker_engine, tmp_path: Path) -> None:
    blocks = page_blocks(MLFLOW_GUIDE)
    assert sum(b.lang == "python" for b in blocks) >= 8
    folder = tmp_path / "reader"
    folder.mkdir()
    terminal = quickstart_install.terminal.fork(
        folder, tmp_path / "logs", VTSSERVING_HOME=str(tmp_path / "vtsserving-home")
    )
    _run(MLFLOW_GUIDE, blocks, terminal, docker_engine)
    # The guide's store holds what its blocks imported, under the names the blocks gave.
    home = Path(terminal.env["VTSSERVING_HOME"]) / "models"
    assert {"my_sklearn_model", "mlflow_pytorch_mnist"} <= {p.name for p in home.iterdir()}
