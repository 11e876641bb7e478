"""The Runnable behind `vtsserving.mlflow.get(tag).to_runner()`: pyfunc `predict`, two ways.

`predict(data, params=None)` shapes `data` by the MLflow signature (`_inputs.py`), then calls
pyfunc `predict`. `pyfunc_predict(data, params=None)` calls pyfunc `predict` with `data` as it
is, never batched: MLflow's scoring protocol (`_scoring.py`) parses a request with MLflow's own
code and runs the model through it, so that the model sees exactly what `mlflow models serve`
would give it. For an sklearn model given input that already matches its signature exactly
(names, order, dtypes) and no params, MLflow's schema enforcement would hand the table on
unchanged at about 1 ms a call, so the flavor's own predict function is called directly: the
same function on the same values. A plain sklearn estimator (not a pipeline or meta-estimator)
fitted on exactly the signature's columns gets the numpy array itself, which sklearn converts
the table to anyway; that skips building a DataFrame and sklearn's DataFrame checks, and, once
the array is checked to be finite, sklearn's own finiteness scan. The array goes to a shallow
copy of the estimator without `feature_names_in_` (the names were checked here), so sklearn has
no "X does not have valid feature names" warning to raise and no warnings filter is touched.

A scikit-learn model is loaded without importing MLflow where its flavor allows (`_native.py`):
the direct paths never need MLflow, and the rest builds MLflow's pyfunc model on first use.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...exceptions import BadInput
from ...models import Model
from ...runner import Runnable
from ...runner.deferred import import_now
from ._import import MLFLOW_MODEL_FOLDER
from ._inputs import prepare_input
from ._linear import linear_predict
from ._native import NativePyfunc, load_serving_model, native_sklearn_conf
from ._schema import columns_of, tensor_of

_DIRECT_LOADERS = ("mlflow.sklearn",)
PYFUNC_PREDICT = "pyfunc_predict"


def get_runnable(model: Model) -> type[Runnable]:
    """A Runnable class whose `predict` loads the pyfunc model once and calls it."""
    from ._import import get

    model = get(model)

    class MLflowPyfuncRunnable(Runnable):
        SUPPORTED_RESOURCES = ("cpu",)
        SUPPORTS_CPU_MULTI_THREADING = True
        # A natively loaded scikit-learn model is shared by forked workers; MLflow's loaders may
        # start threads or open connections, so those models load in each worker.
        PRELOAD = native_sklearn_conf(Path(model.path_of(MLFLOW_MODEL_FOLDER))) is not None

        def __init__(self) -> None:
            self.model = load_serving_model(model)
            if isinstance(self.model, NativePyfunc):
                schema = self.model.input_schema()
            else:
                signature = self.model.metadata.signature
                schema = signature.inputs if signature is not None else None
            self.columns = columns_of(schema)
            self.tensor = tensor_of(schema)
            self.direct = _direct_predict(self.model, schema)
            if not getattr(self.direct, "takes_arrays", False):
                import_now("pandas")  # its inputs become DataFrames

    def predict(self: MLflowPyfuncRunnable, data: Any, params: dict[str, Any] | None = None) -> Any:
        if params is None and self.direct is not None:
            result = self.direct(data)
            if result is not _NOT_DIRECT:
                return result
        prepared = prepare_input(data, self.columns, self.tensor)
        if params is None and self.direct is not None and prepared is not data:
            result = self.direct(prepared)
            if result is not _NOT_DIRECT:
                return result
        try:
            if params is None:
                return self.model.predict(prepared)
            return self.model.predict(prepared, params=params)
        except Exception as exc:
            if _is_input_error(exc):
                raise _as_bad_input(exc) from None
            raise

    def pyfunc_predict(self: MLflowPyfuncRunnable, data: Any, params: dict[str, Any] | None = None) -> Any:
        if params is None:
            return self.model.predict(data)
        return self.model.predict(data, params=params)

    signature = model.info.signatures.get("predict")
    MLflowPyfuncRunnable.add_method(pyfunc_predict, PYFUNC_PREDICT)
    MLflowPyfuncRunnable.add_method(
        predict,
        "predict",
        batchable=bool(signature and signature.batchable),
        batch_dim=signature.batch_dim if signature else 0,
        input_spec=signature.input_spec if signature else None,
        output_spec=signature.output_spec if signature else None,
    )
    return MLflowPyfuncRunnable


_NOT_DIRECT = object()
_INPUT_ERROR_CODES = ("INVALID_PARAMETER_VALUE", "BAD_REQUEST")


def _is_input_error(exc: Exception) -> bool:
    """MLflow's schema enforcement refused the input (a client error, not a server one)."""
    return type(exc).__name__ == "MlflowException" and getattr(exc, "error_code", None) in _INPUT_ERROR_CODES


def _as_bad_input(exc: Exception) -> BadInput:
    reason = str(getattr(exc, "message", exc))
    reason = reason.rsplit("Error: ", 1)[-1] if "Failed to enforce schema" in reason else reason
    reason = " ".join(reason.split())
    return BadInput(f"input does not match the MLflow model signature: {reason[:300]}")


