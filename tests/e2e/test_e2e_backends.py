"""containerize against the real engine, on hand-made vts folders (no service needed).

Covers what does not depend on the rest of VtsServing: build secrets for a private index (and
that they never reach the image), failing builds (one line, no image left), a reproducible
dependency layer and the SBOM (validated, its digest as a label), the legacy builder, buildah,
push/pull and the registry-backed layer cache with a real registry (Debian's docker-registry) on
127.0.0.1, `--target`, `--dry-run`, and `vtsserving build --containerize` in one step.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _containerize_helpers import (
    DOCKER,
    docker,
    free_port,
    layer_created_by,
    make_vts,
    make_wheel,
    remove_images,
)
from click.testing import CliRunner

from vtsserving.cli import cli
from vtsserving.containerize import SBOM_LABEL, build
from vtsserving.exceptions import BuildError, InvalidArgument

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TOKEN = "vts-s3cret-token-4711"

# A service without models for the one-step build: the image installs vtsserving's requirements.
ONE_STEP_SERVICE = """
import vtsserving
from vtsserving.io import JSON

svc = vtsserving.Service("onestep")


@svc.api(input=JSON(), output=JSON())
def echo(payload):
    return payload
"""


class _Index(http.server.BaseHTTPRequestHandler):
    """A private simple index that wants HTTP basic auth `vts:TOKEN`."""

    wheel: Path
    seen: list[str]

    def do_GET(self) -> None:  # noqa: N802
        self._answer(body_wanted=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body_wanted=False)

    def _answer(self, body_wanted: bool) -> None:
        expected = "Basic " + base64.b64encode(f"vts:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.end_headers()
            return
        self.seen.append(self.path)
        if self.path.rstrip("/").endswith("/simple/vtsprivpkg"):
            body = f'<a href="/files/{self.wheel.name}">{self.wheel.name}</a>'.encode()
            content_type = "text/html"
        elif self.path == f"/files/{self.wheel.name}":
            body, content_type = self.wheel.read_bytes(), "application/octet-stream"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body_wanted:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def private_index(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    handler = type("Index", (_Index,), {"wheel": make_wheel(tmp_path / "dist", "vtsprivpkg", "1.0", "SECRET_PKG = 42\n"), "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://vts:{TOKEN}@127.0.0.1:{server.server_address[1]}/simple/", handler.seen
    server.shutdown()


@pytest.fixture()
def registry(tmp_path: Path) -> Iterator[str]:
    """Debian's docker-registry on 127.0.0.1:<free port> with a throw-away config."""
    exe = shutil.which("docker-registry")
    if exe is None:
        pytest.fail("docker-registry is missing: run scripts/provision-docker.sh")
    port = free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen([exe, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_secret_reaches_uv_and_never_the_image(docker_engine: str, tmp_path: Path, private_index: tuple[str, list[str]]) -> None:
    url, seen = private_index
    # a fresh comment each run: the install step must really run (not come from the layer cache)
    vts = make_vts(tmp_path / "vts", docker_engine, f"# {time.time_ns()}\nvtsprivpkg==1.0\n", name="privtest")
    secret = tmp_path / "index_url"
    secret.write_text(url)
    image = "vts-e2e-secret:1"
    try:
        result = build(vts, image_tags=[image], secrets=[f"id=pip_index_url,src={secret}"], network="host", progress="plain")
        assert result.builder in ("buildx", "buildkit")
        assert any(p.endswith(".whl") for p in seen), "the package never came from the private index"
        out = docker("run", "--rm", image, "python3", "-c", "import vtsprivpkg; print(vtsprivpkg.SECRET_PKG)")
        assert out.stdout.strip() == "42"
        history = docker("history", "--no-trunc", image).stdout
        inspect = docker("image", "inspect", image).stdout
        assert TOKEN not in history and TOKEN not in inspect
        saved = subprocess.run([DOCKER, "save", image], capture_output=True, check=True).stdout
        assert TOKEN.encode() not in saved, "the index credentials landed in a layer"
        assert TOKEN not in "".join(p.read_text(errors="ignore") for p in vts.rglob("*") if p.is_file())
    finally:
        remove_images(image)


def test_failed_build_names_the_step_and_leaves_no_image(docker_engine: str, tmp_path: Path) -> None:
    vts = make_vts(tmp_path / "vts", docker_engine, "vts-no-such-package-xyz==9.9\n", name="broken")
    image = "vts-e2e-broken:1"
    with pytest.raises(BuildError) as info:
        build(vts, image_tags=[image, "vts-e2e-broken:2"], progress="plain", echo=lambda line: None)
    message = str(info.value)
    assert "install.sh" in message  # the failing step
    assert "vts-no-such-package-xyz" in message  # uv's own reason
    for tag in (image, "vts-e2e-broken:2"):
        assert docker("image", "inspect", tag, check=False).returncode != 0, f"{tag} was left behind"


@pytest.mark.parametrize("case", ["system_package", "wheel_platform"])
def test_bad_input_fails_in_one_line_and_leaves_no_image(docker_engine: str, tmp_path: Path, case: str) -> None:
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name=f"bad-{case}".replace("_", "-"))
    if case == "system_package":
        from vtsserving.containerize import DockerOptions, write_docker_files

        info = vts / "vts.yaml"
        info.write_text(info.read_text() + "  system_packages: [vts-no-such-deb]\n")
        write_docker_files(vts, DockerOptions(base_image=docker_engine, system_packages=["vts-no-such-deb"]),
                           python_version="3.11", conda=False)
        expected = "E: Unable to locate package vts-no-such-deb"
    else:  # a wheel that `vtsserving build` would refuse, slipped into the vts by hand
        wheel = make_wheel(tmp_path / "dist", "winonly", "1.0", "X = 1\n")
        wheel.rename(vts / "env" / "python" / "wheels" / "winonly-1.0-cp311-cp311-win_amd64.whl")
        expected = "incompatible with the current platform"
    image = f"vts-e2e-bad-{case.replace('_', '-')}:1"
    with pytest.raises(BuildError) as info:
        build(vts, image_tags=[image], progress="plain", network="host", echo=lambda line: None)
    message = str(info.value)
    assert message.startswith("image build failed at [vts-") and expected in message
    assert "\n" not in message
    assert docker("image", "inspect", image, check=False).returncode != 0, f"{image} was left behind"


def test_same_requirements_give_the_same_dependency_layer_and_an_sbom(docker_engine: str, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "dist", "vtstestpkg", "2.0", "VALUE = 7\n",
                       extra={"vtstestpkg/tests/test_value.py": "from vtstestpkg import VALUE\n\nassert VALUE == 7\n"})
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\nidna==3.10\n", name="repro")
    (vts / "env" / "python" / "wheels" / wheel.name).write_bytes(wheel.read_bytes())
    images, venv_layers = ["vts-e2e-repro:1", "vts-e2e-repro:2"], []
    sbom = tmp_path / "out" / "sbom.json"
    try:
        for n, image in enumerate(images):
            build(vts, image_tags=[image], no_cache=True, progress="plain", network="host",
                  sbom=sbom if n else None, echo=lambda line: None)
            venv_layers.append(layer_created_by(image, "/vts-export/"))
        assert venv_layers[0] == venv_layers[1], "two builds of the same vts gave different dependency layers"
        out = docker("run", "--rm", images[1], "python3", "-c",
                     "import vtstestpkg, pathlib; print(vtstestpkg.VALUE);"
                     " print(pathlib.Path(vtstestpkg.__file__).parent.joinpath('tests').exists())")
        assert out.stdout.split() == ["7", "False"]  # packages' own tests folders are left out
        _check_sbom(sbom, images[1])
    finally:
        remove_images(*images)


def _check_sbom(sbom: Path, image: str) -> None:
    """Valid CycloneDX with Python and OS packages, labelled on `image` by its SHA-256."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = sbom.read_text()
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, f"the SBOM is not valid CycloneDX 1.6: {error}"
    bom = json.loads(text)
    components = {c["purl"].split("?")[0]: c for c in bom["components"]}
    assert {"pkg:pypi/six@1.17.0", "pkg:pypi/idna@3.10", "pkg:pypi/vtstestpkg@2.0"} <= set(components)
    six = components["pkg:pypi/six@1.17.0"]
    assert six["licenses"] == [{"license": {"id": "MIT"}}] and six["hashes"][0]["alg"] == "SHA-256"
    debs = [p for p in components if p.startswith("pkg:deb/debian/")]
    assert any(p.startswith("pkg:deb/debian/libc6@") for p in debs) and len(debs) > 50  # the base's dpkg
    assert bom["metadata"]["component"]["name"] == image
    labels = json.loads(docker("image", "inspect", "-f", "{{json .Config.Labels}}", image).stdout)
    assert labels[SBOM_LABEL] == hashlib.sha256(text.encode()).hexdigest()
    assert labels["io.vtsserving.vts"] == "repro:v1"  # the relabel step keeps the build's labels
    layers = docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", image).stdout
    recorded = {p["name"]: p["value"] for p in bom["metadata"]["component"]["properties"]}
    assert json.loads(layers) == recorded["vtsserving:rootfs-layers"].split()  # the relabel added no layer: the SBOM describes this image


def test_legacy_builder_and_labels(docker_engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name="legacy")
    image = "vts-e2e-legacy:1"
    dangling_before = set(docker("images", "-q", "-f", "dangling=true").stdout.split())
    try:
        result = build(vts, image_tags=[image], labels=["team=ml"], progress="plain")
        assert result.builder == "legacy"
        labels = docker("image", "inspect", "-f", "{{json .Config.Labels}}", image).stdout
        for expected in ('"io.vtsserving.vts":"legacy:v1"', '"team":"ml"', '"io.vtsserving.lock-sha256"',
                         '"org.opencontainers.image.created":"2026-01-02T03:04:05+00:00"'):
            assert expected in labels
        out = docker("run", "--rm", image, "sh", "-c", "id -u; python3 -c 'import six'; ls /root/.cache 2>&1 || true")
        uid, *rest = out.stdout.split("\n")
        assert uid == "1034"
        assert docker("run", "--rm", "--user", "0", image, "sh", "-c", "ls /root/.cache/pip /root/.cache/uv 2>/dev/null | wc -l").stdout.strip() == "0"
    finally:
        remove_images(image)
        # the legacy builder keeps each multi-stage stage as an untagged image: remove ours
        remove_images(*(set(docker("images", "-q", "-f", "dangling=true").stdout.split()) - dangling_before))


def test_buildah_builds_without_a_daemon(docker_engine: str, tmp_path: Path) -> None:
    if shutil.which("buildah") is None:
        pytest.fail("buildah is missing: run scripts/provision-docker.sh")
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name="bah")
    image = "localhost/vts-e2e-buildah:1"
    result = build(vts, image_tags=[image], backend="buildah", progress="plain")
    from vtsserving.containerize.backends import detect

    tool = detect("buildah").tool_command()
    try:
        assert result.builder == "buildah" and result.image_id
        labels = subprocess.run([*tool, "inspect", "--type", "image", "--format", "{{.OCIv1.Config.Labels}}", image],
                                capture_output=True, text=True, check=True).stdout
        assert "io.vtsserving.vts:bah:v1" in labels
        user = subprocess.run([*tool, "inspect", "--type", "image", "--format", "{{.OCIv1.Config.User}}", image],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert user == "1034:1034"
    finally:
        subprocess.run([*tool, "rmi", "-f", image], capture_output=True)


def test_push_every_tag_and_pull_back(docker_engine: str, tmp_path: Path, registry: str) -> None:
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name="pushme")
    tags = [f"{registry}/team/pushme:1", f"{registry}/team/pushme:stable"]
    try:
        result = build(vts, image_tags=tags, push=True, progress="plain")
        assert result.pushed == tags
        catalog = httpx.get(f"http://{registry}/v2/team/pushme/tags/list").json()
        assert sorted(catalog["tags"]) == ["1", "stable"]
        remove_images(*tags)
        docker("pull", tags[1])
        out = docker("run", "--rm", tags[1], "python3", "-c", "import six; print(six.__version__)")
        assert out.stdout.strip() == "1.17.0"
    finally:
        remove_images(*tags)


def _step_cached(log: list[str], command: str) -> bool:
    """Whether the BuildKit step running `command` was taken from the cache (never run)."""
    steps = {m.group(1) for line in log if (m := re.match(r"^#(\d+) \[.*\] RUN .*" + re.escape(command), line))}
    return bool(steps) and all(f"#{n} CACHED" in log for n in steps)


def _timed_build(vts: Path, log: list[str], **options: object) -> float:
    log.clear()
    start = time.monotonic()
    build(vts, progress="plain", network="host", echo=log.append, **options)
    return time.monotonic() - start


def test_registry_cache_rebuilds_nothing_on_an_empty_engine(docker_engine: str, tmp_path: Path, registry: str) -> None:
    """The CI flow: build and push with a cache, lose every image and the build cache, rebuild."""
    base = f"{registry}/base/bookworm:1"
    docker("tag", docker_engine, base)
    docker("push", base)
    # a fresh comment each run: the cold build really installs
    vts = make_vts(tmp_path / "vts", base, f"# {time.time_ns()}\nsix==1.17.0\nidna==3.10\n", name="cached")
    cache, tags = f"{registry}/team/cached", [f"{registry}/team/cached:{n}" for n in (1, 2, 3)]
    log: list[str] = []
    try:
        docker("builder", "prune", "-af")
        cold = _timed_build(vts, log, image_tags=[tags[0]], cache_to=cache, push=True, pull=True)
        assert any("[vts] installing with" in line for line in log), "the cold build did not install"
        catalog = httpx.get(f"http://{registry}/v2/team/cached/tags/list").json()
        assert sorted(catalog["tags"]) == ["1", "buildcache"]
        deps = layer_created_by(tags[0], "/vts-export/")

        remove_images(tags[0], f"{cache}:buildcache", base)
        docker("builder", "prune", "-af")
        from_cache = _timed_build(vts, log, image_tags=[tags[1]], cache_from=[cache])
        assert any("importing cache manifest from" in line for line in log)
        assert _step_cached(log, "install.sh --deps"), "the dependency layer was rebuilt"
        assert not any("[vts] installing with" in line for line in log)
        assert layer_created_by(tags[1], "/vts-export/") == deps

        warm = _timed_build(vts, log, image_tags=[tags[2]], cache_from=[cache])
        assert _step_cached(log, "install.sh --deps")
        print(f"\n[registry cache] cold {cold:.1f} s, --cache-from on an empty engine {from_cache:.1f} s,"
              f" warm {warm:.1f} s")
    finally:
        remove_images(*tags, f"{cache}:buildcache", base)


def test_cache_options_the_backend_cannot_use_fail_in_one_line(docker_engine: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name="nocache")
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    with pytest.raises(InvalidArgument, match=r"^--cache-from/--cache-to need BuildKit: the legacy docker builder"):
        build(vts, cache_from=["127.0.0.1:5000/x"], echo=lambda line: None)
    monkeypatch.delenv("DOCKER_BUILDKIT")
    with pytest.raises(InvalidArgument, match="needs docker buildx with a cache-exporting builder"):
        build(vts, cache_to="type=registry,ref=127.0.0.1:5000/x", echo=lambda line: None)
    assert docker("image", "inspect", "nocache:v1", check=False).returncode != 0


def test_dry_run_prints_the_dockerfile_and_the_commands(docker_engine: str, tmp_path: Path) -> None:
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name="dry")
    args = ["containerize", str(vts), "--dry-run", "-t", "127.0.0.1:5000/dry:1", "--cache-from", "127.0.0.1:5000/dry",
            "--cache-to", "127.0.0.1:5000/dry", "--push", "--pull", "--target", "vts-builder"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"FROM {docker_engine} AS vts-base" in out and "install.sh --deps" in out
    build_line = next(line for line in out.splitlines() if " build --" in line)
    for part in ("--target vts-builder", "--pull", "--cache-from 127.0.0.1:5000/dry:buildcache",
                 "--build-arg BUILDKIT_INLINE_CACHE=1", "-t 127.0.0.1:5000/dry:1"):
        assert part in build_line, part
    assert "push 127.0.0.1:5000/dry:buildcache" in out and "push 127.0.0.1:5000/dry:1" in out
    assert docker("image", "inspect", "127.0.0.1:5000/dry:1", check=False).returncode != 0  # nothing built
    bad = CliRunner().invoke(cli, ["containerize", str(vts), "--dry-run", "--target", "nope"])
    assert bad.exit_code != 0 and "--target 'nope': the Dockerfile has no such stage" in bad.output


def test_target_builds_only_up_to_that_stage(docker_engine: str, tmp_path: Path) -> None:
    vts = make_vts(tmp_path / "vts", docker_engine, "six==1.17.0\n", name="staged")
    image = "vts-e2e-target:1"
    try:
        build(vts, image_tags=[image], target="vts-base", progress="plain", echo=lambda line: None)
        out = docker("run", "--rm", "--entrypoint", "sh", image, "-c", "id -u vts; ls /opt/venv | wc -l; ls /home/vts")
        uid, venv_files, home = out.stdout.split("\n")[:3]
        assert uid == "1034" and venv_files == "0" and home == ""  # the user, an empty venv, no vts
    finally:
        remove_images(image)


def test_build_and_containerize_in_one_quiet_step(docker_engine: str, tmp_path: Path, registry: str) -> None:
    """`vtsserving build --containerize` as a CI job runs it: quiet, pushed, with an SBOM."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "service.py").write_text(ONE_STEP_SERVICE)
    (ctx / "vtsfile.yaml").write_text(f"service: service:svc\ndocker:\n  base_image: {docker_engine}\n")
    image, sbom = f"{registry}/team/onestep:1", tmp_path / "sbom.json"
    args = ["build", str(ctx), "--version", "v1", "--containerize", "-q", "-t", image, "--push",
            "--sbom", str(sbom), "--network", "host"]
    try:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        tag, image_id = result.stdout.splitlines()
        assert tag == "onestep:v1" and image_id.startswith("sha256:")
        assert "#1 " not in result.stderr and "installing with" not in result.stderr  # -q: no build log
        labels = json.loads(docker("image", "inspect", "-f", "{{json .Config.Labels}}", image).stdout)
        assert labels["io.vtsserving.vts"] == "onestep:v1" and labels["io.vtsserving.sbom.sha256"]
        assert docker("image", "inspect", "-f", "{{.Id}}", image).stdout.strip() == image_id
        assert httpx.get(f"http://{registry}/v2/team/onestep/tags/list").json()["tags"] == ["1"]
        purls = {c["purl"].split("@")[0] for c in json.loads(sbom.read_text())["components"]}
        assert {"pkg:pypi/vtsserving", "pkg:pypi/starlette"} <= purls
        assert not {"pkg:pypi/uv", "pkg:pypi/cyclonedx-python-lib"} & purls  # build-only tools stay out
    finally:
        remove_images(image)
