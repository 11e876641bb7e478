"""Serve the wine classifier; a second API returns the training run's params and metrics."""

import numpy as np

import vtsserving
from vtsserving.io import JSON, NumpyNdarray

wine_model = vtsserving.mlflow.get("wine_svc:latest")
wine_runner = wine_model.to_runner()

svc = vtsserving.Service("wine_classifier", runners=[wine_runner])


@svc.api(
    input=NumpyNdarray(dtype="float64", shape=(-1, 13), enforce_shape=True),
    output=NumpyNdarray(),
)
def predict(rows: np.ndarray) -> np.ndarray:
    """Wine class (0, 1 or 2) for each row of thirteen chemical measurements."""
    return wine_runner.predict.run(rows)


@svc.api(input=JSON(), output=JSON())
def model_info(_: object) -> dict:
    """The served model's tag, labels (run tags) and metadata (run params and metrics)."""
    return {
        "tag": str(wine_model.tag),
        "labels": wine_model.info.labels,
        "metadata": wine_model.info.metadata,
    }
