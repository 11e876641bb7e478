"""MLflow's scoring protocol in process: the fast path, the routes every service gets, error shapes.

The request-by-request comparison with `mlflow models serve` is
tests/integration/mlflow/test_scoring_parity.py; these drive `create_app` with Starlette's
TestClient on a small iris model saved here, and the fast path's decisions on their own.
"""

from __future__ import annotations

import contextlib
import json
import time
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import vtsserving
from vtsserving.frameworks.mlflow import _scoring
from vtsserving.frameworks.mlflow._fast import FastTable, predictions_json
from vtsserving.io import JSON, NumpyNdarray
from vtsserving.server.app import create_app
from vtsserving.server.config import ApiServerConfig, ServerConfig

with warnings.catch_warnings():  # starlette warns at import that it prefers httpx2 over httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

COLUMNS = ["a", "b", "c", "d"]
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
SPLIT = {"dataframe_split": {"columns": COLUMNS, "data": ROWS}}


# -- the fast path's decisions ----------------------------------------------------------------
def _schema(*specs: tuple[str, str, bool]):
    from mlflow.types import ColSpec, Schema

    return Schema([ColSpec(t, n, required=r) for n, t, r in specs])


def test_fast_path_only_for_one_numeric_type_all_required() -> None:
    from mlflow.types import Schema, TensorSpec

    assert FastTable.for_schema(_schema(("a", "double", True), ("b", "double", True)), False).dtype == "float64"
    assert FastTable.for_schema(_schema(("a", "long", True)), False).dtype == "int64"
    for schema in (_schema(("a", "double", True), ("b", "long", True)), _schema(("a", "float", True)),
                   _schema(("a", "double", False)), _schema(("a", "string", True)),
                   Schema([TensorSpec(np.dtype("float64"), (-1, 4))]), None):
        assert FastTable.for_schema(schema, False) is None, schema
    assert FastTable.for_schema(_schema(("a", "double", True)), True) is None  # type-hint signatures


@pytest.mark.parametrize(
    ("kind", "doc"),
    [
        ("double", SPLIT),
        ("double", {"dataframe_records": [dict(zip(COLUMNS, r, strict=True)) for r in ROWS]}),
        ("double", {"dataframe_records": [dict(zip(COLUMNS[::-1], r[::-1], strict=True)) for r in ROWS]}),
        ("double", {"dataframe_split": {"columns": COLUMNS, "data": [[5, 3, 1, 0], [2**60 + 1, 1, 1, 1]]}}),
        ("double", {"dataframe_split": {"columns": COLUMNS, "data": [[True, 1.5, 1, 0], [False, 2.5, 3, 4]]}}),
        ("double", {"dataframe_split": {"columns": COLUMNS, "data": [[2**64 - 1, 1, 1, 1]]}}),
        ("long", {"dataframe_split": {"columns": COLUMNS, "data": [[1, 2, 3, 4], [2**62, -5, 0, 1]]}}),
        ("long", {"dataframe_split": {"columns": COLUMNS, "data": [[True, 2, 3, 4]]}}),
    ],
)
def test_fast_path_gives_what_mlflows_parsing_and_enforcement_give(kind: str, doc: dict) -> None:
    """The array equals the table MLflow's own parser and schema enforcement make of the body."""
    from mlflow.models.utils import _enforce_schema
    from mlflow.pyfunc.scoring_server import infer_and_parse_data

    schema = _schema(*((c, kind, True) for c in COLUMNS))
    rows = FastTable.for_schema(schema, False).rows(json.dumps(doc).encode())
    expected = _enforce_schema(infer_and_parse_data(doc, schema), schema).to_numpy()
    assert rows is not None and rows.dtype == expected.dtype and np.array_equal(rows, expected)


@pytest.mark.parametrize(
    "body",
    [
        {**SPLIT, "params": {}},
        {**SPLIT, "foo": 1},
        {"dataframe_split": {**SPLIT["dataframe_split"], "index": [0, 1]}},
        {"dataframe_split": {"columns": COLUMNS[::-1], "data": ROWS}},
        {"dataframe_split": {"data": ROWS}},
        {"dataframe_split": {"columns": COLUMNS, "data": []}},
        {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 2.0, 3.0]]}},
        {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 1.0, 1.0]]}},
        {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, [1.0], 1.0, 1.0]]}},
        {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0]]}},
        {"dataframe_split": {"columns": COLUMNS, "data": [{"a": 1.0}]}},
        {"dataframe_split": {"columns": COLUMNS, "data": [["1", 1.0, 1.0, 1.0]]}},
        {"dataframe_split": {"columns": COLUMNS, "data": [[None, 1.0, 1.0, 1.0]]}},
        {"dataframe_records": [{"a": 1.0}]},
        {"dataframe_records": [{**dict(zip(COLUMNS, ROWS[0], strict=True)), "e": 1.0}]},
        {"inputs": ROWS},
        {"instances": ROWS},
        ROWS,
    ],
)
def test_anything_else_takes_mlflows_path(body: object) -> None:
    assert FastTable(COLUMNS, "double").rows(json.dumps(body).encode()) is None


