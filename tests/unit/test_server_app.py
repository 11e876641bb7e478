"""The ASGI app in process: health and readiness, API errors, body limits, docs, lifespan.

The subprocess tests in tests/integration/server/ cover the same app through `vtsserving serve`;
these drive `create_app` directly with Starlette's TestClient (which runs the lifespan, so the
runners load in the background as they do when served) and take well under a second each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import warnings
from collections.abc import Iterator

import numpy as np
import pytest

import vtsserving
from vtsserving.exceptions import NotFound, UnprocessableEntity, VtsServingError
from vtsserving.io import JSON, Multipart, NumpyNdarray, Text
from vtsserving.server.app import create_app
from vtsserving.server.config import ApiServerConfig, BatchingConfig, RunnerConfig, ServerConfig
from vtsserving.server.readiness import Readiness

with warnings.catch_warnings():  # starlette warns at import that it prefers httpx2 over httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

READY_WITHIN = 5.0


class RowSum(vtsserving.Runnable):
    """Sums each row; `gate` (a threading.Event) holds `__init__` back until the test releases it."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        if gate is not None and not gate.wait(READY_WITHIN * 2):
            raise TimeoutError("the test never released the gate")

    @vtsserving.Runnable.method(batchable=True)
    def predict(self, arr: np.ndarray) -> np.ndarray:
        return arr.sum(axis=1)


class BrokenModel(vtsserving.Runnable):
    def __init__(self) -> None:
        raise RuntimeError("weights file /models/w.bin is missing")

    @vtsserving.Runnable.method(batchable=True)
    def predict(self, arr: np.ndarray) -> np.ndarray:
        return arr  # pragma: no cover - never built


class Teapot(VtsServingError):
    status_code = 418


def make_service(runnable: type[vtsserving.Runnable] = RowSum, **init_params) -> vtsserving.Service:
    """A service with one RowSum-like runner and APIs for every path the tests exercise."""
    runner = vtsserving.Runner(runnable, name="rowsum", runnable_init_params=init_params)
    svc = vtsserving.Service("app_test", runners=[runner])

    @svc.api(input=NumpyNdarray(dtype="float64"), output=JSON())
    async def predict(arr):
        return await runner.predict.async_run(arr)

    @svc.api(input=NumpyNdarray(dtype="float64"), output=JSON())
    def predict_sync(arr):
        return runner.predict.run(arr)

    @svc.api(input=Text(), output=Text())
    def echo(text):
        return text

    @svc.api(input=Text(), output=JSON())
    def boom(text):
        raise RuntimeError(f"secret internal detail {text}")

    @svc.api(input=Text(), output=JSON())
    def refuse(text):
        error = {"422": UnprocessableEntity, "404": NotFound, "418": Teapot}[text]
        raise error(f"refused with {text}")

    @svc.api(input=Multipart(text=Text(), meta=JSON()), output=JSON())
    def upload(text, meta):
        return {"length": len(text), "meta": meta}

    return svc


def wait_ready(client: TestClient) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        r = client.get("/readyz")
        if r.status_code == 200:
            return
        time.sleep(0.01)
    raise AssertionError(f"/readyz not 200 within {READY_WITHIN}s: {r.status_code} {r.text}")


@contextlib.contextmanager
def serving(svc: vtsserving.Service, config: ServerConfig | None = None) -> Iterator[TestClient]:
    """A TestClient on the running app (lifespan started), once every runner is ready."""
    with TestClient(create_app(svc, config)) as client:
        wait_ready(client)
        yield client


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """One ready app shared by the tests that only send requests."""
    with serving(make_service()) as c:
        yield c


