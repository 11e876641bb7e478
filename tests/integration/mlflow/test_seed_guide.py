"""Every Python block of the seed guide runs, with small local models in place of its own.

The blocks are read from `seed_mlflow_integration.rst` (a copy of the spec) and run as
written; tests only provide the variables a block assumes (and the active run that the two
blocks taken from training scripts assume). Three blocks need more,
each marked `adapt(...)` below:
- `mlflow.pytorch.log_model(model, artifact_path=...)` fails on MLflow >= 3 without an
  `input_example` (its default `pt2` format traces the model), and a `pt2` model loaded
  natively refuses the guide's `.eval()`: `serialization_format="pickle"` (MLflow 2's
  default) is added, and MLFLOW_ALLOW_PICKLE_DESERIALIZATION set so MLflow loads it.
- `RunInfo.run_uuid` is gone in MLflow 3: `run_id` (same value) replaces it.
- the metadata block hard-codes a run id of the guide author's server: a real run's id
  replaces it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mlflow_helpers import digits_data, iris_data, iris_model, torch_model
from seed_blocks import adapt, block, blocks

import vtsserving

pytestmark = pytest.mark.slow

TORCH_PICKLE = (
    'artifact_path="pytorch-model")',
    'artifact_path="pytorch-model", serialization_format="pickle")',
)


def _run(code: str, ns: dict[str, Any]) -> dict[str, Any]:
    exec(compile(code, "<seed guide block>", "exec"), ns)
    return ns


def _namespace(**variables: Any) -> dict[str, Any]:
    import mlflow
    import mlflow.pyfunc
    import mlflow.pytorch
    import mlflow.sklearn
    import numpy as np

    return {"mlflow": mlflow, "vtsserving": vtsserving, "np": np, **variables}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vtsserving", *args], capture_output=True, text=True, timeout=120
    )


def test_the_guide_has_the_blocks_tested_here() -> None:
    assert len(blocks("python")) == 15
    assert len(blocks("bash")) == 2


def test_import_a_saved_model_from_a_relative_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _run(block("python", 'model_uri="./my_model"'), _namespace(model=iris_model()))
    (model,) = vtsserving.models.list("my_sklearn_model")
    assert model.info.options["uri"] == "./my_model"
    assert (Path(model.path_of("mlflow_model")) / "MLmodel").is_file()


def test_pytorch_flow_native_pyfunc_runner_and_service(tracking, monkeypatch) -> None:
    import numpy as np
    import pandas as pd
    import torch

    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    X, y = digits_data()
    test_input_arr = X[:16]
    ns = _namespace(
        model=torch_model(),
        torch=torch,
        device="cpu",
        test_input_arr=test_input_arr,
        input_df=pd.DataFrame(test_input_arr.reshape(16, -1)),
    )

    _run(
        adapt(
            block(
                "python",
                "vts_model = vtsserving.mlflow.import_model(\n        'mlflow_pytorch_mnist'",
            ),
            *TORCH_PICKLE,
        ),
        ns,
    )
    assert ns["vts_model"].info.signatures["predict"].batchable is True
    assert "/artifacts/pytorch-model" in ns["model_uri"]

    _run(block("python", "loaded_pytorch_model = mlflow.pytorch.load_model"), ns)
    native = ns["predictions"].numpy()
    assert native.shape == (16, 10)
    assert (native.argmax(1) == y[:16]).mean() > 0.7

    _run(block("python", "pyfunc_model: mlflow.pyfunc.PyFuncModel"), ns)
    np.testing.assert_allclose(np.asarray(ns["predictions"]), native, rtol=1e-4, atol=1e-5)

    _run(block("python", "runner.predict.run(input_df)"), ns)
    out = ns["runner"].predict.run(ns["input_df"])
    np.testing.assert_allclose(np.asarray(out), native, rtol=1e-4, atol=1e-5)

    from typing import Any as _Any  # noqa: UP035 - as the guide
    from typing import Union, get_args

    ns.update(Union=Union, List=list, Dict=dict, Any=_Any, pandas=pd)
    _run(block("python", "MLflowRunnerInput = Union"), ns)
    assert isinstance(out, get_args(ns["MLflowRunnerOutput"]))
    for value in (test_input_arr, ns["input_df"], test_input_arr.tolist()):
        assert isinstance(
            value,
            tuple(
                t.__origin__ if hasattr(t, "__origin__") else t
                for t in get_args(ns["MLflowRunnerInput"])
            ),
        )

    _run(block("python", "    model_uri,\n    signatures={'predict': {'batchable': True}}"), ns)
    assert len(vtsserving.models.list("mlflow_pytorch_mnist")) == 2

    svc_ns = _run(block("python", "svc = vtsserving.Service('mlflow_pytorch_mnist'"), {})
    assert "predict" in svc_ns["svc"].apis
    svc_ns["mnist_runner"].init_local()
    np.testing.assert_allclose(
        np.asarray(svc_ns["predict"](test_input_arr)), native, rtol=1e-4, atol=1e-5
    )

    _run(adapt(block("python", "    ...\n    mlflow.pytorch.log_model"), *TORCH_PICKLE), ns)
    assert len(vtsserving.models.list("mlflow_pytorch_mnist")) == 3

    listed = _cli("models", "list", "mlflow_pytorch_mnist")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("mlflow_pytorch_mnist") >= 3


def test_sklearn_optimizations_and_workflows(tracking) -> None:
    import mlflow
    import numpy as np

    X, y = iris_data()
    clf = iris_model()
    # Both blocks come from training scripts that run inside a run: give them one.
    with mlflow.start_run() as run:
        _run(block("python", 'mlflow.sklearn.log_model(clf, "model")'), _namespace(clf=clf))
    run_id = run.info.run_id
    assert vtsserving.sklearn.get("iris_clf:latest").tag.name == "iris_clf"

    ns = _run(
        block("python", "loaded_model = mlflow.sklearn.load_model(model_uri)"),
        _namespace(model_uri=f"runs:/{run_id}/model"),
    )
    assert ns["loaded_model"].score(X, y) > 0.9
    assert len(vtsserving.models.list("iris_clf")) == 2

    with mlflow.start_run() as run:
        code = block("python", "logged_model = mlflow.sklearn.log_model(lr")
        code = adapt(code, "info.run_uuid", "info.run_id")
        ns = _run(code, _namespace(lr=clf))
    assert ns["vts_model"].info.options["run_id"] == run.info.run_id
    assert ns["vts_model"].info.options["uri"] == ns["logged_model"].model_uri

    try:
        ns = _run(block("python", "mlflow.sklearn.autolog()"), _namespace())
    finally:
        mlflow.sklearn.autolog(disable=True)
        mlflow.end_run()
    model = vtsserving.mlflow.get(ns["vts_model"].tag)
    assert model.info.options["run_id"] == ns["run_id"]
    pyfunc = vtsserving.mlflow.load_model(model)
    np.testing.assert_allclose(pyfunc.predict(np.array([[3, 5]])), [16.0], rtol=1e-6)
    runner = model.to_runner()
    runner.init_local()  # casts to the signature's int64, which MLflow itself refuses to do
    np.testing.assert_allclose(runner.predict.run([[3.0, 5.0]]), [16.0], rtol=1e-6)


def test_registered_model_by_version_and_stage(tracking) -> None:
    import warnings

    import mlflow
    from mlflow import MlflowClient
    from sklearn.ensemble import RandomForestRegressor

    X, y = iris_data()
    forest = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            forest, name="model", skops_trusted_types=["sklearn.tree._tree.Tree"]
        )
    name = "sk-learn-random-forest-reg-model"
    version = mlflow.register_model(info.model_uri, name).version
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MlflowClient().transition_model_version_stage(name, version, "Staging")

    _run(block("python", "# Import from a version:"), _namespace())
    models = vtsserving.models.list("my_mlflow_model")
    assert [m.info.options["uri"] for m in models] == [
        f"models:/{name}/{version}",
        f"models:/{name}/Staging",
    ]


def test_attach_params_metrics_tags_and_model_path(tracking, logged_sklearn, vts_home) -> None:
    code = adapt(
        block("python", "run_id = '0e4425ecbf3e4672ba0c1741651bb47a'"),
        "0e4425ecbf3e4672ba0c1741651bb47a",
        logged_sklearn.run_id,
    )
    ns = _run(code, _namespace())
    info = vtsserving.mlflow.get("my_mlflow_model:latest").info
    assert info.labels["team"] == "vts"
    assert info.metadata["params"] == {"max_iter": "300"}
    assert set(info.metadata["metrics"]) == {"accuracy"}
    assert info.options["run_id"] == ns["run_id"]

    export_line = block("bash", "VTSSERVING_MLFLOW_MODEL_PATH").splitlines()[0]
    assert "vtsserving models get my_mlflow_model:latest -o path" in export_line
    got = _cli("models", "get", "my_mlflow_model:latest", "-o", "path")
    assert got.returncode == 0, got.stderr
    path = Path(got.stdout.strip())
    assert path == Path(vtsserving.mlflow.get("my_mlflow_model:latest").path)
    assert (path / "mlflow_model" / "requirements.txt").is_file()
    assert (path / "mlflow_model" / "conda.yaml").is_file()
