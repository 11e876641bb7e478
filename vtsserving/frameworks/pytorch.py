"""`vtsserving.pytorch`: save, load and run PyTorch modules, whole (pickled) or TorchScript.

A whole `nn.Module` is stored with `torch.save` and needs its class importable at load
time; a `torch.jit.ScriptModule` is stored with `torch.jit.save` and needs no code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidArgument
from ..models import Model, ModelContext, create, get_for_module
from ..tag import Tag
from . import add_signature_methods, check_methods, import_framework, signatures_of

if TYPE_CHECKING:
    from ..runner import Runnable

MODULE_NAME = "vtsserving.pytorch"
MODEL_FILENAME = "saved_model.pt"
FORMAT_PICKLE = "pickle"
FORMAT_TORCHSCRIPT = "torchscript"
DEFAULT_SIGNATURES: dict[str, dict[str, Any]] = {"__call__": {"batchable": False}}


def _torch() -> Any:
    return import_framework("torch", "pytorch")


def get(tag: str | Tag) -> Model:
    """The stored model `tag`, checking that `vtsserving.pytorch` saved it."""
    return get_for_module(tag, MODULE_NAME)


def load_model(tag_or_model: str | Tag | Model, device_id: str = "cpu") -> Any:
    """Load the module saved under `tag_or_model` onto `device_id`, in eval mode."""
    model = get_for_module(tag_or_model, MODULE_NAME)
    torch = _torch()
    path = model.path_of(MODEL_FILENAME)
    if model.info.options.get("format") == FORMAT_TORCHSCRIPT:
        module = torch.jit.load(path, map_location=device_id)
    else:
        # a whole pickled module: weights_only=False is required and is safe for our own store
        module = torch.load(path, map_location=device_id, weights_only=False)
    module.eval()
    return module


def save_model(
    name: str | Tag,
    model: Any,
    *,
    signatures: dict[str, dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Model:
    """Save an `nn.Module` (pickled) or a `ScriptModule` (TorchScript); return the `Model`."""
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise InvalidArgument(
            f"vtsserving.pytorch.save_model expects a torch.nn.Module, got {type(model).__name__}"
        )
    signatures = signatures or DEFAULT_SIGNATURES
    check_methods(model, signatures, "PyTorch module")
    scripted = isinstance(model, torch.jit.ScriptModule)
    context = ModelContext(framework_name="torch", framework_versions={"torch": torch.__version__})
    with create(
        name,
        module=MODULE_NAME,
        context=context,
        signatures=signatures,
        labels=labels,
        metadata=metadata,
        options={"format": FORMAT_TORCHSCRIPT if scripted else FORMAT_PICKLE},
        custom_objects=custom_objects,
    ) as stored:
        if scripted:
            torch.jit.save(model, stored.path_of(MODEL_FILENAME))
        else:
            torch.save(model, stored.path_of(MODEL_FILENAME))
    return stored


def _to_tensor(torch: Any, value: Any, device: str) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if type(value).__module__ == "numpy" and hasattr(value, "dtype"):
        return torch.as_tensor(value, device=device)
    return value


def _to_cpu(torch: Any, value: Any) -> Any:
    """Outputs come back on the CPU, so IO descriptors can turn them into numpy or JSON."""
    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, (list, tuple)):
        items = [_to_cpu(torch, v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        return {k: _to_cpu(torch, v) for k, v in value.items()}
    return value


def get_runnable(model: Model) -> type[Runnable]:
    """A Runnable with one method per signature: numpy or tensor inputs go to its device
    (CUDA when available), tensor outputs come back on the CPU."""
    from ..runner import Runnable

    class PytorchRunnable(Runnable):
        SUPPORTED_RESOURCES = ("nvidia.com/gpu", "cpu")
        SUPPORTS_CPU_MULTI_THREADING = True
        # Each worker loads its own copy (CUDA cannot cross a fork); importing torch can.
        PRELOAD_IMPORTS = ("torch",)

        def __init__(self) -> None:
            super().__init__()
            self.torch = _torch()
            self.device = "cuda" if self.torch.cuda.is_available() else "cpu"
            self.model = load_model(model, device_id=self.device)

    def factory(method: str) -> Callable[..., Any]:
        def run(self: PytorchRunnable, *args: Any, **kwargs: Any) -> Any:
            torch, device = self.torch, self.device
            args = tuple(_to_tensor(torch, a, device) for a in args)
            kwargs = {k: _to_tensor(torch, v, device) for k, v in kwargs.items()}
            with torch.inference_mode():
                return _to_cpu(torch, getattr(self.model, method)(*args, **kwargs))

        return run

    return add_signature_methods(PytorchRunnable, signatures_of(model, DEFAULT_SIGNATURES), factory)


__all__ = [
    "DEFAULT_SIGNATURES",
    "MODULE_NAME",
    "get",
    "get_runnable",
    "load_model",
    "save_model",
]
