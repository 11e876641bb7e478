"""Backend detection and command lines; fake clients on PATH inject the failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtsserving.containerize.backends import Backend, BuildRequest, detect
from vtsserving.exceptions import InvalidArgument, MissingDependency


def fake_tool(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


# A docker client: `version` answers "CLIENT|SERVER" (SERVER empty = engine down), buildx optional.
DOCKER = """
case "$1" in
  version) echo "{client}|{server}"; [ -n "{server}" ] ;;
  buildx) [ "{buildx}" = yes ] ;;
  *) exit 1 ;;
esac
"""


def request(tmp_path: Path, **kwargs: object) -> BuildRequest:
    defaults = dict(context=tmp_path, dockerfile=tmp_path / "Dockerfile", tags=["a:1", "b:2"],
                    iidfile=tmp_path / "iid", base_image="base:1")
    return BuildRequest(**(defaults | kwargs))  # type: ignore[arg-type]


def test_no_docker_client_names_what_was_looked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("vtsserving.containerize.backends._candidates", lambda tool: [])
    with pytest.raises(MissingDependency, match="no `docker` client found .*provision-docker.sh"):
        detect("docker")


def test_unreachable_engine_is_one_line_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = fake_tool(tmp_path, "docker", DOCKER.format(client="28.2.2", server="", buildx="no"))
    monkeypatch.setattr("vtsserving.containerize.backends._candidates", lambda tool: [str(exe)])
    with pytest.raises(MissingDependency) as info:
        detect("docker")
    assert "no Docker engine reachable" in str(info.value) and "DOCKER_HOST" in str(info.value)
    assert "\n" not in str(info.value)


def test_prefers_buildx_then_builtin_buildkit_then_legacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new = fake_tool(tmp_path / "new", "docker", DOCKER.format(client="28.2.2", server="20.10.24", buildx="no"))
    old = fake_tool(tmp_path / "old", "docker", DOCKER.format(client="20.10.24", server="20.10.24", buildx="no"))
    withx = fake_tool(tmp_path / "x", "docker", DOCKER.format(client="27.0.0", server="20.10.24", buildx="yes"))
    monkeypatch.delenv("DOCKER_BUILDKIT", raising=False)
    cases = [([new, old], ("buildkit", old)), ([new], ("legacy", new)), ([new, old, withx], ("buildx", withx))]
    for clients, (builder, exe) in cases:
        monkeypatch.setattr("vtsserving.containerize.backends._candidates", lambda tool, c=clients: [str(p) for p in c])
        backend = detect("docker")
        assert (backend.builder, backend.executable) == (builder, str(exe))
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    assert detect("docker").builder == "legacy"


def test_candidates_finds_every_distinct_client_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vtsserving.containerize.backends import _candidates

    a = fake_tool(tmp_path / "a", "docker", "exit 0\n")
    b = fake_tool(tmp_path / "b", "docker", "exit 0\n")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "docker").symlink_to(a)  # same client twice: listed once
    monkeypatch.setenv("PATH", f"{tmp_path / 'a'}:{tmp_path / 'c'}:{tmp_path / 'b'}")
    found = _candidates("docker")
    assert found[:2] == [str(a), str(b)]


def test_this_machine_docker_detection_says_which_client(docker_engine: str) -> None:
    backend = detect("docker")
    assert backend.builder in ("buildx", "buildkit", "legacy")
    assert backend.executable in backend.describe()


def test_missing_buildah_or_podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingDependency, match="no `podman` found on PATH: apt-get install podman"):
        detect("podman")
    with pytest.raises(InvalidArgument, match="unknown backend 'kaniko'"):
        detect("kaniko")


def test_buildkit_command_line(tmp_path: Path) -> None:
    backend = Backend("docker", "buildkit", "/usr/bin/docker", "buildkit", {"DOCKER_BUILDKIT": "1"})
    cmd = backend.build_command(request(
        tmp_path, labels={"k": "v"}, build_args={"A": "1"}, secrets=["id=netrc,src=/tmp/n"],
        platform="linux/amd64", no_cache=True, network="host",
    ))
    assert cmd[:4] == ["/usr/bin/docker", "build", "--progress", "plain"]
    joined = " ".join(cmd)
    for part in ("-t a:1", "-t b:2", "--label k=v", "--build-arg A=1", "--secret id=netrc,src=/tmp/n",
                 "--platform linux/amd64", "--no-cache", "--network host", f"--iidfile {tmp_path / 'iid'}"):
        assert part in joined
    assert cmd[-1] == str(tmp_path)


def test_buildx_loads_the_image(tmp_path: Path) -> None:
    cmd = Backend("docker", "buildx", "docker", "buildkit").build_command(request(tmp_path))
    assert cmd[:4] == ["docker", "buildx", "build", "--load"]


def test_legacy_refuses_secrets_and_removes_containers(tmp_path: Path) -> None:
    backend = Backend("docker", "legacy", "docker", "legacy")
    assert "--force-rm" in backend.build_command(request(tmp_path))
    with pytest.raises(InvalidArgument, match="--secret needs BuildKit"):
        backend.build_command(request(tmp_path, secrets=["id=x,src=/tmp/x"]))


def test_buildah_runs_daemonless_with_layers(tmp_path: Path) -> None:
    backend = Backend("buildah", "buildah", "buildah", "buildah", storage_driver="vfs")
    cmd = backend.build_command(request(tmp_path, base_image="no-such-image-here:1"))
    assert cmd[:6] == ["buildah", "--storage-driver", "vfs", "bud", "--layers", "--isolation"]
    assert "chroot" in cmd
    push = backend.push_command("127.0.0.1:5000/iris:1")
    assert push[-3:] == ["--tls-verify=false", "127.0.0.1:5000/iris:1", "docker://127.0.0.1:5000/iris:1"]


def test_buildah_storage_driver_follows_existing_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    from vtsserving.containerize.backends import _storage_driver

    monkeypatch.setenv("VTSSERVING_BUILDAH_STORAGE_DRIVER", "vfs")
    assert _storage_driver() == "vfs"
    monkeypatch.delenv("VTSSERVING_BUILDAH_STORAGE_DRIVER")
    monkeypatch.delenv("STORAGE_DRIVER", raising=False)
    assert _storage_driver() in ("overlay", "vfs")
