"""Serving loads scikit-learn MLflow models without MLflow: same estimator, same answers, same schema."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow_helpers import iris_data, iris_model

import vtsserving
from vtsserving.frameworks.mlflow._native import NativePyfunc, light_schema, load_serving_model


def _save(tmp_path: Path, fmt: str, name: str = "iris") -> vtsserving.models.Model:
    import mlflow.sklearn
    from mlflow.models import infer_signature

    X, _ = iris_data()
    model = iris_model()
    path = tmp_path / f"iris-{fmt}"
    mlflow.sklearn.save_model(model, str(path), signature=infer_signature(X, model.predict(X)),
                              serialization_format=fmt)
    return vtsserving.mlflow.import_model(name, str(path), signatures={"predict": {"batchable": True}})


@pytest.mark.parametrize("fmt", ["cloudpickle", "pickle", "skops"])
def test_native_model_answers_as_mlflow_pyfunc(tmp_path: Path, fmt: str) -> None:
    import mlflow.pyfunc

    model = _save(tmp_path, fmt)
    native = load_serving_model(model)
    assert isinstance(native, NativePyfunc)
    reference = mlflow.pyfunc.load_model(model.path_of("mlflow_model"))
    X, _ = iris_data()
    np.testing.assert_array_equal(native.predict(X), reference.predict(X))
    assert type(native.get_raw_model()) is type(reference.get_raw_model())
    assert native.metadata.signature == reference.metadata.signature
    assert native.pyfunc().get_raw_model() is native.get_raw_model()  # not unpickled twice


def test_light_schema_answers_as_mlflow_schema(tmp_path: Path) -> None:
    from mlflow.models import infer_signature
    from mlflow.types import Schema

    X, _ = iris_data()
    columns = _save(tmp_path, "cloudpickle").info.options["signature"]["inputs"]
    for inputs in (columns, infer_signature(X.to_numpy()).inputs.to_dict()):
        schema = Schema.from_json(json.dumps(inputs))
        light = light_schema({"inputs": inputs})
        assert light is not None
        assert light.is_tensor_spec() == bool(schema.is_tensor_spec())
        assert light.has_input_names() == bool(schema.has_input_names())
        assert light.input_names() == schema.input_names()
        assert light.numpy_types() == schema.numpy_types()


def test_other_schemas_and_refused_pickles_go_to_mlflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert light_schema({"inputs": [{"type": "string", "name": "text", "required": True}]}) is None
    assert light_schema({"inputs": [{"type": "double", "name": "x", "required": False, "extra": 1}]}) is None
    assert light_schema(None) is None
    model = _save(tmp_path, "cloudpickle")
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "false")
    with pytest.raises(Exception, match="MLFLOW_ALLOW_PICKLE_DESERIALIZATION"):
        load_serving_model(model)  # MLflow's own loader, and its own refusal


def test_serving_an_sklearn_model_does_not_import_mlflow(tmp_path: Path) -> None:
    model = _save(tmp_path, "cloudpickle")
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        import vtsserving
        runner = vtsserving.mlflow.get({str(model.tag)!r}).to_runner()
        runner.init_local()
        print(runner.predict.run(np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])).tolist())
        print(sorted(m for m in ("mlflow", "pandas", "numpy.f2py") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    predictions, imported = out.strip().splitlines()[-2:]
    X, _ = iris_data()
    expected = iris_model().predict(pd.DataFrame([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], columns=X.columns))
    assert predictions == str(expected.tolist())
    # Nor pandas and numpy.f2py, which importing scikit-learn brings but predicting on arrays never
    # uses (deferred while the estimator loads): about 0.3 s of a container's start.
    assert imported == "[]"


def test_a_served_mlflow_model_is_ready_and_answers_without_importing_mlflow(tmp_path: Path) -> None:
    """`serve mlflow-model:` to ready, then the fast /invocations and V2 paths: no `import mlflow`
    (about a second of every worker's start); /docs.json, which reads the signature, imports it."""
    model = _save(tmp_path, "cloudpickle")
    X, _ = iris_data()
    code = textwrap.dedent(f"""
        import sys, time, warnings
        warnings.simplefilter("ignore")
        import vtsserving
        from starlette.testclient import TestClient
        from vtsserving.server.app import create_app
        with TestClient(create_app(vtsserving.mlflow.service({str(model.tag)!r}))) as client:
            while client.get("/readyz").status_code != 200:
                time.sleep(0.02)
            print("mlflow" in sys.modules, "pandas" in sys.modules)
            body = {{"dataframe_split": {{"columns": {list(X.columns)!r}, "data": [[5.1, 3.5, 1.4, 0.2]]}}}}
            print(client.post("/invocations", json=body).json(), "mlflow" in sys.modules, "pandas" in sys.modules)
            v2 = {{"inputs": [{{"name": c, "shape": [1], "datatype": "FP64", "data": [v]}}
                             for c, v in zip({list(X.columns)!r}, [5.1, 3.5, 1.4, 0.2])]}}
            outputs = client.post("/v2/models/iris/infer", json=v2).json()["outputs"]
            print([(o["name"], o["data"]) for o in outputs], "mlflow" in sys.modules, "pandas" in sys.modules)
            client.get("/docs.json")
            print("mlflow" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    ready, answered, tensors, documented = out.strip().splitlines()[-4:]
    expected = iris_model().predict(pd.DataFrame([[5.1, 3.5, 1.4, 0.2]], columns=X.columns)).tolist()
    assert (ready, answered, documented) == ("False False", f"{{'predictions': {expected}}} False False", "True")
    assert tensors == f"[('predictions', {expected})] False False"  # KServe V2 too
