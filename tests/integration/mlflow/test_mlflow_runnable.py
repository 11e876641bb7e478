"""The MLflow Runnable in-process: the direct sklearn path answers as pyfunc does, params, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow_helpers import iris_data, iris_model

import vtsserving
from vtsserving.exceptions import BadInput


@pytest.fixture
def iris_runnable(tmp_path):
    import mlflow.sklearn
    from mlflow.models import infer_signature

    X, _ = iris_data()
    model = iris_model()
    path = tmp_path / "iris"
    mlflow.sklearn.save_model(model, str(path), signature=infer_signature(X, model.predict(X)))
    vtsserving.mlflow.import_model("iris", str(path), signatures={"predict": {"batchable": True}})
    runner = vtsserving.mlflow.get("iris").to_runner()
    runner.init_local()
    return runner.runnable, list(X.columns)


def test_direct_path_gives_pyfunc_answers(iris_runnable):
    runnable, columns = iris_runnable
    assert runnable.direct is not None  # plain sklearn estimator: the fast path is on
    rows = np.random.default_rng(0).uniform(0, 8, size=(300, 4))
    expected = runnable.model.predict(pd.DataFrame(rows, columns=columns))
    for data in (rows, pd.DataFrame(rows, columns=columns), rows.tolist(), rows[:1], rows[0].tolist()):
        got = runnable.predict(data)
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expected[: len(got)])
    runnable.direct = None  # the general pyfunc path answers the same
    np.testing.assert_array_equal(runnable.predict(rows), expected)


def test_params_reach_pyfunc(iris_runnable):
    runnable, _ = iris_runnable
    rows = [[5.1, 3.5, 1.4, 0.2]]
    assert runnable.predict(rows, params=None).tolist() == runnable.predict(rows, params={}).tolist()


def test_bad_input_is_bad_input(iris_runnable):
    runnable, columns = iris_runnable
    with pytest.raises(BadInput, match="expected rows of 4 columns"):
        runnable.predict(np.ones((2, 3)))
    with pytest.raises(BadInput, match="missing inputs"):
        runnable.predict(pd.DataFrame({columns[0]: [1.0]}))


def test_non_finite_rows_are_refused_on_both_paths(iris_runnable):
    import sklearn

    runnable, _ = iris_runnable
    rows = np.array([[5.1, 3.5, np.nan, 0.2], [6.7, 3.0, 5.2, np.inf]])
    for direct in (runnable.direct, None):
        runnable.direct = direct
        with pytest.raises(ValueError, match="NaN|infinity"):
            runnable.predict(rows[:1])
        with pytest.raises(ValueError, match="NaN|infinity"):
            runnable.predict(rows[1:])
    assert sklearn.get_config()["assume_finite"] is False  # the fast path's setting does not leak


def test_direct_path_answers_the_same_through_sklearns_public_config(iris_runnable, monkeypatch):
    import sklearn

    from vtsserving.frameworks.mlflow import _runnable

    runnable, _ = iris_runnable
    rows = np.random.default_rng(1).uniform(0, 8, size=(50, 4))
    expected = runnable.predict(rows)
    monkeypatch.setattr(_runnable, "_thread_config", lambda: None)  # as if sklearn kept it elsewhere
    np.testing.assert_array_equal(runnable.predict(rows), expected)
    assert sklearn.get_config()["assume_finite"] is False


def test_arrays_of_no_rows_get_sklearns_own_error(iris_runnable):
    runnable, _ = iris_runnable
    with pytest.raises(ValueError, match="0 sample"):
        runnable.predict(np.empty((0, 4)))


@pytest.mark.parametrize("loader", ["native", "mlflow"])
def test_a_custom_predict_fn_answers_arrays_as_mlflow_does(tmp_path, monkeypatch, loader):
    """MLflow's `pyfunc_predict_fn="predict_proba"`: the array path calls it too (it called `predict`)."""
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow.models import infer_signature

    from vtsserving.frameworks.mlflow import _native

    X, _ = iris_data()
    model = iris_model()
    path = tmp_path / "proba"
    mlflow.sklearn.save_model(model, str(path), signature=infer_signature(X, model.predict_proba(X)),
                              pyfunc_predict_fn="predict_proba")
    vtsserving.mlflow.import_model("proba", str(path))
    if loader == "mlflow":
        monkeypatch.setattr(_native, "native_sklearn_conf", lambda folder: None)
    runner = vtsserving.mlflow.get("proba").to_runner()
    runner.init_local()
    assert isinstance(runner.runnable.model, _native.NativePyfunc) == (loader == "native")
    assert runner.runnable.direct is not None and runner.runnable.direct.takes_arrays
    expected = mlflow.pyfunc.load_model(str(path)).predict(X[:5])
    assert expected.shape == (5, 3)
    for data in (X.to_numpy()[:5], X[:5]):
        np.testing.assert_array_equal(np.asarray(runner.runnable.predict(data)), expected)
