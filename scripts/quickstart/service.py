"""The quickstart service: iris measurements in, class ids out."""

import numpy as np

import vtsserving
from vtsserving.io import NumpyNdarray

iris_runner = vtsserving.mlflow.get("iris_clf:latest").to_runner()

svc = vtsserving.Service("iris_classifier", runners=[iris_runner])


@svc.api(
    input=NumpyNdarray(dtype="float64", shape=[-1, 4], enforce_shape=True, example=[[5.1, 3.5, 1.4, 0.2]]),
    output=NumpyNdarray(dtype="int64", example=[0]),
)
async def classify(features: np.ndarray) -> np.ndarray:
    return await iris_runner.predict.async_run(features)
