"""scikit-learn's linear `predict` on arrays the direct path has checked, without its per-call checks.

A one-row `LogisticRegression.predict` costs about 280 us in scikit-learn 1.9; the arithmetic is
4 us. The rest is input validation (narwhals' dataframe probes, array-API dispatch, feature
count) that the direct path has already done: dtype, width and finiteness. For an estimator whose
`predict` is scikit-learn's own linear one, `linear_predict` computes the same expression with the
same numpy calls: `LinearClassifierMixin`'s (LogisticRegression, LinearSVC, SGDClassifier,
Perceptron, PassiveAggressiveClassifier) and `LinearModel`'s (LinearRegression, Lars, HuberRegressor,
QuantileRegressor, TheilSenRegressor, LinearSVR, the cross-validated selectors). Ridge, Lasso,
ElasticNet, SGDRegressor and RidgeClassifier define their own and keep it. The kernel is used only
if it gives the estimator's own answer, bit for bit and dtype for dtype, on a probe of 257 rows at
load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PROBE_ROWS = 256


def linear_predict(estimator: Any, dtype: Any) -> Callable[[Any], Any] | None:
    """`estimator.predict` for checked 2-D arrays of `dtype` with at least one row, or None."""
    import numpy as np

    coef, intercept = getattr(estimator, "coef_", None), getattr(estimator, "intercept_", None)
    if type(coef) is not np.ndarray or coef.ndim not in (1, 2) or intercept is None:
        return None
    kind = _kind(type(estimator))
    if kind == "classifier":
        kernel = _classifier(coef, intercept, getattr(estimator, "classes_", None))
    elif kind == "regressor":
        kernel = _regressor(coef, intercept)
    else:
        return None
    if kernel is None or not _agrees(kernel, estimator, dtype):
        return None
    return kernel


def _kind(cls: type) -> str | None:
    """Which of scikit-learn's linear predict functions `cls` uses unchanged, if either."""
    from sklearn.linear_model import _base

    predict = getattr(cls, "predict", None)
    mixin = _base.LinearClassifierMixin
    if predict is mixin.predict and getattr(cls, "decision_function", None) is mixin.decision_function:
        return "classifier"
    plain = {_base.LinearModel.predict, getattr(getattr(_base, "MultiOutputLinearModel", None), "predict", None)} - {None}
    if predict in plain and getattr(cls, "_decision_function", None) is _base.LinearModel._decision_function:
        return "regressor"
    return None


def _classifier(coef: Any, intercept: Any, classes: Any) -> Callable[[Any], Any] | None:
    """`LinearClassifierMixin.predict`: the class of the highest score (of a positive one, binary)."""
    import numpy as np

    if type(classes) is not np.ndarray:
        return None
    coef_t = coef.T if coef.ndim == 2 else coef

    def predict(X: Any) -> Any:
        scores = X @ coef_t + intercept
        if scores.ndim > 1 and scores.shape[1] == 1:
            scores = np.reshape(scores, (-1,))
        indices = (scores > 0).astype(np.int64) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return np.take(classes, indices, axis=0)

    return predict


def _regressor(coef: Any, intercept: Any) -> Callable[[Any], Any]:
    """`LinearModel.predict`: the linear function itself."""
    coef_t = coef if coef.ndim == 1 else coef.T

    def predict(X: Any) -> Any:
        return X @ coef_t + intercept

    return predict


def _agrees(kernel: Callable[[Any], Any], estimator: Any, dtype: Any) -> bool:
    """Whether `kernel` answers as `estimator.predict`, value for value, on rows of `dtype`."""
    import numpy as np

    width = int(getattr(estimator, "n_features_in_", 0) or 0)
    if width < 1:
        return False
    rng = np.random.default_rng(0)
    probe = np.vstack([np.zeros((1, width)), rng.normal(0, 3, size=(_PROBE_ROWS, width))]).astype(dtype)
    try:
        ours, theirs = kernel(probe), estimator.predict(probe)
    except Exception:  # noqa: BLE001 - whatever went wrong, scikit-learn's own predict it is
        return False
    return (type(ours) is type(theirs) is np.ndarray and ours.dtype == theirs.dtype
            and ours.shape == theirs.shape and np.array_equal(ours, theirs))
