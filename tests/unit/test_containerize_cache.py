"""`--cache-from`/`--cache-to` per builder, and the CLI's checks of image options (no engine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from vtsserving.cli import cli
from vtsserving.containerize.backends import Backend, BuildRequest
from vtsserving.containerize.cache import cache_ref, plan_cache
from vtsserving.exceptions import InvalidArgument

# /bin/false: `docker buildx inspect` fails, so buildx counts as its default `docker` driver.
BUILDKIT = Backend("docker", "buildkit", "/usr/bin/docker", "buildkit", {"DOCKER_BUILDKIT": "1"})
BUILDX_DOCKER_DRIVER = Backend("docker", "buildx", "/bin/false", "buildkit")
LEGACY = Backend("docker", "legacy", "/usr/bin/docker", "legacy", {"DOCKER_BUILDKIT": "0"})
BUILDAH = Backend("buildah", "buildah", "/usr/bin/buildah", "buildah")


def test_references_get_the_buildcache_tag() -> None:
    assert cache_ref("127.0.0.1:5000/team/app") == "127.0.0.1:5000/team/app:buildcache"
    assert cache_ref("ghcr.io/org/app:main") == "ghcr.io/org/app:main"
    assert cache_ref("type=gha,scope=x") == "type=gha,scope=x"
    with pytest.raises(InvalidArgument):
        cache_ref("two words")


def test_buildkit_without_buildx_uses_an_inline_cache_pushed_as_an_image() -> None:
    plan = plan_cache(BUILDKIT, ["reg/app"], "reg/app")
    assert plan.args == ["--cache-from", "reg/app:buildcache"]
    assert plan.build_args == {"BUILDKIT_INLINE_CACHE": "1"}
    assert plan.push_refs == ["reg/app:buildcache"]
    assert plan_cache(BUILDKIT, ["reg/app:1"], None).push_refs == []  # reading needs no push


def test_buildx_on_the_docker_driver_keeps_the_cache_inline() -> None:
    plan = plan_cache(BUILDX_DOCKER_DRIVER, ["reg/app"], "reg/app")
    assert plan.args == ["--cache-from", "type=registry,ref=reg/app:buildcache", "--cache-to", "type=inline"]
    assert plan.push_refs == ["reg/app:buildcache"]


def test_buildx_with_a_cache_exporting_builder_uses_a_registry_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from vtsserving.containerize import cache

    # failure-free stand-in for a docker-container builder, which this machine has no buildx for
    monkeypatch.setattr(cache, "buildx_exports_cache", lambda backend: True)
    plan = plan_cache(BUILDX_DOCKER_DRIVER, ["reg/app"], "reg/app")
    assert plan.args == ["--cache-from", "type=registry,ref=reg/app:buildcache",
                         "--cache-to", "type=registry,ref=reg/app:buildcache,mode=max"]
    assert plan.push_refs == [] and not plan.inline


@pytest.mark.parametrize(("backend", "message"), [
    (LEGACY, "need BuildKit: the legacy docker builder cannot reuse"),
    (BUILDAH, "not supported with --backend buildah: use --backend docker"),
])
def test_builders_without_a_registry_cache_are_refused(backend: Backend, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        plan_cache(backend, ["reg/app"], None)
    assert plan_cache(backend, [], None).args == []  # no cache asked: nothing to refuse


def test_raw_buildx_specs_need_buildx() -> None:
    with pytest.raises(InvalidArgument, match="needs docker buildx with a cache-exporting builder"):
        plan_cache(BUILDKIT, [], "type=registry,ref=reg/app")


def test_pull_target_and_cache_args_reach_the_command(tmp_path: Path) -> None:
    request = BuildRequest(context=tmp_path, dockerfile=tmp_path / "Dockerfile", tags=["app:1"],
                           iidfile=tmp_path / "iid", base_image="base", pull=True, target="vts-base",
                           cache_args=["--cache-from", "reg/app:buildcache"])
    cmd = BUILDKIT.build_command(request)
    assert cmd[-1] == str(tmp_path)
    assert {"--pull", "--cache-from"} <= set(cmd) and cmd[cmd.index("--target") + 1] == "vts-base"
    oci = Backend("podman", "podman", "/usr/bin/podman", "podman").build_command(request)
    assert "--pull=always" in oci and "--target" in oci


def test_image_options_need_containerize(tmp_path: Path) -> None:
    for args, flag in ((["--cache-to", "127.0.0.1:5000/x"], "--cache-to"), (["-t", "a:1"], "-t"),
                       (["--dry-run"], "--dry-run")):
        result = CliRunner().invoke(cli, ["build", str(tmp_path), *args])
        assert result.exit_code == 2 and f"{flag} builds an image: add --containerize" in result.output