def test_fast_path_refuses_nan_infinity_and_floats_for_long() -> None:
    fast = FastTable(COLUMNS, "double")
    assert fast.rows(b'{"dataframe_split": {"columns": ["a","b","c","d"], "data": [[NaN, 1, 1, 1]]}}') is None
    assert fast.rows(b'{"dataframe_split": {"columns": ["a","b","c","d"], "data": [[1e999, 1, 1, 1]]}}') is None
    assert FastTable(["a"], "long").rows(b'{"dataframe_split": {"columns": ["a"], "data": [[1.5]]}}') is None
    assert FastTable(["a"], "long").rows(b'{"dataframe_split": {"columns": ["a"], "data": [[18446744073709551615]]}}') is None
    assert FastTable(["a"], "long").rows(b'{"dataframe_split": {"columns": ["a"], "data": [[2]]}}').tolist() == [[2]]
    huge = json.dumps({"dataframe_split": {"columns": ["a"], "data": [[2**70]]}}).encode()
    assert FastTable(["a"], "long").rows(huge) is None  # past 64 bits: MLflow's path refuses it
    assert FastTable(["a"], "double").rows(huge).tolist() == [[float(2**70)]]  # as pandas casts it


def test_columns_fast_path_for_v2_tensors() -> None:
    fast = FastTable(COLUMNS, "double")
    columns = {c: np.array([r[i] for r in ROWS]) for i, c in enumerate(COLUMNS)}
    assert fast.from_columns(columns).tolist() == ROWS
    assert fast.from_columns({**columns, "a": columns["a"].reshape(-1, 1)}).tolist() == ROWS
    assert fast.from_columns({**columns, "a": columns["a"].astype(np.float32)}) is None
    assert fast.from_columns({**columns, "e": columns["a"]}) is None
    assert fast.from_columns({**columns, "a": np.array([1.0])}) is None


def test_predictions_json_leaves_nan_and_objects_to_mlflow() -> None:
    assert predictions_json(np.array([0, 2])) == b'{"predictions":[0,2]}'
    assert json.loads(predictions_json(np.array([0.1], dtype=np.float32))) == {"predictions": [float(np.float32(0.1))]}
    assert predictions_json(np.array([np.nan])) is None and predictions_json(np.array(["a"])) is None
    assert predictions_json([1, 2]) is None


# -- MLflow's parsers, whichever this MLflow has --------------------------------------------------
def test_older_mlflow_parsers_give_the_same_data() -> None:
    from mlflow.pyfunc import scoring_server as ss

    schema = _schema(*((c, "double", True) for c in COLUMNS))
    body = json.dumps({**SPLIT, "params": {"k": 1}}).encode()
    metadata = types.SimpleNamespace(get_params_schema=lambda: None, _is_signature_from_type_hint=lambda: False)
    newest = _scoring._parse_json(ss, body, metadata, schema)
    middle = types.SimpleNamespace(_split_data_and_params=ss._split_data_and_params, infer_and_parse_data=ss.infer_and_parse_data)
    assert newest[0].equals(_scoring._parse_json(middle, body, metadata, schema)[0])
    assert newest[1:] == ({"k": 1}, False)

    def infer_and_parse_json_input(text, schema):  # MLflow 2.0 - 2.5 take the text whole
        return ss.infer_and_parse_data(json.loads(text), schema)

    oldest = types.SimpleNamespace(infer_and_parse_json_input=infer_and_parse_json_input)
    data, params, unwrapped = _scoring._parse_json(oldest, json.dumps(SPLIT).encode(), metadata, schema)
    assert data.equals(newest[0]) and params is None and not unwrapped


