"""How the MLflow runner shapes its input, and how URIs are told apart (no server needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vtsserving.exceptions import BadInput, InvalidArgument, NotFound, ServiceUnavailable
from vtsserving.frameworks.mlflow._inputs import prepare_input
from vtsserving.frameworks.mlflow._schema import TensorInput, columns_of, tensor_of
from vtsserving.frameworks.mlflow._uri import _RUN_ARTIFACT, _classify, _Missing, local_path

COLS = ["a", "b", "c"]


@pytest.mark.parametrize(
    "data",
    [
        np.arange(6.0).reshape(2, 3),
        [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]],
        ((0.0, 1.0, 2.0), (3.0, 4.0, 5.0)),
    ],
    ids=["ndarray", "list", "tuple"],
)
def test_rows_get_the_signature_column_names(data) -> None:
    out = prepare_input(data, COLS, None)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == COLS
    assert out.to_numpy().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert all(dtype.kind == "f" for dtype in out.dtypes)


def test_one_row_and_records_and_frames() -> None:
    assert prepare_input([1, 2, 3], COLS, None).to_numpy().tolist() == [[1, 2, 3]]
    records = prepare_input([{"a": 1, "b": 2, "c": 3}], COLS, None)
    assert list(records.columns) == COLS
    frame = pd.DataFrame([[1, 2, 3]], columns=COLS)
    assert prepare_input(frame, COLS, None) is frame
    as_dict = {"a": [1], "b": [2], "c": [3]}
    assert prepare_input(as_dict, COLS, None) is as_dict


@pytest.mark.parametrize("data", [np.zeros((2, 2)), [[1, 2, 3, 4]], np.zeros((2, 3, 1))])
def test_wrong_width_is_a_clear_bad_input(data) -> None:
    with pytest.raises(BadInput, match=r"expected rows of 3 columns \(a, b, c\)"):
        prepare_input(data, COLS, None)


def test_tensor_inputs_are_cast_and_reshaped() -> None:
    spec = TensorInput(dtype="float32", shape=(-1, 1, 2, 2))
    flat = pd.DataFrame(np.arange(8).reshape(2, 4))
    for data in (
        flat,
        flat.to_numpy().tolist(),
        {"x": flat.to_numpy()},
        np.arange(8.0).reshape(2, 1, 2, 2),
    ):
        out = prepare_input(data, None, spec)
        assert out.dtype == np.float32 and out.shape == (2, 1, 2, 2)
    with pytest.raises(BadInput, match="4 values a row"):
        prepare_input(np.zeros((2, 3)), None, spec)


def test_no_schema_passes_input_through() -> None:
    data = [[1, 2]]
    assert prepare_input(data, None, None) is data


def test_schema_summaries() -> None:
    from mlflow.types import ColSpec, Schema, TensorSpec

    named = Schema([ColSpec("double", "x"), ColSpec("long", "y")])
    tensor = Schema([TensorSpec(np.dtype("float32"), (-1, 1, 28, 28))])
    unnamed = Schema([ColSpec("double")])
    assert columns_of(named) == ["x", "y"] and tensor_of(named) is None
    assert columns_of(tensor) is None and tensor_of(tensor) == TensorInput(
        "float32", (-1, 1, 28, 28)
    )
    assert columns_of(unnamed) is None and columns_of(None) is None


def test_local_paths_and_run_artifact_uris(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert local_path("../m") == (tmp_path / "../m").absolute()
    assert local_path("file:///tmp/a%20b") == Path("/tmp/a b")
    for uri in ("runs:/x/m", "models:/m/1", "s3://b/k", "mlflow-artifacts:/0/x"):
        assert local_path(uri) is None
    run = "0123456789abcdef0123456789abcdef"
    match = _RUN_ARTIFACT.search(f"mlflow-artifacts:/1/{run}/artifacts/pytorch-model/")
    assert match and match["run_id"] == run and match["path"] == "pytorch-model"
    assert _RUN_ARTIFACT.search(f"s3://b/1/{run}/artifacts/a/model")["path"] == "a/model"
    assert _RUN_ARTIFACT.search("s3://b/models/iris") is None


def test_errors_are_classified_into_one_line() -> None:
    from mlflow.exceptions import MlflowException

    missing = _classify(
        MlflowException("Run 'x' not found\nmore", error_code="RESOURCE_DOES_NOT_EXIST"),
        "runs:/x/m",
    )
    assert isinstance(missing, _Missing) and isinstance(missing.error, NotFound)
    assert str(missing.error) == "MLflow model 'runs:/x/m' not found: Run 'x' not found"
    down = _classify(MlflowException("API request failed: Max retries exceeded"), "runs:/x/m")
    assert isinstance(down, ServiceUnavailable) and "no answer from MLflow tracking server" in str(
        down
    )
    other = _classify(ValueError("weird"), "models:/m/1")
    assert (
        isinstance(other, InvalidArgument)
        and str(other) == "cannot fetch MLflow model 'models:/m/1': weird"
    )
