"""IO descriptors without a server: parsing, checks, rendering, schema and spec round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from vtsserving.exceptions import BadInput, InvalidArgument, UnsupportedMediaType
from vtsserving.io import (
    JSON,
    File,
    Image,
    IODescriptor,
    Multipart,
    NumpyNdarray,
    PandasDataFrame,
    PandasSeries,
    Text,
)


class Point(BaseModel):
    x: float
    y: float


def test_numpy_enforces_dtype_and_shape():
    d = NumpyNdarray(dtype="float32", shape=[-1, 2], enforce_dtype=True, enforce_shape=True)
    arr = d.parse(b"[[1, 2], [3, 4]]", "application/json")
    assert arr.dtype == np.float32 and arr.shape == (2, 2)
    with pytest.raises(BadInput, match=r"shape \[1, 3\]; expected \[-1, 2\]"):
        d.parse(b"[[1, 2, 3]]", "application/json")
    with pytest.raises(BadInput, match="float32"):
        d.parse(b'[["a", "b"]]', "application/json")
    with pytest.raises(BadInput, match="rectangular"):
        NumpyNdarray().parse(b"[[1], [2, 3]]", "application/json")
    with pytest.raises(BadInput, match="int64"):
        NumpyNdarray(dtype="int64", enforce_dtype=True).parse(b"[1.5]", "")
    with pytest.raises(BadInput, match="item 0: not a whole number; expected int64"):
        NumpyNdarray(dtype="int64").parse(b"[1.5]", "")  # the schema says integer: so does the check
    assert NumpyNdarray(dtype="int64").parse(b"[1.0, 2]", "").tolist() == [1, 2]


def test_numpy_schema_follows_shape_and_dtype():
    schema = NumpyNdarray(dtype="int32", shape=[-1, 3], enforce_shape=True).schema()
    int32 = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
    assert schema == {"type": "array", "minItems": 1, "items": {"type": "array", "items": int32, "minItems": 3, "maxItems": 3}}
    assert NumpyNdarray().render(np.arange(3))[0] == b"[0,1,2]"


def test_enforce_without_declaration_is_a_usage_error():
    with pytest.raises(InvalidArgument):
        NumpyNdarray(enforce_dtype=True)
    with pytest.raises(InvalidArgument):
        PandasDataFrame(enforce_shape=True)


@pytest.mark.parametrize(
    ("orient", "body"),
    [
        ("records", [{"a": 1, "b": 2.5}]),
        ("split", {"columns": ["a", "b"], "data": [[1, 2.5]]}),
        ("columns", {"a": {"0": 1}, "b": {"0": 2.5}}),
        ("values", [[1, 2.5]]),
    ],
)
def test_dataframe_orients(orient, body):
    d = PandasDataFrame(orient=orient, columns=["a", "b"])
    frame = d.parse(json.dumps(body).encode(), "application/json")
    assert list(frame.columns) == ["a", "b"] and frame.iloc[0].tolist() == [1, 2.5]
    assert json.loads(d.render(frame)[0]) == json.loads(json.dumps(body)) or orient == "columns"


def test_dataframe_columns_dtype_and_shape():
    d = PandasDataFrame(columns=["a", "b"], dtype={"a": "int64", "b": "float64"}, enforce_dtype=True, shape=[-1, 2], enforce_shape=True)
    with pytest.raises(BadInput, match=r"missing \['b'\], unexpected \['c'\]"):
        d.parse(b'[{"a": 1, "c": 2}]', "application/json")
    with pytest.raises(BadInput, match="dtype"):
        d.parse(b'[{"a": "x", "b": 2}]', "application/json")
    frame = d.parse(b"a,b\n1,2\n", "text/csv")
    assert frame.dtypes.tolist() == [np.dtype("int64"), np.dtype("float64")]
    schema = d.schema()
    assert schema["items"]["required"] == ["a", "b"]
    assert schema["items"]["properties"] == {
        "a": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
        "b": {"type": "number", "minimum": -1.7976931348623157e308, "maximum": 1.7976931348623157e308},
    }


def test_series_and_text_and_file():
    s = PandasSeries(dtype="float64", enforce_dtype=True).parse(b"[1, 2]", "application/json")
    assert isinstance(s, pd.Series) and s.dtype == np.float64
    with pytest.raises(BadInput):
        PandasSeries().parse(b"[[1]]", "application/json")
    assert Text().parse("é".encode(), "text/plain") == "é"
    with pytest.raises(BadInput, match="UTF-8"):
        Text().parse(b"\xff", "text/plain")
    assert File().parse(b"abc", "application/pdf").read() == b"abc"
    assert File(mime_type="application/pdf").render(b"x") == (b"x", "application/pdf")


def test_json_with_model_validates_and_documents():
    d = JSON(pydantic_model=Point)
    assert d.parse(b'{"x": 1, "y": 2}', "application/json") == Point(x=1, y=2)
    with pytest.raises(BadInput, match="^y: required key is missing"):
        d.parse(b'{"x": 1}', "application/json")
    with pytest.raises(BadInput, match="not valid JSON"):
        d.parse(b"{", "application/json")
    assert d.schema() == {"$ref": "#/components/schemas/Point"}
    assert d.components()["Point"]["required"] == ["x", "y"]
    assert JSON().render({"a": np.int64(3), "b": float("nan")})[0] == b'{"a":3,"b":null}'
    assert JSON().render({"big": 2**70, "n": np.float32(0.5)})[0] == b'{"big":1180591620717411303424,"n":0.5}'


def test_content_type_is_checked():
    NumpyNdarray().check_content_type("application/json; charset=utf-8")
    NumpyNdarray().check_content_type("")
    with pytest.raises(UnsupportedMediaType, match="application/json"):
        NumpyNdarray().check_content_type("text/plain")
    Image().check_content_type("image/webp")


def test_image_round_trip():
    from io import BytesIO

    from PIL import Image as PILImage

    buf = BytesIO()
    PILImage.new("RGB", (4, 3), (1, 2, 3)).save(buf, format="PNG")
    img = Image(pilmode="L").parse(buf.getvalue(), "image/png")
    assert img.mode == "L" and img.size == (4, 3)
    data, media = Image(mime_type="image/png").render(np.zeros((2, 2, 3), dtype=np.uint8))
    assert media == "image/png" and data.startswith(b"\x89PNG")
    with pytest.raises(BadInput, match="not an image"):
        Image().parse(b"nope", "image/png")


def test_specs_round_trip():
    for d in [
        NumpyNdarray(dtype="float32", shape=[-1, 4], enforce_shape=True),
        PandasDataFrame(orient="split", columns=["a"]),
        PandasSeries(dtype="int64"),
        JSON(),
        Text(),
        File(mime_type="image/png"),
        Image(pilmode="RGB"),
    ]:
        spec = d.to_spec()
        assert spec["id"] == f"vtsserving.io.{type(d).__name__}"
        again = IODescriptor.from_spec(spec)
        assert again.to_spec() == spec
        json.dumps(spec)  # plain data
    assert JSON(pydantic_model=Point).to_spec()["args"]["pydantic_model"].endswith("Point")
    multi = Multipart(a=Text(), b=NumpyNdarray()).to_spec()
    assert multi["args"]["a"] == {"id": "vtsserving.io.Text", "args": {}}
    with pytest.raises(InvalidArgument):
        IODescriptor.from_spec({"id": "os.system"})


def test_multipart_documents_each_part():
    d = Multipart(img=Image(), meta=JSON(pydantic_model=Point))
    content = d.openapi_content()["multipart/form-data"]
    assert content["schema"]["properties"]["meta"] == {"$ref": "#/components/schemas/Point"}
    assert content["encoding"]["meta"] == {"contentType": "application/json"}
    assert "Point" in d.components()
    body, media = Multipart(t=Text()).render({"t": "hi"})
    assert media.startswith("multipart/form-data; boundary=") and b"hi" in body
