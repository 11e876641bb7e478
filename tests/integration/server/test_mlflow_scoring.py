"""An imported MLflow model served with no service code: MLflow's /invocations formats.

The request-by-request comparison with `mlflow models serve` over seven model kinds is
tests/integration/mlflow/test_scoring_parity.py; these are the VtsServing sides of it (OpenAPI,
params through the runner, the scoring routes a user service gets, schemathesis).
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from vts_server_helpers import APP_DIR

pytestmark = pytest.mark.slow

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]
RECORDS = [dict(zip(COLUMNS, r, strict=True)) for r in ROWS]
REQUESTS = [
    {"dataframe_split": {"columns": COLUMNS, "data": ROWS}},
    {"dataframe_records": RECORDS},
    {"inputs": {c: [r[i] for r in ROWS] for i, c in enumerate(COLUMNS)}},
    {"instances": RECORDS},
    {"dataframe_split": {"columns": COLUMNS[::-1], "data": [r[::-1] for r in ROWS]}},
]


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iris")
    home = tmp / "home"
    code = f"import sys; sys.path.insert(0, {str(APP_DIR)!r}); from make_iris import make_iris; print(make_iris({str(tmp)!r})[0])"
    env = {**os.environ, "VTSSERVING_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return {"home": str(home), "mlflow_path": out.stdout.strip().splitlines()[-1], "tmp": tmp}


@pytest.fixture(scope="module")
def vts_server(iris):
    from vts_server_helpers import start_server

    server = start_server("mlflow-model:iris:latest", iris["tmp"], env={"VTSSERVING_HOME": iris["home"]}, timeout=240)
    yield server
    server.stop()


def _expected(iris) -> list[int]:
    import mlflow.pyfunc
    import pandas as pd

    model = mlflow.pyfunc.load_model(iris["mlflow_path"])
    return model.predict(pd.DataFrame(ROWS, columns=COLUMNS)).tolist()


@pytest.mark.parametrize("body", REQUESTS, ids=["split", "records", "inputs", "instances", "reordered"])
def test_every_mlflow_format(vts_server, iris, body):
    r = httpx.post(vts_server.url + "/invocations", json=body, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"predictions": _expected(iris)}


def test_csv_body(vts_server, iris):
    csv = ",".join(COLUMNS) + "\n" + "\n".join(",".join(map(str, r)) for r in ROWS) + "\n"
    r = httpx.post(vts_server.url + "/invocations", content=csv, headers={"content-type": "text/csv"})
    assert r.json() == {"predictions": _expected(iris)}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"dataframe_records": [{"sepal_length": 1.0}]}, "missing inputs ['sepal_width', 'petal_length', 'petal_width']"),
        ({"inputs": ROWS}, "Model is missing inputs"),  # rows have no column names: MLflow refuses them
        ({"inputs": [[1.0, 2.0, 3.0, "x"]]}, "could not convert string to float"),
        ({"rows": ROWS}, "exactly one of the input fields"),
    ],
)
def test_signature_mismatch_is_400_in_mlflow_shape(vts_server, body, needle):
    r = httpx.post(vts_server.url + "/invocations", json=body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["message"] and r.json()["error_code"] in ("BAD_REQUEST", "INVALID_PARAMETER_VALUE")


def test_extra_columns_are_dropped_as_mlflow_does(vts_server, iris):
    body = {"dataframe_split": {"columns": [*COLUMNS, "extra"], "data": [[*r, 5] for r in ROWS]}}
    r = httpx.post(vts_server.url + "/invocations", json=body)
    assert r.json() == {"predictions": _expected(iris)}, r.text


def test_openapi_schema_from_signature(vts_server):
    spec = httpx.get(vts_server.url + "/docs.json").json()
    schema = spec["paths"]["/invocations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    records = next(s for s in schema["anyOf"] if "dataframe_records" in s["properties"])
    props = records["properties"]["dataframe_records"]["items"]["properties"]
    assert props == {c: {"type": "number"} for c in COLUMNS}


def test_openapi_documents_mlflow_errors_and_an_example(vts_server):
    import jsonschema

    op = httpx.get(vts_server.url + "/docs.json").json()["paths"]["/invocations"]["post"]
    body = op["requestBody"]["content"]["application/json"]
    jsonschema.validate(body["example"], body["schema"])
    assert httpx.post(vts_server.url + "/invocations", json=body["example"]).status_code == 200
    error = op["responses"]["400"]["content"]["application/json"]["schema"]
    reply = httpx.post(vts_server.url + "/invocations", json={"dataframe_split": {"columns": ["x"], "data": [["a"]]}})
    assert reply.status_code == 400
    jsonschema.validate(reply.json(), error)
    assert error["required"] == ["error_code", "message"]
    assert list(op["responses"]["415"]["content"]) == ["text/plain"]  # as MLflow answers it


def test_schemathesis_every_positive_check(vts_server, tmp_path):
    """No 5xx, every schema-valid request accepted, every answer on schema. Not the negative check:
    MLflow's parser also takes what no JSON Schema can say (true/false in a number column when the
    column holds nothing else, extra keys, `index`), and parity with `mlflow models serve` wins."""
    from vts_server_helpers import run_schemathesis

    out = run_schemathesis(vts_server.url, tmp_path, "--exclude-checks", "negative_data_rejection",
                           checks="all", max_examples=60)
    assert "No issues found" in out, out[-3000:]
    assert "Tested: 5" in out, out[-3000:]  # /invocations and the infrastructure routes


OFFSET_MODEL = """
import sys
import mlflow.pyfunc
import pandas as pd
from mlflow.models import infer_signature

