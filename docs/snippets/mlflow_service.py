"""The iris service of guides/mlflow.md ("SageMaker"): the model the page imported first, one API.

Run alone (tests/unit/test_docs_snippets.py), it first imports such a model; the page has one.
"""

import vtsserving

if not vtsserving.models.list("my_sklearn_model"):
    import mlflow.sklearn
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    mlflow.sklearn.save_model(LogisticRegression(max_iter=1000).fit(X, y), "my_model")
    vtsserving.mlflow.import_model("my_sklearn_model", "my_model")

# --8<-- [start:service]
import numpy as np

import vtsserving
from vtsserving.io import NumpyNdarray

runner = vtsserving.mlflow.get("my_sklearn_model:latest").to_runner()
svc = vtsserving.Service("iris_classifier", runners=[runner])


@svc.api(input=NumpyNdarray(dtype="float64", shape=[-1, 4], enforce_shape=True), output=NumpyNdarray())
async def classify(features: np.ndarray) -> np.ndarray:
    return await runner.predict.async_run(features)
# --8<-- [end:service]


assert "classify" in svc.apis