def _error_body(r, status: int, error_type: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error", "type", "request_id"}
    assert body["type"] == error_type
    assert body["request_id"] == r.headers["x-request-id"]
    return body


# -- health and readiness -----------------------------------------------------------------------


def test_livez_at_once_readyz_and_apis_503_until_the_models_load():
    gate = threading.Event()
    svc = make_service(gate=gate)
    with TestClient(create_app(svc)) as client:
        try:
            live = client.get("/livez")
            assert (live.status_code, live.text) == (200, "ok")
            for path in ("/readyz", "/healthz"):
                r = client.get(path)
                assert r.status_code == 503
                assert r.headers["retry-after"] == "1"
                assert "loading" in r.text
            api = client.post("/predict", json=[[1, 2]])
            body = _error_body(api, 503, "ServiceUnavailable")
            assert api.headers["retry-after"] == "1"
            assert "loading" in body["error"]
        finally:
            gate.set()
        wait_ready(client)
        assert client.get("/readyz").text == "ready"
        assert client.get("/healthz").status_code == 200
        assert client.post("/predict", json=[[1, 2]]).json() == [3.0]


def test_runnable_init_failure_keeps_readyz_503_with_the_error():
    with TestClient(create_app(make_service(BrokenModel))) as client:
        deadline = time.monotonic() + READY_WITHIN
        while "failed" not in (r := client.get("/readyz")).text and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.status_code == 503
        assert r.headers["retry-after"] == "1"
        assert "models failed to load: RuntimeError: weights file /models/w.bin is missing" in r.text
        api = client.post("/predict", json=[[1, 2]])
        assert "models failed to load" in _error_body(api, 503, "ServiceUnavailable")["error"]
        assert client.get("/livez").status_code == 200  # alive, just not ready
        time.sleep(0.05)
        assert client.get("/readyz").status_code == 503  # and it stays that way


# -- successful calls ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/predict", "/predict_sync"])
def test_call_returns_json_and_a_request_id(client, route):
    r = client.post(route, json=[[1, 2, 3], [4, 5, 6.5]])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json() == [6.0, 15.5]
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])
    other = client.post(route, json=[[1]])
    assert other.headers["x-request-id"] != r.headers["x-request-id"]


def test_given_request_id_is_echoed(client):
    r = client.post("/predict", json=[[1, 1]], headers={"x-request-id": "trace-abc-123"})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "trace-abc-123"
    bad = client.post("/predict", content=b"[[1,", headers={"x-request-id": "trace-err-9",
                                                             "content-type": "application/json"})
    assert bad.headers["x-request-id"] == "trace-err-9"
    assert bad.json()["request_id"] == "trace-err-9"


# -- client errors ------------------------------------------------------------------------------


def test_wrong_content_type_is_415(client):
    r = client.post("/predict", content=b"[[1, 2]]", headers={"content-type": "application/xml"})
    body = _error_body(r, 415, "UnsupportedMediaType")
    assert "application/json" in body["error"] and "application/xml" in body["error"]


def test_malformed_json_is_400(client):
    r = client.post("/predict", content=b"[[1, 2", headers={"content-type": "application/json"})
    body = _error_body(r, 400, "BadInput")
    assert "not valid JSON" in body["error"]


SMALL = ServerConfig(api_server=ApiServerConfig(max_body_size=100))


def test_body_over_max_body_size_is_413_with_content_length():
    with serving(make_service(), SMALL) as client:
        exact = client.post("/echo", content=b"x" * 100, headers={"content-type": "text/plain"})
        assert exact.status_code == 200 and len(exact.text) == 100  # the limit itself is allowed
        r = client.post("/echo", content=b"x" * 101, headers={"content-type": "text/plain"})
        assert r.request.headers["content-length"] == "101"
        assert "100" in _error_body(r, 413, "PayloadTooLarge")["error"]
        big = client.post("/predict", json=[[1.0] * 60])
        _error_body(big, 413, "PayloadTooLarge")


def test_body_over_max_body_size_is_413_without_content_length():
    def chunks():
        for _ in range(15):
            yield b"x" * 10

    with serving(make_service(), SMALL) as client:
        r = client.post("/echo", content=chunks(), headers={"content-type": "text/plain"})
        assert "content-length" not in r.request.headers  # sent chunked
        assert "100" in _error_body(r, 413, "PayloadTooLarge")["error"]


async def test_streamed_body_is_refused_as_it_passes_the_limit():
    """Raw ASGI: the body arrives in 50-byte messages; reading stops once it passes 100 bytes."""
    readiness = Readiness()
    readiness.mark_ready()  # the service has no runner to wait for; no lifespan needed
    svc = vtsserving.Service("stream_test")

    @svc.api(input=Text(), output=Text())
    def echo(text):
        return text

    app = create_app(svc, SMALL, readiness)
    received: list[int] = []
    sent: list[dict] = []

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"y" * 50, "more_body": len(received) < 20}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/echo", "raw_path": b"/echo", "query_string": b"",
        "headers": [(b"content-type", b"text/plain")], "http_version": "1.1", "scheme": "http",
        "server": ("testserver", 80), "client": ("127.0.0.1", 1234), "root_path": "",
    }
    await asyncio.wait_for(app(scope, receive, send), 5)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert len(received) == 3  # 150 bytes read, the 17 other messages never were


