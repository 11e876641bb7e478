"""Model export/import through s3:// URLs against moto's standalone S3 server on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vtsserving import models
from vtsserving.exceptions import Conflict, InvalidArgument, NotFound
from vtsserving.models import ModelContext

BUCKET = "vts-archive-tests"  # moto servers in one process share buckets: keep ours apart


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Credentials and endpoint in the environment (as a user or CI would set them)."""
    import boto3
    import fsspec

    for key, value in {
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    fsspec.get_filesystem_class("s3").clear_instance_cache()
    yield s3_endpoint
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _save(name: str = "iris") -> models.Model:
    with models.create(name, module="vtsserving.sklearn", context=ModelContext(framework_name="t")) as model:
        Path(model.path_of("weights.bin")).write_bytes(os.urandom(300_000))
    return model


def _keys(endpoint: str) -> list[str]:
    import boto3

    listing = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=BUCKET)
    return sorted(obj["Key"] for obj in listing.get("Contents", []))


def test_export_import_round_trip_through_s3(s3: str) -> None:
    model = _save()
    weights = Path(model.path_of("weights.bin")).read_bytes()
    url = models.export_model("iris", f"s3://{BUCKET}/team/")
    assert url == f"s3://{BUCKET}/team/iris-{model.tag.version}.tar.gz"
    explicit = models.export_model(model.tag, f"s3://{BUCKET}/exact.tar.gz")
    assert explicit == f"s3://{BUCKET}/exact.tar.gz"
    assert _keys(s3) == ["exact.tar.gz", f"team/iris-{model.tag.version}.tar.gz"]

    with pytest.raises(Conflict):
        models.import_model(url)
    models.delete(model.tag)
    imported = models.import_model(url)
    assert imported.tag == model.tag
    assert Path(imported.path_of("weights.bin")).read_bytes() == weights
    assert models.import_model(explicit, overwrite=True).tag == model.tag


def test_storage_options_instead_of_environment(s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    fsspec.get_filesystem_class("s3").clear_instance_cache()
    options = {"client_kwargs": {"endpoint_url": s3}, "key": "testing", "secret": "testing"}
    model = _save("opts")
    url = models.export_model("opts", f"s3://{BUCKET}/opts.tar.gz", storage_options=options)
    models.delete(model.tag)
    assert models.import_model(url, storage_options=options).tag == model.tag


def test_bad_remote_archives(s3: str) -> None:
    import boto3

    with pytest.raises(NotFound, match="not found"):
        models.import_model(f"s3://{BUCKET}/missing.tar.gz")
    boto3.client("s3", endpoint_url=s3).put_object(Bucket=BUCKET, Key="junk.tar.gz", Body=b"junk")
    with pytest.raises(InvalidArgument, match="not a readable .tar.gz archive"):
        models.import_model(f"s3://{BUCKET}/junk.tar.gz")
    assert models.list() == []
    _save()
    with pytest.raises(NotFound, match="cannot write s3://no-such-bucket/m.tar.gz"):
        models.export_model("iris", "s3://no-such-bucket/m.tar.gz")


@pytest.mark.slow
def test_cli_export_import_s3(s3: str, vts_home: Path) -> None:
    model = _save()
    env = {**os.environ, "VTSSERVING_HOME": str(vts_home)}
    cmd = [sys.executable, "-m", "vtsserving", "models"]
    url = f"s3://{BUCKET}/cli.tar.gz"
    out = subprocess.run([*cmd, "export", "iris", url], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert url in out.stdout
    models.delete(model.tag)
    back = subprocess.run([*cmd, "import", url], capture_output=True, text=True, env=env)
    assert back.returncode == 0 and f"Imported model {model.tag}" in back.stdout
    missing = subprocess.run([*cmd, "import", f"s3://{BUCKET}/nope.tar.gz"], capture_output=True, text=True, env=env)
    assert missing.returncode == 3 and missing.stderr.count("\n") == 1 and "not found" in missing.stderr
