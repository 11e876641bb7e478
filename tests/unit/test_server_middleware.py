"""`ServingApp`, the outer ASGI app: request metrics per route, and which requests skip Starlette.

prometheus-client's registry is process-global, so each test reads a sample before and after
its requests and compares.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

import vtsserving
from vtsserving.io import JSON, NumpyNdarray, Text
from vtsserving.server.app import create_app

with warnings.catch_warnings():  # starlette warns at import that it prefers httpx2 over httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

REQUESTS = "vts_http_requests_total"
IN_FLIGHT = "vts_http_requests_in_flight"


class RowSum(vtsserving.Runnable):
    @vtsserving.Runnable.method(batchable=True)
    def predict(self, arr: np.ndarray) -> np.ndarray:
        return arr.sum(axis=1)


def requests_total(route: str, method: str, status: int) -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return REGISTRY.get_sample_value(REQUESTS, labels) or 0.0


def in_flight(route: str) -> float:
    return REGISTRY.get_sample_value(IN_FLIGHT, {"route": route}) or 0.0


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    runner = vtsserving.Runner(RowSum, name="mw_rowsum")
    svc = vtsserving.Service("middleware_test", runners=[runner])

    @svc.api(input=NumpyNdarray(dtype="float64"), output=JSON())
    async def predict(arr):
        return await runner.predict.async_run(arr)

    @svc.api(input=Text(), output=JSON())
    def gauge(route):
        """The in-flight gauge of `route` as seen while this request is being handled."""
        return in_flight(route)

    with TestClient(create_app(svc)) as c:
        deadline = time.monotonic() + 5
        while c.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "service not ready within 5 s"
            time.sleep(0.01)
        yield c


def test_requests_are_counted_by_route_method_and_status(client):
    ok, bad = requests_total("/predict", "POST", 200), requests_total("/predict", "POST", 400)
    for _ in range(3):
        assert client.post("/predict", json=[[1, 2]]).status_code == 200
    r = client.post("/predict", content=b"[[1,", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert requests_total("/predict", "POST", 200) == ok + 3
    assert requests_total("/predict", "POST", 400) == bad + 1


def test_infrastructure_routes_are_counted_under_their_path(client):
    before = requests_total("/livez", "GET", 200)
    client.get("/livez")
    assert requests_total("/livez", "GET", 200) == before + 1


def test_unknown_paths_share_the_route_label_other(client):
    before = requests_total("other", "GET", 404)
    assert client.get("/no/such/path").status_code == 404
    assert client.get("/another-unknown-7f3a").status_code == 404
    assert requests_total("other", "GET", 404) == before + 2
    for path in ("/no/such/path", "/another-unknown-7f3a"):  # no label per path: bounded set
        assert REGISTRY.get_sample_value(REQUESTS, {"route": path, "method": "GET", "status": "404"}) is None
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    routes = {s.labels["route"] for s in families["vts_http_requests"].samples}
    assert "/no/such/path" not in routes and "other" in routes


def test_metrics_exposes_http_and_runner_metrics(client):
    def batch_count(text: str) -> float:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "vts_runner_batch_size_count" and sample.labels.get("runner") == "mw_rowsum":
                    return sample.value
        return 0.0

    before = batch_count(client.get("/metrics").text)
    assert client.post("/predict", json=[[1, 2], [3, 4]]).json() == [3.0, 7.0]
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE vts_http_requests_total counter" in r.text
    assert 'vts_http_requests_total{method="POST",route="/predict",status="200"}' in r.text
    assert "# TYPE vts_runner_batch_size histogram" in r.text
    assert batch_count(r.text) == before + 1


def test_in_flight_gauge_counts_the_request_and_returns_after(client):
    before_gauge, before_predict = in_flight("/gauge"), in_flight("/predict")
    r = client.post("/gauge", content=b"/gauge", headers={"content-type": "text/plain"})
    assert r.json() == before_gauge + 1  # this very request, while it runs
    client.post("/predict", json=[[1]])
    client.post("/predict", content=b"{", headers={"content-type": "application/json"})  # 400
    client.post("/predict", content=b"[1]", headers={"content-type": "text/csv"})  # 415
    assert in_flight("/gauge") == before_gauge
    assert in_flight("/predict") == before_predict


def test_latency_is_observed_per_route(client):
    labels = {"route": "/predict"}
    before = REGISTRY.get_sample_value("vts_http_request_duration_seconds_count", labels) or 0.0
    client.post("/predict", json=[[1]])
    after = REGISTRY.get_sample_value("vts_http_request_duration_seconds_count", labels)
    assert after == before + 1


def test_get_on_an_api_route_is_405_from_starlette(client):
    before = requests_total("/predict", "GET", 405)
    r = client.get("/predict")
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert requests_total("/predict", "GET", 405) == before + 1
