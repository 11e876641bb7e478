"""containerize against the real engine, on hand-made vts folders (no service needed).

Covers what does not depend on the rest of VtsServing: build secrets for a private index (and
that they never reach the image), failing builds (one line, no image left), a reproducible
dependency layer and the SBOM, the legacy builder, buildah, and push/pull with a real registry
(Debian's docker-registry) on 127.0.0.1.
"""

from __future__ import annotations

import base64
import http.server
import json
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

from vtsserving.containerize import build
from vtsserving.exceptions import BuildError

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TOKEN = "vts-s3cret-token-4711"


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
        bom = json.loads(sbom.read_text())
        purls = {c["purl"] for c in bom["components"]}
        assert {"pkg:pypi/six@1.17.0", "pkg:pypi/idna@3.10", "pkg:pypi/vtstestpkg@2.0"} <= purls
        assert bom["metadata"]["component"]["name"] == images[1]
    finally:
        remove_images(*images)


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
