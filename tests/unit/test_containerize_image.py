"""containerize's input checks, the build log parser and the CLI's error lines (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vtsserving.cli import cli
from vtsserving.containerize.buildlog import BuildLog
from vtsserving.containerize.image import check_secret as _check_secret
from vtsserving.containerize.image import image_reference, vts_docker_options
from vtsserving.exceptions import ConfigError, InvalidArgument, NotFound
from vtsserving.vts import Vts, resolve, vts_store

VTS_YAML = 'service: "service:svc"\nname: {name}\nversion: {version}\n'

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


APT_FAILURE = """\
#6 [vts-base 2/3] RUN --mount=type=cache,target=/var/cache/apt,sharing=locked set -eux;     apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q nosuchdeb
#6 0.310 + apt-get update -q
#6 1.52 Reading package lists...
#6 1.60 E: Unable to locate package nosuchdeb
#6 ERROR: executor failed running [/bin/sh -c set -eux; apt-get install -y -q nosuchdeb]: exit code: 100
"""

UV_PLATFORM_FAILURE = """\
#12 [vts-builder 4/5] RUN --mount=type=secret,id=netrc,target=/run/secrets/netrc SOURCE_DATE_EPOCH=315532800 UV=/opt/uv/bin/uv bash /tmp/vts-env/python/install.sh --deps
#12 0.41 error: Failed to determine installation plan
#12 0.41   cause: A path (/tmp/w-1.0-cp311-cp311-win_amd64.whl) dependency is incompatible with the current platform
#12 0.41 hint: The wheel is compatible with Windows (`win_amd64`), but you're on Linux (`manylinux_2_36_x86_64`)
#12 ERROR: executor failed running [/bin/sh -c bash install.sh --deps]: exit code: 2
"""

DISK_FAILURE = """\
Step 9/20 : COPY models/big /home/vts/vts/models/big
failed to copy files: copy file range failed: no space left on device
"""


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (BUILDKIT_FAILURE, "[vts-builder 3/3] RUN bash /tmp/vts-env/python/install.sh: "
                           "Because nonexistent-pkg was not found in the package registry"),
        (LEGACY_FAILURE, "RUN bash /tmp/vts-env/python/install.sh: "
                         "ERROR: Could not find a version that satisfies the requirement nonexistent-pkg==1.0"),
        (APT_FAILURE, "apt-get install -y -q nosuchdeb: E: Unable to locate package nosuchdeb"),
        (UV_PLATFORM_FAILURE, "install.sh --deps: A path (/tmp/w-1.0-cp311-cp311-win_amd64.whl) dependency is "
                              "incompatible with the current platform (hint: The wheel is compatible with Windows"),
        (DISK_FAILURE, "COPY models/big /home/vts/vts/models/big: failed to copy files: copy file range failed: "
                       "no space left on device"),
    ],
)
def test_reason_is_one_line_with_the_step_and_the_tools_own_words(log: str, expected: str) -> None:
    build_log = BuildLog("plain", lambda line: None)
    for line in log.splitlines():
        build_log.feed(line)
    reason = build_log.reason()
    assert expected in reason and "\n" not in reason
    assert "--mount" not in reason and "UV=" not in reason


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
        resolve("nope:1")


def test_vts_resolves_from_the_store(vts_home: Path) -> None:
    with vts_store().create("iris_svc:v1") as (_, tmp):
        (tmp / "vts.yaml").write_text(VTS_YAML.format(name="iris_svc", version="v1"))
        (tmp / "env" / "python").mkdir(parents=True)
        (tmp / "env" / "python" / "version.txt").write_text("3.12.1\n")
    vts = resolve("iris_svc:latest")
    assert str(vts.tag) == "iris_svc:v1" and Path(vts.path) == vts_home / "vts" / "iris_svc" / "v1"
    assert resolve(vts.path) == vts
    docker, python, conda = vts_docker_options(vts)
    assert (python, conda, docker.base_image) == ("3.12", False, None)


def test_bad_docker_section_in_vts_yaml_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "vts.yaml").write_text(VTS_YAML.format(name="a", version="b") + "docker:\n  python_version: two\n")
    with pytest.raises(ConfigError, match=r"vts.yaml: docker.python_version: .*3.11"):
        vts_docker_options(Vts.from_path(tmp_path))


def test_cli_errors_are_one_line_with_exit_codes(vts_home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["containerize", "nope:1"])
    assert result.exit_code == 3 and "Error: vts 'nope' not found" in result.output
    (tmp_path / "vts.yaml").write_text(VTS_YAML.format(name="a", version="b"))
    result = runner.invoke(cli, ["containerize", str(tmp_path), "-t", "Bad:Tag"])
    assert result.exit_code == 2 and "invalid image reference 'Bad:Tag'" in result.output
    result = runner.invoke(cli, ["containerize", str(tmp_path), "--label", "novalue", "--backend", "podman"])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_disk_space_is_checked_before_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failure injection: a real disk cannot be filled safely, so the free space is faked."""
    import shutil
    from collections import namedtuple

    from vtsserving.containerize import space
    from vtsserving.containerize.backends import Backend
    from vtsserving.exceptions import BuildError

    vts = tmp_path / "vts"
    (vts / "models" / "big").mkdir(parents=True)
    (vts / "models" / "big" / "weights.bin").write_bytes(b"\0" * 4096)
    root = tmp_path / "storage"
    root.mkdir()
    buildah = Backend("buildah", "buildah", "/usr/bin/buildah", "buildah")
    monkeypatch.setitem(space._STORAGE, "buildah", str(root))
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 0, 10**12))
    space.check_disk_space(buildah, vts)  # plenty of room: no error
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 5 * 10**8, 5 * 10**8))
    with pytest.raises(BuildError) as info:
        space.check_disk_space(buildah, vts)
    message = str(info.value)
    assert "not enough disk space" in message and str(root) in message and "0.5 GB free" in message
    assert "\n" not in message