def _direct_predict(pyfunc_model: Any, schema: Any) -> Callable[[Any], Any] | None:
    """The flavor's predict function for tables that already fit the schema, or None."""
    predict_fn = getattr(pyfunc_model, "_predict_fn", None)
    if pyfunc_model.loader_module not in _DIRECT_LOADERS or predict_fn is None:
        return None
    if schema is None or schema.is_tensor_spec() or not schema.has_input_names():
        return None
    if any(not getattr(c, "required", True) for c in schema.inputs):
        return None
    try:
        dtypes = [_numpy_dtype(t) for t in schema.numpy_types()]
    except Exception:  # noqa: BLE001 - a type numpy cannot name: always use pyfunc
        return None
    if any(d is None for d in dtypes):
        return None
    names = list(schema.input_names())
    on_arrays = _array_function(pyfunc_model, names, dtypes)
    array_dtype = dtypes[0] if on_arrays is not None else None
    import numpy as np

    def direct(data: Any) -> Any:
        if type(data) is np.ndarray:
            if data.dtype == array_dtype and data.ndim == 2 and data.shape[1] == len(names):
                if data.dtype.kind == "f" and not np.isfinite(data).all():
                    return _NOT_DIRECT  # sklearn's own check names the bad value
                return on_arrays(data)
            return _NOT_DIRECT
        pd = sys.modules.get("pandas")  # no DataFrame without it: not imported just to ask
        if pd is not None and type(data) is pd.DataFrame and list(data.columns) == names and list(data.dtypes) == dtypes:
            return predict_fn(data)
        return _NOT_DIRECT

    direct.takes_arrays = on_arrays is not None  # type: ignore[attr-defined]
    return direct


def _array_function(pyfunc_model: Any, names: list[str], dtypes: list[Any]) -> Callable[[Any], Any] | None:
    """What the model's predict function (MLflow's `predict_fn`: `predict`, `predict_proba`, ...)
    is on a checked array of one dtype: scikit-learn's linear predict without its per-call checks
    where that gives the same answers (`_linear.py`), else the estimator's method. None when the
    model takes tables only."""
    if len(set(dtypes)) != 1:
        return None
    estimator = _array_estimator(pyfunc_model, names)
    name = _predict_fn_name(pyfunc_model)
    method = getattr(estimator, name, None) if estimator is not None and name else None
    if not callable(method):
        return None
    checked = functools.partial(_call_finite, method)
    kernel = linear_predict(estimator, dtypes[0]) if name == "predict" else None
    if kernel is None:
        return checked
    return lambda data: kernel(data) if data.shape[0] else checked(data)  # none: sklearn's error


def _predict_fn_name(pyfunc_model: Any) -> str | None:
    """The estimator method MLflow's pyfunc `predict` calls (its `predict_fn`, from MLmodel)."""
    name = getattr(pyfunc_model, "predict_fn_name", None)  # NativePyfunc
    if name is None:
        try:
            name = pyfunc_model.metadata.flavors["python_function"].get("predict_fn", "predict")
        except Exception:  # noqa: BLE001 - unknown: tables through pyfunc only
            return None
    return name if isinstance(name, str) else None


def _call_finite(method: Any, data: Any) -> Any:
    """`method(data)` with sklearn's NaN/inf scan off (scikit-learn 1.9: about 30 of a one-row
    predict's 210 us): the array was just checked. sklearn's config is per thread; its own dict is
    set directly (0.2 us against `config_context`'s 5); should that private function go,
    `config_context` it is, and a config that no longer takes the setting only costs the scan
    again, never the answer."""
    config = _thread_config()
    if config is None:
        import sklearn

        with sklearn.config_context(assume_finite=True):
            return method(data)
    was = config["assume_finite"]
    config["assume_finite"] = True
    try:
        return method(data)
    finally:
        config["assume_finite"] = was


def _thread_config() -> dict[str, Any] | None:
    """This thread's own sklearn config dict, or None where sklearn keeps it otherwise."""
    local = getattr(sys.modules.get("sklearn._config"), "_get_threadlocal_config", None)
    config = local() if local is not None else None
    return config if type(config) is dict and "assume_finite" in config else None


_COMPOSITE_ATTRS = ("steps", "transformers", "estimator", "estimators", "base_estimator")


def _array_estimator(pyfunc_model: Any, names: list[str]) -> Any:
    """For a plain sklearn estimator fitted on exactly `names`, in order: a shallow copy of it
    that takes arrays without a feature-names warning. None for anything else."""
    import copy

    try:
        raw = pyfunc_model.get_raw_model()
    except Exception:  # noqa: BLE001 - no raw model: tables only
        return None
    if not type(raw).__module__.startswith("sklearn.") or any(hasattr(raw, a) for a in _COMPOSITE_ATTRS):
        return None
    fitted = getattr(raw, "feature_names_in_", None)
    if fitted is None or [str(n) for n in fitted] != names or not callable(getattr(raw, "predict", None)):
        return None
    nameless = copy.copy(raw)
    del nameless.feature_names_in_
    return nameless


def _numpy_dtype(kind: Any) -> Any:
    import numpy as np

    dtype = np.dtype(kind)
    return dtype if dtype.kind in "biuf" else None
