"""`vtsserving.sklearn`: save, load and run scikit-learn models (stored with joblib)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..models import Model, ModelContext, create, get_for_module
from ..runner.deferred import defer_imports
from ..tag import Tag
from . import add_signature_methods, check_methods, import_framework, signatures_of

if TYPE_CHECKING:
    from ..runner import Runnable

MODULE_NAME = "vtsserving.sklearn"
MODEL_FILENAME = "saved_model.pkl"
# What importing scikit-learn 1.9 brings that predicting on arrays never touches (about 0.3 s of a
# container start): loading an estimator defers them to their first use (`runner/deferred.py`).
SKLEARN_DEFERRED_IMPORTS = ("pandas", "numpy.f2py", "numpy.testing")
DEFAULT_SIGNATURES: dict[str, dict[str, Any]] = {"predict": {"batchable": False}}


def get(tag: str | Tag) -> Model:
    """The stored model `tag`, checking that `vtsserving.sklearn` saved it."""
    return get_for_module(tag, MODULE_NAME)


def load_model(tag_or_model: str | Tag | Model) -> Any:
    """Load the estimator (or pipeline) saved under `tag_or_model`."""
    model = get_for_module(tag_or_model, MODULE_NAME)
    with defer_imports(SKLEARN_DEFERRED_IMPORTS):
        joblib = import_framework("joblib", "sklearn")
        return joblib.load(model.path_of(MODEL_FILENAME))


def save_model(
    name: str | Tag,
    model: Any,
    *,
    signatures: dict[str, dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Model:
    """Save a fitted scikit-learn estimator in the model store; return the stored `Model`."""
    sklearn = import_framework("sklearn", "sklearn")
    joblib = import_framework("joblib", "sklearn")
    signatures = signatures or DEFAULT_SIGNATURES
    check_methods(model, signatures, "scikit-learn model")
    context = ModelContext(
        framework_name="sklearn",
        framework_versions={"scikit-learn": sklearn.__version__, "joblib": joblib.__version__},
    )
    with create(
        name,
        module=MODULE_NAME,
        context=context,
        signatures=signatures,
        labels=labels,
        metadata=metadata,
        custom_objects=custom_objects,
    ) as stored:
        joblib.dump(model, stored.path_of(MODEL_FILENAME))
    return stored


def get_runnable(model: Model) -> type[Runnable]:
    """A Runnable class with one method per signature, calling the estimator's method."""
    from ..runner import Runnable

    class SklearnRunnable(Runnable):
        SUPPORTED_RESOURCES = ("cpu",)
        SUPPORTS_CPU_MULTI_THREADING = True
        PRELOAD = True  # an unpickled estimator: no threads, no devices

        def __init__(self) -> None:
            super().__init__()
            self.model = load_model(model)

    def factory(method: str) -> Callable[..., Any]:
        def run(self: SklearnRunnable, *args: Any, **kwargs: Any) -> Any:
            return getattr(self.model, method)(*args, **kwargs)

        return run

    return add_signature_methods(SklearnRunnable, signatures_of(model, DEFAULT_SIGNATURES), factory)


__all__ = ["DEFAULT_SIGNATURES", "MODULE_NAME", "get", "get_runnable", "load_model", "save_model"]
