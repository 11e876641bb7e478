"""The input and output types of an MLflow runner, checked on a scikit-learn model."""

from typing import get_args, get_origin  # noqa: I001 - the shown block has its own imports

import mlflow
import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

# --8<-- [start:types]
from typing import Any, Dict, List, Union  # noqa: UP035 - as users read it

import numpy as np
import pandas

MLflowRunnerInput = Union[pandas.DataFrame, np.ndarray, List[Any], Dict[str, Any]]  # noqa: UP006, UP007
MLflowRunnerOutput = Union[pandas.DataFrame, pandas.Series, np.ndarray, list]  # noqa: UP007
# --8<-- [end:types]

X, y = load_iris(return_X_y=True, as_frame=True)
clf = LogisticRegression(max_iter=1000).fit(X, y)
mlflow.sklearn.save_model(clf, "iris_model", signature=infer_signature(X, clf.predict(X)))
runner = vtsserving.mlflow.import_model("iris", "iris_model").to_runner()
runner.init_local()


def _is_one_of(value: Any, union: Any) -> bool:
    return any(isinstance(value, get_origin(t) or t) for t in get_args(union))


row = X.iloc[:2]
inputs = [row, row.to_numpy(), row.to_numpy().tolist(), row.to_dict(orient="list")]
for value in inputs:
    assert _is_one_of(value, MLflowRunnerInput)
    out = runner.predict.run(value)
    assert _is_one_of(out, MLflowRunnerOutput), type(out)
    assert np.asarray(out).ravel().tolist() == [0, 0]
