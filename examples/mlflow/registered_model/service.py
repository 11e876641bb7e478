"""Serve the registered diabetes regressor: rows of ten features in, one prediction per row out."""

import numpy as np

import vtsserving
from vtsserving.io import NumpyNdarray

# Each import is a new version of my_mlflow_model; `latest` is the newest.
forest_runner = vtsserving.mlflow.get("my_mlflow_model:latest").to_runner()

svc = vtsserving.Service("diabetes_regressor", runners=[forest_runner])


@svc.api(
    input=NumpyNdarray(dtype="float64", shape=(-1, 10), enforce_shape=True),
    output=NumpyNdarray(),
)
def predict(rows: np.ndarray) -> np.ndarray:
    """Disease progression estimate for each row of ten (scaled) features."""
    return forest_runner.predict.run(rows)
