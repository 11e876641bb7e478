"""scikit-learn's linear predict without its per-call checks (frameworks/mlflow/_linear.py):
the estimator's own answers, value for value and dtype for dtype, or not used at all."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import (
    BayesianRidge,
    ElasticNet,
    HuberRegressor,
    Lars,
    Lasso,
    LassoCV,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.tree import DecisionTreeClassifier

from vtsserving.frameworks.mlflow._linear import _agrees, _classifier, linear_predict

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])[IRIS_Y]
DIABETES_X, DIABETES_Y = load_diabetes(return_X_y=True)

CLASSIFIERS = {
    "logistic, 3 classes": (LogisticRegression(max_iter=500), IRIS_Y),
    "logistic, 2 string classes": (LogisticRegression(max_iter=500), np.where(IRIS_Y == 0, "a", "b")),
    "logistic, string labels": (LogisticRegression(max_iter=500), NAMES),
    "sgd classifier": (SGDClassifier(random_state=0), IRIS_Y),
    "linear svc": (LinearSVC(), IRIS_Y),
    "perceptron, 2 classes": (Perceptron(random_state=0), IRIS_Y == 1),
}
REGRESSORS = {
    "least squares": (LinearRegression(), DIABETES_Y),
    "least squares, 2 outputs": (LinearRegression(), np.c_[DIABETES_Y, -DIABETES_Y]),
    "huber": (HuberRegressor(max_iter=1000), DIABETES_Y),
    "lars": (Lars(), DIABETES_Y),
    "lasso, cross-validated": (LassoCV(cv=3), DIABETES_Y),
    "linear svr": (LinearSVR(max_iter=5000, random_state=0), DIABETES_Y),
}


def _rows(width: int, dtype: object) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    many = rng.normal(0, 4, size=(300, width)).astype(dtype)
    return [many, many[:1], many[:2], np.asfortranarray(many[:17])]


@pytest.mark.parametrize("name", [*CLASSIFIERS, *REGRESSORS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_the_kernel_answers_as_the_estimator(name: str, dtype: object) -> None:
    estimator, y = {**CLASSIFIERS, **REGRESSORS}[name]
    X = IRIS_X if name in CLASSIFIERS else DIABETES_X
    estimator.fit(X, y)
    kernel = linear_predict(estimator, dtype)
    assert kernel is not None
    for rows in _rows(X.shape[1], dtype):
        ours, theirs = kernel(rows), estimator.predict(rows)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("estimator", [Ridge(), Lasso(alpha=0.01), ElasticNet(alpha=0.01), SGDRegressor(random_state=0),
                                       BayesianRidge(), RidgeClassifier(), DecisionTreeClassifier()],
                         ids=lambda e: type(e).__name__)
def test_estimators_with_a_predict_of_their_own_keep_it(estimator: object) -> None:
    """Ridge, lasso and the like define `predict` or `_decision_function` themselves."""
    y = IRIS_Y if type(estimator).__name__.endswith("Classifier") else DIABETES_Y
    X = IRIS_X if y is IRIS_Y else DIABETES_X
    assert linear_predict(estimator.fit(X, y), np.float64) is None


def test_overridden_predicts_and_sparse_coefficients_keep_sklearns() -> None:

    class Shifted(LogisticRegression):
        def predict(self, X):  # noqa: ANN001, ANN201 - a user's override
            return super().predict(X) + 1

    assert linear_predict(Shifted(max_iter=500).fit(IRIS_X, IRIS_Y), np.float64) is None
    sparse = LogisticRegression(max_iter=500).fit(IRIS_X, IRIS_Y).sparsify()
    assert linear_predict(sparse, np.float64) is None


def test_a_kernel_that_disagrees_on_the_probe_is_refused() -> None:
    estimator = LogisticRegression(max_iter=500).fit(IRIS_X, IRIS_Y)
    right = _classifier(estimator.coef_, estimator.intercept_, estimator.classes_)
    wrong = _classifier(estimator.coef_, estimator.intercept_ + np.array([5.0, 0.0, 0.0]), estimator.classes_)
    assert right is not None and wrong is not None
    assert _agrees(right, estimator, np.float64)
    assert not _agrees(wrong, estimator, np.float64)
