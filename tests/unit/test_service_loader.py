"""Loading a Service from `module:attr`, a vts folder, a vts tag; and its OpenAPI document."""

from __future__ import annotations

import os
import sys
import uuid

import pytest

import vtsserving
from vtsserving.exceptions import InvalidArgument, NotFound
from vtsserving.io import JSON, NumpyNdarray, Text
from vtsserving.service import default_target, load
from vtsserving.store import Store

SERVICE_CODE = """
import os
import vtsserving
from vtsserving.io import Text

MODEL_STORE = os.environ.get("VTSSERVING_MODEL_STORE")
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
    svc = load(f"{mod}:svc", str(tmp_path))
    assert svc.name == "demo" and list(svc.apis) == ["echo"]
    assert svc.import_str == f"{mod}:svc" and svc.working_dir == str(tmp_path)
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


def _write_vts(root, name="demo"):
    mod = f"svc_{uuid.uuid4().hex[:8]}"
    (root / "src").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "src" / f"{mod}.py").write_text(SERVICE_CODE.format(name=name))
    (root / "vts.yaml").write_text(f'service: "{mod}:svc"\nname: {name}\n')
    return mod


def test_vts_folder_puts_src_on_path_and_models_as_store(tmp_path):
    vts = tmp_path / "my_vts"
    mod = _write_vts(vts)
    svc = load(str(vts))
    assert svc.import_str == f"{mod}:svc"
    assert svc.working_dir == str(vts / "src")
    assert str(vts / "models") == sys.modules[mod].MODEL_STORE
    assert os.environ["VTSSERVING_MODEL_STORE"] == str(vts / "models")


def test_vts_tag_in_the_store(tmp_path):
    store = Store(vtsserving.home.vts_dir(), "vts", "vts.yaml")
    with store.create("iris_svc") as (tag, tmpdir):
        _write_vts(tmpdir, name="iris_svc")
    svc = load("iris_svc:latest", str(tmp_path))
    assert svc.name == "iris_svc"
    assert svc.working_dir == os.path.join(str(store.get(tag).path), "src")
    assert load(str(tag), str(tmp_path)).name == "iris_svc"


def test_default_target_reads_vtsfile(tmp_path):
    with pytest.raises(NotFound, match="vtsfile.yaml"):
        default_target(str(tmp_path))
    (tmp_path / "vtsfile.yaml").write_text('service: "service:svc"\n')
    assert default_target(str(tmp_path)) == "service:svc"


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
