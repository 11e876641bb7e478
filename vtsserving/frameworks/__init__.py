"""Framework modules (`vtsserving.sklearn`, `vtsserving.pytorch`, `vtsserving.mlflow`).

Each exposes `save_model`/`import_model`, `load_model`, `get` and `get_runnable`. This
package holds only the small helpers they share; it imports no framework.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidArgument, MissingDependency

if TYPE_CHECKING:
    from ..models import Model, ModelSignature
    from ..runner import Runnable

# Builds the runnable method for one signature: (method name) -> function(self, *args, **kw).
MethodFactory = Callable[[str], Callable[..., Any]]


def import_framework(module: str, extra: str) -> Any:
    """Import a framework lazily; say which extra to install when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(
            f"{module} is needed here but cannot be imported ({exc}): pip install 'vtsserving[{extra}]'"
        ) from None


def check_methods(obj: Any, signatures: dict[str, Any], what: str) -> None:
    """Every signature must name a callable attribute of the model being saved."""
    for method in signatures:
        if not isinstance(method, str) or not method:
            raise InvalidArgument(f"signature names must be non-empty strings, got {method!r}")
        if not callable(getattr(obj, method, None)):
            raise InvalidArgument(
                f"{what} {type(obj).__name__} has no method {method!r} named in signatures"
            )


def add_signature_methods(
    cls: type[Runnable], signatures: dict[str, ModelSignature], factory: MethodFactory
) -> type[Runnable]:
    """Add one runnable method per model signature, keeping batchable and batch_dim."""
    for method, sig in signatures.items():
        cls.add_method(
            factory(method),
            method,
            batchable=sig.batchable,
            batch_dim=sig.batch_dim,
            input_spec=sig.input_spec,
            output_spec=sig.output_spec,
        )
    return cls


def signatures_of(model: Model, default: dict[str, dict[str, Any]]) -> dict[str, ModelSignature]:
    """The model's signatures, or the framework default when it has none."""
    from ..models.model import normalize_signatures

    return dict(model.info.signatures) or normalize_signatures(default)


__all__ = ["add_signature_methods", "check_methods", "import_framework", "signatures_of"]
