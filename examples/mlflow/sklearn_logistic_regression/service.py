"""Serve the imported iris logistic regression: four measurements in, one class index out."""

import numpy as np

import vtsserving
from vtsserving.io import NumpyNdarray

iris_runner = vtsserving.mlflow.get("logistic_regression_model:latest").to_runner()

svc = vtsserving.Service("iris_logistic_regression", runners=[iris_runner])


@svc.api(
    input=NumpyNdarray(dtype="float64", shape=(-1, 4), enforce_shape=True),
    output=NumpyNdarray(),
)
def predict(features: np.ndarray) -> np.ndarray:
    """Class index (0 setosa, 1 versicolor, 2 virginica) for each row of measurements."""
    return iris_runner.predict.run(features)
