"""Serve the autologged linear regression: rows of two numbers in, one prediction per row out."""

import numpy as np

import vtsserving
from vtsserving.io import NumpyNdarray

regression_runner = vtsserving.mlflow.get("linear_regression_model:latest").to_runner()

svc = vtsserving.Service("linear_regression", runners=[regression_runner])


@svc.api(
    input=NumpyNdarray(dtype="float64", shape=(-1, 2), enforce_dtype=True, enforce_shape=True),
    output=NumpyNdarray(),
)
def predict(rows: np.ndarray) -> np.ndarray:
    """x0 + 2 * x1 + 3 for each row, as the model learned it."""
    return regression_runner.predict.run(rows)