def test_mlflow_500_for_a_request_becomes_400() -> None:
    from mlflow.exceptions import MlflowException

    reply = _scoring._from_mlflow_exception(MlflowException("no good"))  # INTERNAL_ERROR: 500 in MLflow
    body = json.loads(reply.body)
    assert reply.status == 400 and (body["error_code"], body["message"]) == ("BAD_REQUEST", "no good")
    kept = _scoring._from_mlflow_exception(MlflowException.invalid_parameter_value("bad value"))
    assert kept.status == 400 and json.loads(kept.body)["error_code"] == "INVALID_PARAMETER_VALUE"


# -- in a served app -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import mlflow.sklearn
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame(ROWS * 5, columns=COLUMNS)
    y = [0, 1] * 5
    model = LogisticRegression().fit(X, y)
    path = tmp_path_factory.mktemp("mlflow") / "model"
    mlflow.sklearn.save_model(model, path, signature=infer_signature(X, model.predict(X)),
                              serialization_format="cloudpickle", pip_requirements=["scikit-learn"])
    return path


@pytest.fixture
def iris_tag(saved_model: Path) -> str:
    imported = vtsserving.mlflow.import_model("tiny", saved_model, signatures={"predict": {"batchable": True}})
    return str(imported.tag)


@contextlib.contextmanager
def serving(svc: vtsserving.Service, config: ServerConfig | None = None) -> Iterator[TestClient]:
    with TestClient(create_app(svc, config)) as client:
        deadline = time.monotonic() + 30
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "not ready in 30s"
            time.sleep(0.02)
        yield client


def test_fast_and_mlflow_paths_answer_alike(iris_tag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = _scoring.MLflowScoring._invoke
    monkeypatch.setattr(_scoring.MLflowScoring, "_invoke", lambda self, *a: calls.append("mlflow") or original(self, *a))
    with serving(vtsserving.mlflow.service(iris_tag)) as client:
        fast = client.post("/invocations", json=SPLIT)
        assert calls == [] and fast.status_code == 200, fast.text
        slow = client.post("/invocations", json={**SPLIT, "params": {}})
        assert calls == ["mlflow"] and slow.json() == fast.json()
        assert client.get("/ping").status_code == 200 and client.get("/health").text == "\n"
        assert client.get("/version").text == __import__("mlflow").__version__


def test_errors_on_the_scoring_route_take_mlflows_shape(iris_tag: str) -> None:
    config = ServerConfig(api_server=ApiServerConfig(max_body_size=64))
    with serving(vtsserving.mlflow.service(iris_tag), config) as client:
        big = client.post("/invocations", json=SPLIT)
        assert big.status_code == 413, big.text
        assert big.json() == {"error_code": "BAD_REQUEST", "message": big.json()["message"],
                              "request_id": big.headers["x-request-id"]}
        media = client.post("/invocations", content=b"{}", headers={"content-type": "text/plain"})
        assert media.status_code == 415 and media.headers["content-type"].startswith("text/plain")


def test_user_service_gets_invocations_only_with_one_mlflow_model(iris_tag: str) -> None:
    one = vtsserving.mlflow.get(iris_tag).to_runner()
    svc = vtsserving.Service("user", runners=[one])

    @svc.api(input=NumpyNdarray(), output=JSON())
    def classify(x: np.ndarray) -> list:
        return one.predict.run(x).tolist()

    with serving(svc) as client:
        assert client.post("/invocations", json=SPLIT).json() == {"predictions": client.post("/classify", json=ROWS).json()}
        assert client.get("/v2/models/tiny").json()["platform"] == "mlflow"
        wrong = client.post("/classify", content=b"[", headers={"content-type": "application/json"})
        assert set(wrong.json()) == {"error", "type", "request_id"}  # the user's API keeps VtsServing's errors

    two = vtsserving.Service("two", runners=[vtsserving.mlflow.get(iris_tag).to_runner(name="a"),
                                             vtsserving.mlflow.get(iris_tag).to_runner(name="b")])
    with serving(two) as client:
        assert client.post("/invocations", json=SPLIT).status_code == 404  # which model? none is chosen
        assert client.get("/version").status_code == 200 and client.get("/ping").status_code == 200


def test_service_without_mlflow_models_has_ping_but_no_version_or_v2() -> None:
    class Double(vtsserving.Runnable):
        @vtsserving.Runnable.method
        def predict(self, x):
            return x * 2

    runner = vtsserving.Runner(Double)
    svc = vtsserving.Service("plain", runners=[runner])
    with serving(svc) as client:
        assert client.get("/ping").status_code == 200
        assert client.get("/version").status_code == 404 and client.get("/v2/health/live").status_code == 404
