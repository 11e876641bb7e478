"""Load an MLflow model for serving without importing MLflow, where its flavor allows it.

`import mlflow` costs about a second of CPU per worker process (its tracking, GenAI and gateway
modules come with it), more than unpickling a scikit-learn model. A scikit-learn model that MLflow
saved as pickle, cloudpickle or skops, with no code paths, model config or external artifacts, is
loaded here exactly as `mlflow.sklearn` loads it (same file, same library call), and its input
schema is read from the `MLmodel` file. `NativePyfunc` stands in for MLflow's `PyFuncModel`: the
runnable's direct paths call the estimator itself; anything that needs MLflow (its schema
enforcement, its parsers, `metadata`) builds the real `PyFuncModel` on first use, around the same
estimator object (it is not unpickled twice). Every other model goes to `mlflow.pyfunc.load_model`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

import yaml

from ...models import Model
from ...runner.deferred import defer_imports
from ..sklearn import SKLEARN_DEFERRED_IMPORTS
from ._import import MLFLOW_MODEL_FOLDER, load_model
from ._mlmodel import PYFUNC, _signature
from ._uri import MLMODEL

SKLEARN_LOADER = "mlflow.sklearn"
_FORMATS = ("pickle", "cloudpickle", "skops")
# The predict functions MLflow's sklearn wrapper serves (its `_SUPPORTED_CUSTOM_PREDICT_FN`).
_CUSTOM_PREDICT_FNS = ("predict_proba", "predict_log_proba", "predict_joint_log_proba", "score")
# MLflow column types numpy names exactly (DataType.to_numpy()); others: MLflow reads the schema.
_NUMPY_TYPES = {"boolean": "bool", "integer": "int32", "long": "int64", "float": "float32", "double": "float64"}


def load_serving_model(model: Model) -> Any:
    """A `NativePyfunc` where the model's flavor allows it, else MLflow's `PyFuncModel`."""
    folder = Path(model.path_of(MLFLOW_MODEL_FOLDER))
    conf = native_sklearn_conf(folder)
    if conf is None:
        return load_model(model)
    return NativePyfunc(folder, conf, load_estimator(conf))


def native_sklearn_conf(folder: Path) -> dict[str, Any] | None:
    """What loading the model natively needs from its MLmodel, or None if MLflow must load it."""
    try:
        meta = yaml.safe_load((folder / MLMODEL).read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if not isinstance(meta, dict) or (meta.get("metadata") or {}).get("mlflow.model.isExternal"):
        return None
    flavors = meta.get("flavors") or {}
    pyfunc, sk = flavors.get(PYFUNC) or {}, flavors.get("sklearn") or {}
    if pyfunc.get("loader_module") != SKLEARN_LOADER or not sk or pyfunc.get("code") or sk.get("code"):
        return None
    if pyfunc.get("model_config") or pyfunc.get("streamable") or not pyfunc.get("model_path"):
        return None
    fmt = sk.get("serialization_format", "pickle")
    predict_fn = pyfunc.get("predict_fn", "predict")
    if fmt not in _FORMATS or (predict_fn != "predict" and predict_fn not in _CUSTOM_PREDICT_FNS):
        return None
    if not _pickle_allowed():
        return None  # MLflow refuses, in its own words
    return {"path": folder / pyfunc["model_path"], "format": fmt, "predict_fn": predict_fn,
            "trusted": sk.get("skops_trusted_types"), "signature": _signature(meta.get("signature"))}


def _pickle_allowed() -> bool:
    """MLFLOW_ALLOW_PICKLE_DESERIALIZATION, default true, as MLflow reads it."""
    return os.environ.get("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true").strip().lower() in ("true", "1")


def load_estimator(conf: dict[str, Any]) -> Any:
    """The estimator, read as `mlflow.sklearn._load_model_from_local_file` reads it (what importing
    scikit-learn brings and predicting on arrays never uses deferred to its first use)."""
    with defer_imports(SKLEARN_DEFERRED_IMPORTS):
        return _read_estimator(conf)


def _read_estimator(conf: dict[str, Any]) -> Any:
    path, fmt = conf["path"], conf["format"]
    if fmt == "skops":
        import skops.io

        return skops.io.load(path, trusted=conf["trusted"])
    with open(path, "rb") as f:
        if fmt == "cloudpickle":
            import cloudpickle

            return cloudpickle.load(f)
        import pickle

        return pickle.load(f)


class NativePyfunc:
    """The parts of MLflow's `PyFuncModel` serving uses, around a natively loaded estimator."""

    loader_module = SKLEARN_LOADER

    def __init__(self, folder: Path, conf: dict[str, Any], estimator: Any) -> None:
        self.folder = folder
        self._signature = conf["signature"]
        self._estimator = estimator
        self.predict_fn_name = conf["predict_fn"]
        self._predict_fn = _predict_fn(estimator, conf["predict_fn"])
        self._pyfunc: Any = None
        self._lock = threading.Lock()

    def get_raw_model(self) -> Any:
        return self._estimator

    def input_schema(self) -> Any:
        """The input schema: read from MLmodel when plain, else MLflow's own; None if none."""
        return self._schema("inputs")

    def output_schema(self) -> Any:
        """The output schema: read from MLmodel when plain, else MLflow's own; None if none."""
        return self._schema("outputs")

    def _schema(self, part: str) -> Any:
        specs = (self._signature or {}).get(part)
        if not specs:
            return None
        schema = light_schema({"inputs": specs})
        if schema is None:
            signature = self.metadata.signature
            schema = getattr(signature, part) if signature is not None else None
        return schema

    @property
    def metadata(self) -> Any:
        return self.pyfunc().metadata

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.pyfunc().predict(data, params=params)

    def pyfunc(self) -> Any:
        """MLflow's own `PyFuncModel` of this model (MLflow imported on first use)."""
        with self._lock:
            if self._pyfunc is None:
                self._pyfunc = _mlflow_pyfunc(self.folder, self._estimator)
            return self._pyfunc

    def __getattr__(self, name: str) -> Any:
        """Anything else MLflow's model has (`unwrap_python_model`, `model_config`, ...)."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.pyfunc(), name)


def _predict_fn(estimator: Any, name: str) -> Any:
    if name == "predict":
        return lambda data, params=None: estimator.predict(data)
    return getattr(estimator, name)


def _mlflow_pyfunc(folder: Path, estimator: Any) -> Any:
    """`mlflow.pyfunc.load_model(folder)`, made around the estimator already in memory."""
    import mlflow.pyfunc

    try:
        from mlflow.models import Model
        from mlflow.sklearn import _SklearnModelWrapper
    except ImportError:  # another MLflow: let it load the model itself
        return mlflow.pyfunc.load_model(str(folder))
    meta = Model.load(str(folder / MLMODEL))
    conf = meta.flavors[PYFUNC]
    model = mlflow.pyfunc.PyFuncModel(model_meta=meta, model_impl=_SklearnModelWrapper(estimator),
                                      predict_fn=conf.get("predict_fn", "predict"),
                                      model_id=getattr(meta, "model_id", None))
    with contextlib.suppress(Exception):  # as load_model: an unreadable example is no error
        model.input_example = meta.load_input_example(path=str(folder))
    return model


class _Type:
    def __init__(self, name: str) -> None:
        self.name = name


class _ColSpec:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.name = spec["name"]
        self.type = _Type(spec["type"])
        self.required = bool(spec.get("required", True))


class _TensorSpec:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.name = spec.get("name")
        self.type = spec["tensor-spec"]["dtype"]
        self.shape = tuple(int(d) for d in spec["tensor-spec"]["shape"])


class LightSchema:
    """An MLflow input `Schema` read from MLmodel JSON, for the few questions serving asks."""

    def __init__(self, inputs: list[Any], tensor: bool) -> None:
        self.inputs = inputs
        self._tensor = tensor

    def is_tensor_spec(self) -> bool:
        return self._tensor

    def has_input_names(self) -> bool:
        return bool(self.inputs) and self.inputs[0].name is not None

    def input_names(self) -> list[Any]:
        return [spec.name or i for i, spec in enumerate(self.inputs)]

    def numpy_types(self) -> list[Any]:
        import numpy as np

        if self._tensor:
            return [np.dtype(spec.type) for spec in self.inputs]
        return [np.dtype(_NUMPY_TYPES[spec.type.name]) for spec in self.inputs]


def light_schema(signature: dict[str, Any] | None) -> LightSchema | None:
    """The input schema when it is plain columns of numeric types or plain tensors; None for any
    other (no signature, strings, objects, arrays, optional columns: MLflow's own types then)."""
    inputs = (signature or {}).get("inputs")
    if not isinstance(inputs, list) or not inputs or not all(isinstance(s, dict) for s in inputs):
        return None
    try:
        if all(s.get("type") == "tensor" and set(s) <= {"type", "tensor-spec", "name"} for s in inputs):
            return LightSchema([_TensorSpec(s) for s in inputs], tensor=True)
        if all(s.get("type") in _NUMPY_TYPES and isinstance(s.get("name"), str) and set(s) <= {"type", "name", "required"}
               for s in inputs):
            return LightSchema([_ColSpec(s) for s in inputs], tensor=False)
    except (KeyError, TypeError, ValueError):
        return None
    return None
