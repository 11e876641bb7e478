"""Loading a Service from `module:attr`, a vts folder or a vts tag, with no lasting side effects."""

from __future__ import annotations

import os
import sys
import uuid

import pytest

import vtsserving
from vtsserving.builder import vtsfile_service
from vtsserving.exceptions import InvalidArgument, NotFound
from vtsserving.home import models_dir
from vtsserving.io import JSON, NumpyNdarray, Text
from vtsserving.server.target import load_target as load
from vtsserving.vts import vts_store

SERVICE_CODE = """
import vtsserving
from vtsserving.home import models_dir
from vtsserving.io import Text

MODEL_STORE = str(models_dir())
svc = vtsserving.Service("{name}")

@svc.api(input=Text(), output=Text())
def echo(text):
    return text
"""


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("VTSSERVING_MODEL_STORE", raising=False)


def _module(tmp_path, code=SERVICE_CODE, name="demo"):
    mod = f"svc_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{mod}.py").write_text(code.format(name=name))
    return mod


def test_module_attr_and_module_alone(tmp_path):
    mod = _module(tmp_path)
    path_before = list(sys.path)
    svc = load(f"{mod}:svc", str(tmp_path))
    assert svc.name == "demo" and list(svc.apis) == ["echo"]
    assert svc.import_str == f"{mod}:svc" and svc.working_dir == str(tmp_path)
    assert sys.path == path_before  # the folder was on sys.path for the import only
    again = load(mod, str(tmp_path))
    assert again is svc and again.import_str == f"{mod}:svc"


def test_import_error_keeps_the_original_message(tmp_path):
    mod = _module(tmp_path, code="raise RuntimeError('model file /x is missing')\n")
    with pytest.raises(InvalidArgument, match=r"RuntimeError: model file /x is missing"):
        load(f"{mod}:svc", str(tmp_path))
    with pytest.raises(InvalidArgument, match="is not a vtsserving.Service"):
        load(f"{_module(tmp_path)}:nothing", str(tmp_path))
    with pytest.raises(InvalidArgument, match="No module named"):
        load("no_such_module_xyz:svc", str(tmp_path))


def _write_vts(root, name="demo", version="v1"):
    mod = f"svc_{uuid.uuid4().hex[:8]}"
    (root / "src").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "src" / f"{mod}.py").write_text(SERVICE_CODE.format(name=name))
    (root / "vts.yaml").write_text(f'service: "{mod}:svc"\nname: {name}\nversion: {version}\n')
    return mod


def test_vts_folder_imports_with_its_models_as_the_store_and_leaves_no_trace(tmp_path):
    vts = tmp_path / "my_vts"
    mod = _write_vts(vts)
    store_before, path_before, env_before = models_dir(), list(sys.path), dict(os.environ)
    svc = load(str(vts))
    assert svc.import_str == f"{mod}:svc"
    assert svc.working_dir == str(vts / "src")
    assert str(vts / "models") == sys.modules[mod].MODEL_STORE  # what the service saw on import
    # ... and nothing in the rest of the process changed
    assert models_dir() == store_before and sys.path == path_before and dict(os.environ) == env_before
    assert vtsserving.models.list() == []


def test_vts_tag_in_the_store(tmp_path):
    with vts_store().create("iris_svc") as (tag, tmpdir):
        _write_vts(tmpdir, name="iris_svc", version=tag.version)
    svc = load("iris_svc:latest", str(tmp_path))
    assert svc.name == "iris_svc"
    assert svc.working_dir == os.path.join(str(vts_store().get(tag).path), "src")
    assert load(str(tag), str(tmp_path)).name == "iris_svc"


def test_vtsfile_service_reads_vtsfile(tmp_path):
    with pytest.raises(NotFound, match="vtsfile.yaml"):
        vtsfile_service(str(tmp_path))
    (tmp_path / "vtsfile.yaml").write_text('service: "service:svc"\n')
    assert vtsfile_service(str(tmp_path)) == "service:svc"


def test_openapi_document():
    svc = vtsserving.Service("doc_svc")

    class Item(__import__("pydantic").BaseModel):
        name: str

    @svc.api(input=NumpyNdarray(dtype="float32", shape=[-1, 4], enforce_shape=True), output=JSON(), route="v1/predict")
    async def predict(arr):
        """Predict classes.

        Longer text."""
        return arr.tolist()

    @svc.api(input=JSON(pydantic_model=Item), output=Text())
    def name(item):
        return item.name

    spec = svc.openapi_spec()
    assert spec["openapi"].startswith("3.0")
    op = spec["paths"]["/v1/predict"]["post"]
    assert op["summary"] == "Predict classes."
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body["items"]["maxItems"] == 4
    assert set(op["responses"]) >= {"200", "400", "413", "415", "500", "503"}
    assert spec["components"]["schemas"]["Item"]["properties"]["name"]["type"] == "string"
    assert {"/livez", "/readyz", "/healthz", "/metrics"} <= set(spec["paths"])
    from openapi_spec_validator import validate

    validate(spec)
