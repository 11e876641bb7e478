"""Serve a natively saved scikit-learn model through two APIs: class and class probabilities."""

import numpy as np

import vtsserving
from vtsserving.io import NumpyNdarray

iris_clf_runner = vtsserving.sklearn.get("iris_clf:latest").to_runner()

svc = vtsserving.Service("iris_classifier_native", runners=[iris_clf_runner])

rows_of_four = NumpyNdarray(dtype="float64", shape=(-1, 4), enforce_shape=True)


@svc.api(input=rows_of_four, output=NumpyNdarray())
def predict(rows: np.ndarray) -> np.ndarray:
    """Class index for each row."""
    return iris_clf_runner.predict.run(rows)


@svc.api(input=rows_of_four, output=NumpyNdarray())
def predict_proba(rows: np.ndarray) -> np.ndarray:
    """Probability of each of the three classes for each row."""
    return iris_clf_runner.predict_proba.run(rows)
