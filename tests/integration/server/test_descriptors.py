"""Every IO descriptor over real HTTP, and the 4xx answers to bad input."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(descriptors_server):
    with httpx.Client(base_url=descriptors_server.url, timeout=30) as c:
        yield c


def test_numpy_round_trip(client):
    r = client.post("/double", json=[[1, 2, 3], [4, 5, 6]])
    assert r.status_code == 200
    assert r.json() == [[2, 4, 6], [8, 10, 12]]


@pytest.mark.parametrize(
    ("body", "needle"),
    [([[1, 2]], "expected [-1, 3]"), ([[1.5, 2, 3]], "int64"), ([["a", "b", "c"]], "int64"), ({"x": 1}, "JSON array")],
)
def test_numpy_bad_input_is_400(client, body, needle):
    r = client.post("/double", json=body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]


def test_dataframe_records(client):
    r = client.post("/frame", json=[{"a": 1.5, "b": 2}, {"a": 0, "b": 1}])
    assert r.status_code == 200
    assert r.json() == [{"a": 1.5, "b": 2, "total": 3.5}, {"a": 0.0, "b": 1, "total": 1.0}]


def test_dataframe_csv(client):
    r = client.post("/frame", content=b"a,b\n1.5,2\n", headers={"content-type": "text/csv"})
    assert r.status_code == 200
    assert r.json() == [{"a": 1.5, "b": 2, "total": 3.5}]


@pytest.mark.parametrize(
    ("body", "needle"),
    [([{"a": 1}], "missing ['b']"), ([{"a": 1, "b": 2, "c": 3}], "unexpected ['c']"), ([{"a": "x", "b": 2}], "dtype")],
)
def test_dataframe_bad_columns_or_types(client, body, needle):
    r = client.post("/frame", json=body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]


def test_series(client):
    r = client.post("/series", json=[1, 2, 3.5])
    assert r.status_code == 200
    assert r.json() == [1.0, 3.0, 6.5]
    assert client.post("/series", json=[[1], [2]]).status_code == 400


def test_json_with_pydantic(client):
    r = client.post("/order", json={"item": "pen", "quantity": 3})
    assert r.json() == {"item": "PEN", "quantity": 3, "total": 6}
    bad = client.post("/order", json={"item": "pen", "quantity": "many"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("quantity:")


def test_json_any(client):
    doc = {"a": [1, None, "x"], "b": {"c": True}}
    assert client.post("/echo_json", json=doc).json() == {"got": doc}


def test_text(client):
    r = client.post("/shout", content="héllo", headers={"content-type": "text/plain; charset=utf-8"})
    assert r.text == "HÉLLO"
    assert r.headers["content-type"].startswith("text/plain")


def test_file(client):
    r = client.post("/reverse_bytes", content=b"\x00\x01abc", headers={"content-type": "application/octet-stream"})
    assert r.content == b"cba\x01\x00"


def _png(size=(3, 2), color=(255, 0, 0)) -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", size, color)
    img.putpixel((0, 0), (0, 0, 255))
    img.save(out, format="PNG")
    return out.getvalue()


def test_image(client):
    r = client.post("/flip", content=_png(), headers={"content-type": "image/png"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (3, 2)
    assert img.getpixel((2, 0)) == (0, 0, 255)  # mirrored
    bad = client.post("/flip", content=b"not an image", headers={"content-type": "image/png"})
    assert bad.status_code == 400


def test_multipart(client):
    files = {"img": ("a.png", _png((5, 4)), "image/png")}
    data = {"meta": json.dumps({"item": "cup", "quantity": 1})}
    r = client.post("/describe", files=files, data=data)
    assert r.status_code == 200, r.text
    assert r.json() == {"size": [5, 4], "item": "cup"}
    missing = client.post("/describe", files=files)
    assert missing.status_code == 400
    assert "missing ['meta']" in missing.json()["error"]


def test_malformed_json_and_wrong_content_type(client):
    r = client.post("/double", content=b"[[1,2,", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]
    r = client.post("/double", content=b"[[1,2,3]]", headers={"content-type": "application/xml"})
    assert r.status_code == 415
    assert "application/json" in r.json()["error"]


def test_user_error_is_500_with_request_id_and_no_traceback(client, descriptors_server):
    r = client.post("/boom", content="xyz", headers={"content-type": "text/plain"})
    assert r.status_code == 500
    body = r.json()
    assert body["request_id"] == r.headers["x-request-id"]
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    logs = descriptors_server.logs()
    assert body["request_id"] in logs
    assert "secret internal detail xyz" in logs
    assert client.get("/livez").status_code == 200  # still serving


def test_health_docs_and_metrics(client):
    assert client.get("/livez").text == "ok"
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    spec = client.get("/docs.json").json()
    assert spec["openapi"].startswith("3.")
    assert spec["paths"]["/order"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Order"
    }
    assert "Order" in spec["components"]["schemas"]
    client.post("/double", json=[[1, 2, 3]])
    text = client.get("/metrics").text
    assert 'vts_http_requests_total{method="POST",route="/double",status="200"}' in text
    assert "vts_http_request_duration_seconds_bucket" in text
    assert "vts_http_requests_in_flight" in text
    page = client.get("/")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
