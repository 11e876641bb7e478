"""`vtsserving serve mlflow-model:TAG` against `mlflow models serve`, request by request (issue 13).

Seven model kinds (`scoring_models.py`): a LogisticRegression with named columns, a KNN with no
signature, a custom model with params, a float32 tensor model, a no-signature echo, every column
type, and a chat/completions/embeddings model. Each is served by both servers, all started once
for the module; every case of `scoring_corpus.py` goes to both, and `check` asserts the rule.
MLflow's own `ScoringServerClient` and `tritonclient` (KServe V2) talk to VtsServing too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from scoring_corpus import COLUMNS, ROWS, Case, cases, check, serving_examples
from scoring_servers import Server, start_mlflow, start_vts, stop_all, wait_all

pytestmark = pytest.mark.slow

KINDS = ["sklearn", "knn", "custom", "tensor", "echo", "alltypes", "llm"]
CASES = [case for kind in KINDS for case in cases(kind)]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The MLflow model folders by kind, each also imported into a VtsServing home (`home`)."""
    tmp = tmp_path_factory.mktemp("scoring")
    home = str(tmp / "home")
    script = Path(__file__).with_name("scoring_models.py")
    env = {**os.environ, "VTSSERVING_HOME": home, "MLFLOW_REQUIREMENTS_INFERENCE_TIMEOUT": "1"}
    out = subprocess.run([sys.executable, str(script), str(tmp)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "home": home, "tmp": str(tmp)}


@pytest.fixture(scope="module")
def servers(models: dict[str, str]) -> Iterator[dict[str, tuple[Server, Server]]]:
    """(MLflow, VtsServing) for each kind, all started at once, stopped after the module."""
    logs = Path(models["tmp"])
    pairs = {k: (start_mlflow(k, models[k], logs), start_vts(k, f"{k}:latest", models["home"], logs)) for k in KINDS}
    started = [s for pair in pairs.values() for s in pair]
    try:
        wait_all(started)
        yield pairs
    finally:
        stop_all(started)


def send(server: Server, case: Case) -> httpx.Response:
    headers = {"content-type": case.content_type} if case.content_type else {}
    return httpx.request(case.method, server.url + case.path, content=case.body, headers=headers, timeout=60)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_same_answer_as_mlflow(servers: dict[str, tuple[Server, Server]], case: Case) -> None:
    theirs, ours = servers[case.kind]
    check(case, send(theirs, case), send(ours, case))


@pytest.mark.parametrize("kind", ["sklearn", "knn"])
def test_serving_example_and_client_bodies(servers: dict[str, tuple[Server, Server]], models: dict[str, str],
                                           kind: str) -> None:
    theirs, ours = servers[kind]
    examples = serving_examples(kind, Path(models[kind]))
    assert len(examples) >= 4
    for case in examples:
        check(case, send(theirs, case), send(ours, case))


def test_no_content_type_is_read_as_json(servers: dict[str, tuple[Server, Server]]) -> None:
    """MLflow answers 500 without a Content-Type; VtsServing reads the body as JSON (documented)."""
    theirs, ours = servers["sklearn"]
    body = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": ROWS}}).encode()
    plain = {"content-type": "application/json"}
    expected = httpx.post(theirs.url + "/invocations", content=body, headers=plain).json()
    bare = httpx.post(ours.url + "/invocations", content=body)  # httpx adds no content-type for bytes
    assert bare.status_code == 200 and bare.json() == expected, bare.text


def test_errors_inside_the_model_are_400_with_mlflow_body(servers: dict[str, tuple[Server, Server]]) -> None:
    _, ours = servers["custom"]
    body = {"dataframe_split": {"columns": ["x", "name"], "data": [[1.0, "a"]]}, "params": {"mode": "nope"}}
    reply = httpx.post(ours.url + "/invocations", json=body)
    assert reply.status_code == 400, reply.text
    error = reply.json()
    assert error["error_code"] == "BAD_REQUEST" and "unexpected error while evaluating the model" in error["message"]
    assert "unknown mode 'nope'" in error["stack_trace"]


def test_nan_and_infinity_written_as_mlflow_writes_them(servers: dict[str, tuple[Server, Server]]) -> None:
    theirs, ours = servers["tensor"]
    body = {"inputs": [[0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]}
    mine, reference = httpx.post(ours.url + "/invocations", json=body), httpx.post(theirs.url + "/invocations", json=body)
    assert b"Infinity" in mine.content and b"NaN" in mine.content and b"null" not in mine.content
    assert json.loads(mine.content)["predictions"][2] == json.loads(reference.content)["predictions"][2] == 4.0


def test_mlflow_scoring_server_client(servers: dict[str, tuple[Server, Server]]) -> None:
    """MLflow's own client: readiness (ping), version and invoke work as against MLflow."""
    import pandas as pd
    from mlflow.pyfunc.scoring_server.client import ScoringServerClient

    theirs, ours = servers["sklearn"]
    client = ScoringServerClient("127.0.0.1", ours.url.rsplit(":", 1)[1])
    reference = ScoringServerClient("127.0.0.1", theirs.url.rsplit(":", 1)[1])
    client.wait_server_ready(timeout=10)
    client.ping()
    assert client.get_version() == reference.get_version()
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    assert client.invoke(frame).get_predictions().equals(reference.invoke(frame).get_predictions())
    assert client.invoke(frame, params={"k": 1}).get_predictions().to_dict() == {0: {0: 0, 1: 2, 2: 1}}


# -- KServe V2, with a real client ---------------------------------------------------------------
def _triton(server: Server):
    import tritonclient.http as triton

    return triton, triton.InferenceServerClient(server.url.removeprefix("http://"))


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_v2_iris_equals_invocations(servers: dict[str, tuple[Server, Server]], binary: bool) -> None:
    import numpy as np

    triton, client = _triton(servers["sklearn"][1])
    assert client.is_server_live() and client.is_server_ready() and client.is_model_ready("sklearn")
    meta = client.get_model_metadata("sklearn")
    assert meta["inputs"] == [{"name": c, "datatype": "FP64", "shape": [-1]} for c in COLUMNS]
    assert meta["outputs"] == [{"name": "predictions", "datatype": "INT64", "shape": [-1]}]
    rows = np.array(ROWS * 3)
    inputs = []
    for i, name in enumerate(COLUMNS):
        tensor = triton.InferInput(name, [len(rows)], "FP64")
        tensor.set_data_from_numpy(rows[:, i], binary_data=binary)
        inputs.append(tensor)
    outputs = [triton.InferRequestedOutput("predictions", binary_data=binary)]
    result = client.infer("sklearn", inputs, outputs=outputs, model_version=meta["versions"][0])
    body = {"dataframe_split": {"columns": COLUMNS, "data": rows.tolist()}}
    scored = httpx.post(servers["sklearn"][1].url + "/invocations", json=body).json()["predictions"]
    assert result.as_numpy("predictions").tolist() == scored == [0, 2, 1] * 3


def test_v2_tensor_text_columns_and_errors(servers: dict[str, tuple[Server, Server]]) -> None:
    import numpy as np
    from tritonclient.utils import InferenceServerException

    triton, client = _triton(servers["tensor"][1])
    meta = client.get_model_metadata("tensor")
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, 4]}]
    x = triton.InferInput("input-0", [2, 4], "FP32")
    x.set_data_from_numpy(np.array([[1, 2, 3, 4], [2, 2, 2, 2]], dtype=np.float32))
    assert client.infer("tensor", [x]).as_numpy("predictions").tolist() == [10.0, 4.0]
    bad = triton.InferInput("input-0", [1, 3], "FP32")
    bad.set_data_from_numpy(np.ones((1, 3), dtype=np.float32))
    with pytest.raises(InferenceServerException, match=r"\[400\].*shape"):
        client.infer("tensor", [bad])
    with pytest.raises(InferenceServerException, match=r"\[404\].*'nope' not found"):
        client.infer("nope", [x])

    triton, client = _triton(servers["custom"][1])
    xs, names = triton.InferInput("x", [2], "FP64"), triton.InferInput("name", [2], "BYTES")
    xs.set_data_from_numpy(np.array([1.0, 2.5]))
    names.set_data_from_numpy(np.array([b"a", b"b"], dtype=object))
    result = client.infer("custom", [xs, names])
    assert result.as_numpy("x2").tolist() == [2.0, 5.0] and result.as_numpy("name").tolist() == [b"A", b"B"]
    listed = client.infer("custom", [xs, names], parameters={"mode": "list"}).as_numpy("predictions")
    body = {"dataframe_split": {"columns": ["x", "name"], "data": [[1.0, "a"], [2.5, "b"]]}, "params": {"mode": "list"}}
    scored = httpx.post(servers["custom"][1].url + "/invocations", json=body).json()["predictions"]
    assert [v.decode() for v in listed.tolist()] == scored == ["a:1.0", "b:2.5"]

    _, client = _triton(servers["alltypes"][1])
    datatypes = [t["datatype"] for t in client.get_model_metadata("alltypes")["inputs"]]
    assert datatypes == ["BOOL", "INT32", "INT64", "FP32", "FP64", "BYTES", "BYTES", "BYTES"]


def test_v2_json_requests_by_hand(servers: dict[str, tuple[Server, Server]]) -> None:
    ours = servers["sklearn"][1]
    url = ours.url + "/v2/models/sklearn/infer"
    body = {"id": "r1", "inputs": [{"name": c, "shape": [1], "datatype": "FP64", "data": [v]} for c, v in zip(COLUMNS, ROWS[1], strict=True)]}
    reply = httpx.post(url, json=body).json()
    assert reply["id"] == "r1" and reply["outputs"] == [{"name": "predictions", "datatype": "INT64", "shape": [1], "data": [2]}]
    for broken, needle in [({"inputs": []}, "inputs"), ({"inputs": [{"name": "a", "shape": [2], "datatype": "FP64", "data": [1.0]}]}, "do not fill"),
                           ({"inputs": [{"name": "a", "shape": [1], "datatype": "FP99", "data": [1]}]}, "unknown datatype")]:
        answer = httpx.post(url, json=broken)
        assert answer.status_code == 400 and needle in answer.json()["error"], answer.text
    assert httpx.get(ours.url + "/v2/models/sklearn/versions/nope").status_code == 404
