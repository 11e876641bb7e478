"""containerize's input checks, the build log parser and the CLI's error lines (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vtsserving.cli import cli
from vtsserving.containerize.buildlog import BuildLog
from vtsserving.containerize.image import (
    _check_secret,
    image_reference,
    resolve_vts,
    vts_docker_options,
)
from vtsserving.exceptions import ConfigError, InvalidArgument, NotFound
from vtsserving.store import Store

BUILDKIT_FAILURE = """\
#9 [vts-builder 2/3] COPY env/python/ /tmp/vts-env/python/
#9 DONE 0.0s
#10 [vts-builder 3/3] RUN UV=/opt/uv/bin/uv bash /tmp/vts-env/python/install.sh
#10 0.412 [vts] installing with uv 0.13.9
#10 0.902 error: No solution found when resolving dependencies
#10 0.903   cause: Because nonexistent-pkg was not found in the package registry
#10 ERROR: executor failed running [/bin/sh -c UV=/opt/uv/bin/uv bash install.sh]: exit code: 1
------
 > [vts-builder 3/3] RUN UV=/opt/uv/bin/uv bash /tmp/vts-env/python/install.sh:
------
error: failed to solve: exit code: 1
"""

LEGACY_FAILURE = """\
Step 7/20 : RUN PIP_NO_CACHE_DIR=1 bash /tmp/vts-env/python/install.sh
 ---> Running in 78e8a0d4d345
[vts] installing with pip
ERROR: Could not find a version that satisfies the requirement nonexistent-pkg==1.0
 ---> Removing intermediate container 78e8a0d4d345
The command '/bin/sh -c bash install.sh' returned a non-zero code: 1
"""

BUILDAH_FAILURE = """\
[1/3] STEP 4/4: RUN useradd vts
--> 58dd4e4f094
[2/3] STEP 4/4: RUN bash /tmp/vts-env/python/install.sh
error: No solution found when resolving dependencies
error building at STEP "RUN bash /tmp/vts-env/python/install.sh": exit status 1
"""


@pytest.mark.parametrize(
    ("log", "step", "message"),
    [
        (BUILDKIT_FAILURE, "[vts-builder 3/3] RUN UV=/opt/uv/bin/uv bash", "nonexistent-pkg was not found"),
        (LEGACY_FAILURE, "RUN PIP_NO_CACHE_DIR=1 bash", "Could not find a version that satisfies"),
        (BUILDAH_FAILURE, "RUN bash /tmp/vts-env/python/install.sh", "No solution found"),
    ],
)
def test_failure_names_the_step_and_its_error(log: str, step: str, message: str) -> None:
    lines: list[str] = []
    build_log = BuildLog("plain", lines.append)
    for line in log.splitlines():
        build_log.feed(line)
    assert lines == log.splitlines()  # plain mode streams every line
    failure = build_log.failure()
    assert failure.startswith(f"step {step}")
    assert message in failure
    assert "Removing intermediate" not in failure


def test_image_references() -> None:
    assert image_reference("iris", "v1") == "iris:v1"
    assert image_reference("127.0.0.1:5000/team/iris:2", "v1") == "127.0.0.1:5000/team/iris:2"
    assert image_reference("localhost:5000/iris", "v1") == "localhost:5000/iris:v1"
    for bad in ("Iris:1", "iris:", "iris:a:b", "", "-iris", "iris:bad tag"):
        with pytest.raises(InvalidArgument, match="invalid image reference"):
            image_reference(bad, "v1")


def test_secret_specs(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret")
    assert _check_secret(f"id=pip_index_url,src={token}") == f"id=pip_index_url,src={token}"
    with pytest.raises(InvalidArgument, match="must look like id=ID,src=FILE"):
        _check_secret(f"src={token}")
    with pytest.raises(InvalidArgument, match="file .* does not exist"):
        _check_secret(f"id=netrc,src={tmp_path / 'missing'}")


def test_unknown_tag_is_not_found(vts_home: Path) -> None:
    with pytest.raises(NotFound, match="vts 'nope' not found"):
        resolve_vts("nope:1")


def test_vts_resolves_from_the_store(vts_home: Path) -> None:
    store = Store(vts_home / "vts", "vts", "vts.yaml")
    with store.create("iris_svc:v1") as (_, tmp):
        (tmp / "vts.yaml").write_text("name: iris_svc\nversion: v1\n")
        (tmp / "env" / "python").mkdir(parents=True)
        (tmp / "env" / "python" / "version.txt").write_text("3.12.1\n")
    tag, path = resolve_vts("iris_svc:latest")
    assert str(tag) == "iris_svc:v1" and path == vts_home / "vts" / "iris_svc" / "v1"
    docker, python, conda = vts_docker_options(path)
    assert (python, conda, docker.base_image) == ("3.12", False, None)


def test_bad_docker_section_in_vts_yaml_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "vts.yaml").write_text("name: a\nversion: b\ndocker:\n  python_version: two\n")
    with pytest.raises(ConfigError, match=r"vts.yaml: docker.python_version: .*3.11"):
        vts_docker_options(tmp_path)


def test_cli_errors_are_one_line_with_exit_codes(vts_home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["containerize", "nope:1"])
    assert result.exit_code == 3 and "Error: vts 'nope' not found" in result.output
    (tmp_path / "vts.yaml").write_text("name: a\nversion: b\n")
    result = runner.invoke(cli, ["containerize", str(tmp_path), "-t", "Bad:Tag"])
    assert result.exit_code == 2 and "invalid image reference 'Bad:Tag'" in result.output
    result = runner.invoke(cli, ["containerize", str(tmp_path), "--label", "novalue", "--backend", "podman"])
    assert result.exit_code != 0 and "Traceback" not in result.output
