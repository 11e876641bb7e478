"""`vtsserving.sklearn`: save, load, signatures, runnables and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving
from vtsserving.exceptions import InvalidArgument, NotFound


@pytest.fixture(scope="module")
def iris() -> tuple[LogisticRegression, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


def test_save_and_load_round_trip(iris: tuple[LogisticRegression, np.ndarray]) -> None:
    clf, X = iris
    model = vtsserving.sklearn.save_model(
        "iris_clf", clf, labels={"owner": "ml"}, metadata={"accuracy": 0.97},
        custom_objects={"names": ["setosa", "versicolor", "virginica"]},
    )
    assert isinstance(model, vtsserving.models.Model) and model.tag.name == "iris_clf"
    info = yaml.safe_load(Path(model.path_of("model.yaml")).read_text())
    assert info["module"] == "vtsserving.sklearn"
    assert info["signatures"] == {"predict": {"batchable": False, "batch_dim": 0}}
    versions = info["context"]["framework_versions"]
    assert info["context"]["framework_name"] == "sklearn" and versions["scikit-learn"]
    assert model.info.labels == {"owner": "ml"} and model.info.metadata == {"accuracy": 0.97}
    assert Path(model.path_of("saved_model.pkl")).is_file()

    for ref in ("iris_clf", "iris_clf:latest", model.tag, model):
        loaded = vtsserving.sklearn.load_model(ref)
        np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert vtsserving.sklearn.get("iris_clf") == model
    assert vtsserving.models.get("iris_clf").custom_objects["names"][0] == "setosa"
    np.testing.assert_array_equal(model.load_model().predict(X[:5]), clf.predict(X[:5]))


def test_runner_with_several_signatures(iris: tuple[LogisticRegression, np.ndarray]) -> None:
    clf, X = iris
    model = vtsserving.sklearn.save_model(
        "iris_clf",
        clf,
        signatures={"predict": {"batchable": True}, "predict_proba": {"batchable": True, "batch_dim": 0}},
    )
    runnable = vtsserving.sklearn.get_runnable(model)
    assert issubclass(runnable, vtsserving.Runnable)
    assert set(runnable.methods) == {"predict", "predict_proba"}
    assert runnable.methods["predict_proba"].batchable
    runner = model.to_runner()
    runner.init_local()
    np.testing.assert_array_equal(runner.predict.run(X[:3]), clf.predict(X[:3]))
    np.testing.assert_allclose(runner.predict_proba.run(X[:2]), clf.predict_proba(X[:2]))


def test_bad_input(iris: tuple[LogisticRegression, np.ndarray]) -> None:
    clf, _ = iris
    with pytest.raises(InvalidArgument, match="has no method 'transform'"):
        vtsserving.sklearn.save_model("iris_clf", clf, signatures={"transform": {}})
    with pytest.raises(InvalidArgument, match=r"signatures\['predict'\].batchable"):
        vtsserving.sklearn.save_model("iris_clf", clf, signatures={"predict": {"batchable": "maybe"}})
    with pytest.raises(InvalidArgument, match=r"signatures\['predict'\].typo"):
        vtsserving.sklearn.save_model("iris_clf", clf, signatures={"predict": {"typo": 1}})
    for name in ("../x", "A B", "a" * 64, ""):
        with pytest.raises(InvalidArgument):
            vtsserving.sklearn.save_model(name, clf)
    with pytest.raises(NotFound):
        vtsserving.sklearn.load_model("missing:v1")
    assert vtsserving.models.list() == []


def test_loading_another_frameworks_model_is_a_clear_error() -> None:
    import torch

    vtsserving.pytorch.save_model("net", torch.nn.Linear(2, 1))
    with pytest.raises(InvalidArgument, match="saved by 'vtsserving.pytorch', not 'vtsserving.sklearn'"):
        vtsserving.sklearn.load_model("net")
    with pytest.raises(InvalidArgument, match="load it with vtsserving.pytorch.load_model"):
        vtsserving.sklearn.get("net")


def test_pandas_is_left_unimported_unless_an_api_takes_dataframes(iris: tuple[LogisticRegression, np.ndarray]) -> None:
    """Importing scikit-learn brings pandas (0.3 s of a start) that predicting on arrays never uses:
    the runner defers it; a service whose API reads DataFrames imports it before the models."""
    import os
    import subprocess
    import sys
    import textwrap

    clf, X = iris
    model = vtsserving.sklearn.save_model("iris_clf", clf)
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        import vtsserving
        from vtsserving.io import NumpyNdarray, PandasDataFrame
        svc = vtsserving.Service("s", runners=[vtsserving.sklearn.get({str(model.tag)!r}).to_runner()])
        io = PandasDataFrame() if sys.argv[1] == "frame" else NumpyNdarray()
        svc.api(input=io, output=NumpyNdarray(), name="echo")(lambda x: x)
        svc.init_local()
        pandas = sys.modules.get("pandas")
        print(svc.runners[0].predict.run(np.array({X[:2].tolist()!r})).tolist(), pandas is not None,
              pandas is not None and pandas.DataFrame.__name__ == "DataFrame")
    """)
    answers = {}
    for io in ("array", "frame"):
        run = subprocess.run([sys.executable, "-c", code, io], capture_output=True, text=True, env=dict(os.environ))
        assert run.returncode == 0, run.stderr
        answers[io] = run.stdout.strip()
    expected = clf.predict(X[:2]).tolist()
    assert answers == {"array": f"{expected} False False", "frame": f"{expected} True True"}
