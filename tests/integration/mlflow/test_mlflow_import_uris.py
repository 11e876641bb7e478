"""`vtsserving.mlflow.import_model` for every URI form, against a real tracking server and S3."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from mlflow_helpers import digits_data, iris_data

import vtsserving
from vtsserving.mlflow import MLFLOW_MODEL_FOLDER

pytestmark = pytest.mark.slow


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


def _check_iris(model: vtsserving.models.Model, uri: str) -> None:
    import numpy as np

    assert model.info.module == "vtsserving.mlflow"
    assert model.info.options["uri"] == uri
    assert "sklearn" in model.info.options["flavors"]
    pyfunc = vtsserving.mlflow.load_model(model.tag)
    X, y = iris_data()
    assert (np.asarray(pyfunc.predict(X)) == y.to_numpy()).mean() > 0.9


def test_local_absolute_relative_and_file_uri(
    logged_sklearn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = logged_sklearn.local_dir
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    relative = str(Path("../..") / Path(*[".."] * (len(work.parts) - 3)) / src.relative_to("/"))
    uris = [str(src), relative, src.as_uri()]
    tags = []
    for uri in uris:
        model = vtsserving.mlflow.import_model("iris", uri)
        tags.append(model.tag)
        assert _same_tree(src, Path(model.path_of(MLFLOW_MODEL_FOLDER)))
        _check_iris(model, uri)
    assert len({t.version for t in tags}) == 3
    assert [m.tag for m in vtsserving.models.list("iris")] == tags
    assert vtsserving.mlflow.get("iris:latest").tag == tags[-1]


def test_runs_uri_end_to_end_with_runner(tracking, logged_sklearn) -> None:
    import mlflow.sklearn
    import numpy as np
    import pandas as pd

    uri = f"runs:/{logged_sklearn.run_id}/model"
    model = vtsserving.mlflow.import_model("iris_runs", uri)
    opts = model.info.options
    assert opts["run_id"] == logged_sklearn.run_id
    assert opts["model_uuid"] and opts["mlflow_version"]
    assert [c["name"] for c in opts["signature"]["inputs"]][0] == "sepal length (cm)"
    assert model.info.signatures["predict"].batchable is False

    native = mlflow.sklearn.load_model(
        vtsserving.mlflow.get(model.tag).path_of(MLFLOW_MODEL_FOLDER)
    )
    X, y = iris_data()
    assert native.score(X, y) > 0.9

    runner = vtsserving.mlflow.get("iris_runs:latest").to_runner()
    runner.init_local()
    rows = X.iloc[:5]
    want = native.predict(rows)
    inputs = [
        rows,
        rows.to_numpy(),
        rows.to_numpy().tolist(),
        rows.to_dict(orient="list"),
        rows.to_dict(orient="records"),
    ]
    for data in inputs:
        out = runner.predict.run(data)
        assert isinstance(out, (np.ndarray, pd.Series, pd.DataFrame, list)), type(data)
        assert np.asarray(out).ravel().tolist() == want.tolist(), type(data)
    with pytest.raises(vtsserving.exceptions.BadInput, match="4 columns"):
        runner.predict.run(np.zeros((2, 3)))


def test_mlflow3_run_artifact_uris_resolve_to_logged_model(
    tracking, logged_sklearn, private_tmp
) -> None:
    import mlflow

    run = mlflow.get_run(logged_sklearn.run_id)
    for uri in (logged_sklearn.artifact_uri, f"{run.info.artifact_uri}/model"):
        model = vtsserving.mlflow.import_model("iris_art", uri)
        assert list(private_tmp.iterdir()) == []  # downloaded straight into the store
        assert model.info.options["run_id"] == logged_sklearn.run_id
        _check_iris(model, uri)


def test_mlflow2_style_files_in_run_folder(tracking, logged_sklearn) -> None:
    import mlflow

    mlflow.set_experiment("vts-legacy")
    with mlflow.start_run():
        mlflow.log_artifacts(str(logged_sklearn.local_dir), "legacy-model")
        uri = mlflow.get_artifact_uri("legacy-model")
    model = vtsserving.mlflow.import_model("iris_legacy", uri)
    assert _same_tree(logged_sklearn.local_dir, Path(model.path_of(MLFLOW_MODEL_FOLDER)))
    _check_iris(model, uri)


@pytest.mark.parametrize("suffix", ["/1", "/Staging", "@champion", "logged"])
def test_registry_uris(tracking, logged_sklearn, suffix: str, private_tmp) -> None:
    uri = (
        logged_sklearn.model_uri
        if suffix == "logged"
        else f"models:/{logged_sklearn.registered}{suffix}"
    )
    model = vtsserving.mlflow.import_model("iris_reg", uri)
    assert list(private_tmp.iterdir()) == []
    assert model.info.options["run_id"] == logged_sklearn.run_id
    _check_iris(model, uri)


def test_s3_uri(s3_sklearn: str, logged_sklearn, private_tmp) -> None:
    model = vtsserving.mlflow.import_model("iris_s3", s3_sklearn)
    assert list(private_tmp.iterdir()) == []
    assert _same_tree(logged_sklearn.local_dir, Path(model.path_of(MLFLOW_MODEL_FOLDER)))
    _check_iris(model, s3_sklearn)


def test_labels_and_metadata_from_run(tracking, logged_sklearn) -> None:
    import mlflow

    run = mlflow.get_run(logged_sklearn.run_id)
    model = vtsserving.mlflow.import_model(
        "iris_meta",
        f"runs:/{run.info.run_id}/model",
        labels=run.data.tags,
        metadata={"metrics": run.data.metrics, "params": run.data.params},
    )
    info = vtsserving.models.get(model.tag).info
    assert info.labels["team"] == "vts"
    assert info.metadata == {"metrics": run.data.metrics, "params": {"max_iter": "300"}}
    assert info.options["uri"] == f"runs:/{run.info.run_id}/model"


def test_pytorch_end_to_end(tracking, logged_torch) -> None:
    import mlflow.pytorch
    import numpy as np
    import pandas as pd
    import torch

    model = vtsserving.mlflow.import_model(
        "mlflow_pytorch_mnist",
        logged_torch.artifact_uri,
        signatures={"predict": {"batchable": True}},
    )
    assert model.info.signatures["predict"].batchable is True
    assert "pytorch" in model.info.options["flavors"]
    X, y = digits_data()
    batch = X[:8]

    native = mlflow.pytorch.load_model(
        vtsserving.mlflow.get(model.tag).path_of(MLFLOW_MODEL_FOLDER)
    )
    with torch.no_grad():
        logits = native(torch.from_numpy(X)).numpy()
    assert (logits.argmax(1) == y).mean() > 0.8
    want = logits[:8]

    pyfunc = vtsserving.mlflow.load_model("mlflow_pytorch_mnist:latest")
    np.testing.assert_allclose(np.asarray(pyfunc.predict(batch)), want, rtol=1e-4, atol=1e-5)

    tensor = vtsserving.mlflow.input_tensor(model)
    assert tensor is not None and tensor.shape == (-1, 1, 28, 28) and tensor.dtype == "float32"
    runner = model.to_runner()
    assert runner.predict.config.batchable is True
    runner.init_local()
    flat = pd.DataFrame(batch.reshape(len(batch), -1))
    for data in (batch, flat, batch.tolist(), {"x": batch}):
        out = runner.predict.run(data)
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-4, atol=1e-5)
    with pytest.raises(vtsserving.exceptions.BadInput, match="784 values a row"):
        runner.predict.run(np.zeros((2, 10), dtype="float32"))
    assert len(vtsserving.models.list("mlflow_pytorch_mnist")) == 1