class AddOffset(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return (model_input["a"] + model_input["b"] + (params or {}).get("offset", 0.0)).tolist()

X = pd.DataFrame({"a": [1.0], "b": [2.0]})
path = sys.argv[1] + "/offset"
sig = infer_signature(X, [3.0], params={"offset": 0.0})
mlflow.pyfunc.save_model(path, python_model=AddOffset(), signature=sig)
import vtsserving
vtsserving.mlflow.import_model("offset", path)
"""


def test_params_reach_the_model(tmp_path):
    from vts_server_helpers import start_server

    env = {**os.environ, "VTSSERVING_HOME": str(tmp_path / "home")}
    subprocess.run([sys.executable, "-c", OFFSET_MODEL, str(tmp_path)], env=env, check=True, capture_output=True)
    server = start_server("mlflow-model:offset", tmp_path, env={"VTSSERVING_HOME": env["VTSSERVING_HOME"]}, timeout=240)
    try:
        url = server.url + "/invocations"
        body = {"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0], [3.0, 4.0]]}}
        assert httpx.post(url, json=body).json() == {"predictions": [3.0, 7.0]}
        with_params = httpx.post(url, json={**body, "params": {"offset": 10.0}})
        assert with_params.json() == {"predictions": [13.0, 17.0]}, with_params.text
        bad = httpx.post(url, json={**body, "params": {"offset": "ten"}})
        assert bad.status_code == 400 and "offset" in bad.json()["message"], bad.text
    finally:
        server.stop()


@pytest.fixture(scope="module")
def user_server(iris):
    from vts_server_helpers import start_server

    server = start_server("mlflow_user_service:svc", iris["tmp"], env={"VTSSERVING_HOME": iris["home"]}, timeout=240)
    yield server
    server.stop()


def test_user_service_input_is_checked_by_the_signature(user_server, iris):
    ok = httpx.post(user_server.url + "/classify", json=ROWS)
    assert ok.status_code == 200 and ok.json() == _expected(iris), ok.text
    narrow = httpx.post(user_server.url + "/classify", json=[[1.0, 2.0, 3.0]])
    assert narrow.status_code == 400, narrow.text
    assert "expected rows of 4 columns" in narrow.json()["error"]
    records = [dict(zip(COLUMNS, r, strict=True)) for r in ROWS]
    assert httpx.post(user_server.url + "/classify_table", json=records).json() == _expected(iris)
    missing = httpx.post(user_server.url + "/classify_table", json=[{"sepal_length": 1.0}])
    assert missing.status_code == 400, missing.text
    assert "missing inputs" in missing.json()["error"]
    assert missing.json().keys() == {"error", "type", "request_id"}  # user APIs keep VtsServing's errors


def test_user_service_with_one_mlflow_model_speaks_mlflow_and_v2(user_server, iris):
    """Its one MLflow model gets /invocations, /ping, /version and V2, beside the user's APIs."""
    import mlflow

    assert httpx.get(user_server.url + "/ping").status_code == 200
    assert httpx.get(user_server.url + "/version").text == mlflow.__version__
    scored = httpx.post(user_server.url + "/invocations", json={"dataframe_records": RECORDS})
    assert scored.json() == {"predictions": _expected(iris)}, scored.text
    refused = httpx.post(user_server.url + "/invocations", json={"instances": ROWS})
    assert refused.status_code == 400 and "error_code" in refused.json()
    meta = httpx.get(user_server.url + "/v2/models/iris").json()
    assert [t["name"] for t in meta["inputs"]] == COLUMNS and meta["platform"] == "mlflow"
    v2 = {"inputs": [{"name": c, "shape": [3], "datatype": "FP64", "data": [r[i] for r in ROWS]} for i, c in enumerate(COLUMNS)]}
    assert httpx.post(user_server.url + "/v2/models/iris/infer", json=v2).json()["outputs"][0]["data"] == _expected(iris)


def test_mlflow_service_is_exported(iris, monkeypatch):
    import vtsserving

    monkeypatch.setenv("VTSSERVING_HOME", iris["home"])
    svc = vtsserving.mlflow.service("iris:latest")
    assert [api.route for api in svc.apis.values()] == ["/invocations"]
    assert "/invocations" in svc.openapi_spec()["paths"]