# -- errors in user code ------------------------------------------------------------------------


def test_exception_in_user_code_is_500_without_its_text(client, caplog):
    with caplog.at_level(logging.ERROR, logger="vtsserving.server"):
        r = client.post("/boom", content=b"xyz", headers={"content-type": "text/plain"})
    body = _error_body(r, 500, "InternalError")
    assert "secret internal detail" not in r.text and "RuntimeError" not in r.text
    assert "Traceback" not in r.text
    assert body["request_id"] in body["error"]  # points at the log entry
    logged = "\n".join(rec.getMessage() + str(rec.exc_info) for rec in caplog.records)
    assert body["request_id"] in logged and "secret internal detail xyz" in logged
    assert client.get("/livez").status_code == 200


@pytest.mark.parametrize(("code", "error_type"), [("422", "UnprocessableEntity"), ("404", "NotFound"),
                                                   ("418", "Teapot")])
def test_vtsserving_error_in_user_code_keeps_its_status(client, code, error_type):
    r = client.post("/refuse", content=code.encode(), headers={"content-type": "text/plain"})
    body = _error_body(r, int(code), error_type)
    assert body["error"] == f"refused with {code}"


# -- documentation ------------------------------------------------------------------------------


def test_docs_json_is_the_service_openapi_spec(client):
    svc = client.app.state.service
    r = client.get("/docs.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == svc.openapi_spec()
    assert set(r.json()["paths"]) >= {f"/{name}" for name in svc.apis}


def test_root_serves_the_swagger_page(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<title>app_test - VtsServing</title>" in r.text
    assert 'url: "/docs.json"' in r.text
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', r.text).group(1)
    assert client.get(script).status_code == 200  # served offline from the installed bundle
    redirect = client.get("/docs", follow_redirects=False)
    assert redirect.status_code in (302, 307) and redirect.headers["location"] == "/"


# -- multipart ----------------------------------------------------------------------------------


def test_multipart_part_over_1mb_is_accepted_under_the_body_limit(client):
    text = "a" * (1024 * 1024 + 512 * 1024)  # 1.5 MB, past Starlette's 1 MB default per part
    files = {"text": (None, text.encode(), "text/plain"), "meta": (None, b'{"id": 7}', "application/json")}
    r = client.post("/upload", files=files)
    assert r.status_code == 200, r.text
    assert r.json() == {"length": len(text), "meta": {"id": 7}}


def test_multipart_over_the_body_limit_is_413():
    config = ServerConfig(api_server=ApiServerConfig(max_body_size=64 * 1024))
    with serving(make_service(), config) as client:
        small = {"text": (None, b"hello", "text/plain"), "meta": (None, b"{}", "application/json")}
        assert client.post("/upload", files=small).json() == {"length": 5, "meta": {}}
        files = {"text": (None, b"a" * 70 * 1024, "text/plain"), "meta": (None, b"{}", "application/json")}
        _error_body(client.post("/upload", files=files), 413, "PayloadTooLarge")


# -- runners: configuration and lifespan --------------------------------------------------------


def test_runner_batching_follows_the_config():
    svc = make_service()
    runner = svc.runners[0]
    config = ServerConfig(runners={"rowsum": RunnerConfig(max_batch_size=7)})
    with serving(svc, config) as client:
        assert runner.predict.batcher is not None
        assert runner.predict.batcher.max_batch_size == 7
        assert client.post("/predict", json=[[1, 2]]).json() == [3.0]


def test_batching_disabled_in_the_config_leaves_no_batcher():
    svc = make_service()
    runner = svc.runners[0]
    with serving(svc, ServerConfig(batching=BatchingConfig(enabled=False))) as client:
        assert runner.executor is not None  # the runner is served ...
        assert runner.predict.batcher is None  # ... without a batch queue
        assert client.post("/predict", json=[[1, 2]]).json() == [3.0]
        assert client.post("/predict_sync", json=[[2, 2]]).json() == [4.0]


def test_lifespan_shutdown_stops_the_runners():
    svc = make_service()
    runner = svc.runners[0]
    with serving(svc) as client:
        assert client.post("/predict", json=[[1, 2]]).status_code == 200
        executor = runner.executor
        assert executor is not None and runner.predict.batcher is not None
    assert runner.executor is None
    assert runner.predict.batcher is None
    assert executor._shutdown  # the model thread pool was shut down, not just dropped
