"""The vts store commands: list, get, delete, export and import (local files and S3)."""

from __future__ import annotations

import io
import json
import socket
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import vtsserving
from vtsserving.cli import cli


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert (result.exit_code == 0) is ok, result.output
    return result.output


@pytest.fixture
def two_vts(make_ctx) -> list[str]:
    ctx = make_ctx()
    return [str(vtsserving.build(build_ctx=ctx, version=v).tag) for v in ("v1", "v2")]


def test_list_get_delete(two_vts: list[str]) -> None:
    table = run("list")
    assert "iris_svc:v1" in table and "iris_svc:v2" in table and "Tag" in table
    rows = json.loads(run("list", "-o", "json"))
    assert [r["tag"] for r in rows] == two_vts and rows[0]["service"] == "service:svc"
    assert yaml.safe_load(run("list", "iris_svc", "-o", "yaml"))[1]["tag"] == "iris_svc:v2"
    assert "not found" in run("list", "nosuch", ok=False)

    info = yaml.safe_load(run("get", "iris_svc"))
    assert info["version"] == "v2" and info["apis"][0]["name"] == "predict"
    assert json.loads(run("get", "iris_svc:v1", "-o", "json"))["version"] == "v1"
    path = run("get", "iris_svc:v1", "-o", "path").strip()
    assert Path(path, "vts.yaml").is_file()

    assert "not found" in run("delete", "iris_svc:v1", "nosuch:v9", "-y", ok=False)
    assert Path(path).is_dir()  # nothing deleted when one tag does not resolve
    assert "Aborted" in CliRunner().invoke(cli, ["delete", "iris_svc:v1"], input="n\n").output
    assert run("delete", "iris_svc:v1", "-y").strip() == "Deleted vts iris_svc:v1"
    assert not Path(path).exists()
    assert str(vtsserving.vts.get("iris_svc:latest").tag) == "iris_svc:v2"


def test_export_import_round_trip(two_vts: list[str], tmp_path: Path) -> None:
    out = run("export", "iris_svc:v1", str(tmp_path)).strip()
    archive = tmp_path / "iris_svc-v1.tar.gz"
    assert str(archive) in out and archive.is_file()
    original = Path(vtsserving.vts.get("iris_svc:v1").path)
    files = sorted(p.relative_to(original).as_posix() for p in original.rglob("*") if p.is_file())
    run("delete", "iris_svc:v1", "-y")
    assert run("import", str(archive)).strip() == "Imported vts iris_svc:v1"
    back = Path(vtsserving.vts.get("iris_svc:v1").path)
    assert sorted(p.relative_to(back).as_posix() for p in back.rglob("*") if p.is_file()) == files
    assert "already exists" in run("import", str(archive), ok=False)
    run("import", str(archive), "--overwrite")


def _tar(members: dict[str, bytes], symlink: tuple[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink[0])
            info.type, info.linkname = tarfile.SYMTYPE, symlink[1]
            tar.addfile(info)
    return buf.getvalue()


VTS_YAML = yaml.safe_dump({"service": "service:svc", "name": "evil", "version": "v1"}).encode()


@pytest.mark.parametrize(
    "archive",
    [
        _tar({"vts.yaml": VTS_YAML, "../escape.txt": b"x"}),
        _tar({"vts.yaml": VTS_YAML, "/abs.txt": b"x"}),
        _tar({"vts.yaml": VTS_YAML}, symlink=("src/link", "/etc/passwd")),
        _tar({"src/service.py": b""}),
        _tar({"vts.yaml": b"name: ../../x\nversion: v1\nservice: s:s\n"}),
        b"not a tarball",
    ],
    ids=["dotdot", "absolute", "symlink", "no-vts-yaml", "bad-name", "garbage"],
)
def test_import_refuses_unsafe_archives(archive: bytes, tmp_path: Path, vts_home: Path) -> None:
    path = tmp_path / "evil.tar.gz"
    path.write_bytes(archive)
    out = run("import", str(path), ok=False)
    assert out.startswith("Error: ") and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "escape.txt").exists()
    assert vtsserving.vts.list() == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's standalone S3 server on 127.0.0.1 with one bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(key, value)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="vts-bucket")
    yield endpoint
    server.stop()


@pytest.mark.slow
def test_export_import_s3(two_vts: list[str], s3_server: str) -> None:
    import boto3

    run("export", "iris_svc:v2", "s3://vts-bucket/bundles/")
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=s3_server).list_objects_v2(
        Bucket="vts-bucket")["Contents"]]
    assert keys == ["bundles/iris_svc-v2.tar.gz"]
    run("delete", "iris_svc:v2", "-y")
    assert run("import", "s3://vts-bucket/bundles/iris_svc-v2.tar.gz").strip() == "Imported vts iris_svc:v2"
    assert Path(vtsserving.vts.get("iris_svc:v2").path, "vts.yaml").is_file()
