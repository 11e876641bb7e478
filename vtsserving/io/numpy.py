"""`NumpyNdarray`: a JSON (nested list) body as a numpy array, checked against dtype and shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..exceptions import BadInput, InvalidArgument
from .base import IODescriptor, dump_json, load_json

_KIND_TYPES = {"b": "boolean", "i": "integer", "u": "integer", "f": "number", "U": "string", "S": "string"}


def json_type_of(dtype: Any) -> dict[str, Any]:
    """The JSON schema of one element of `dtype` (any element when unknown)."""
    if dtype is None:
        return {}
    import numpy as np

    kind = np.dtype(dtype).kind
    return {"type": _KIND_TYPES[kind]} if kind in _KIND_TYPES else {}


def check_shape(shape: tuple[int, ...], expected: Sequence[int], what: str = "array") -> None:
    ok = len(shape) == len(expected) and all(e in (-1, s) for s, e in zip(shape, expected, strict=False))
    if not ok:
        raise BadInput(f"{what} has shape {list(shape)}; expected {list(expected)} (-1: any size)")


class NumpyNdarray(IODescriptor):
    """`NumpyNdarray(dtype=None, shape=None, enforce_dtype=False, enforce_shape=False)`."""

    def __init__(
        self,
        dtype: Any = None,
        shape: Sequence[int] | None = None,
        enforce_dtype: bool = False,
        enforce_shape: bool = False,
    ) -> None:
        import numpy as np

        if enforce_dtype and dtype is None:
            raise InvalidArgument("NumpyNdarray(enforce_dtype=True) needs a dtype")
        if enforce_shape and shape is None:
            raise InvalidArgument("NumpyNdarray(enforce_shape=True) needs a shape")
        self.dtype = np.dtype(dtype) if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.enforce_dtype = enforce_dtype
        self.enforce_shape = enforce_shape
        super().__init__(
            dtype=str(self.dtype) if self.dtype is not None else None,
            shape=list(self.shape) if self.shape is not None else None,
            enforce_dtype=enforce_dtype,
            enforce_shape=enforce_shape,
        )

    def parse(self, body: bytes, content_type: str) -> Any:
        return self.from_value(load_json(body))

    def from_value(self, data: Any) -> Any:
        """An array from decoded JSON, converted and checked as declared."""
        import numpy as np

        if isinstance(data, dict):
            raise BadInput("expected a JSON array (nested lists) for NumpyNdarray, got an object")
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadInput(f"input is not a rectangular array: {exc}") from None
        if self.dtype is not None and arr.dtype != self.dtype:
            if self.enforce_dtype and not (arr.size == 0 or np.can_cast(arr.dtype, self.dtype, "same_kind")):
                raise BadInput(f"input holds {arr.dtype} values; expected {self.dtype} (enforce_dtype)")
            try:
                arr = arr.astype(self.dtype)
            except (ValueError, TypeError, OverflowError) as exc:
                if self.enforce_dtype:
                    raise BadInput(f"input cannot be read as an array of {self.dtype}: {exc}") from None
        if arr.dtype == object:
            raise BadInput("input is not a rectangular array of numbers or strings")
        if self.enforce_shape:
            check_shape(arr.shape, self.shape)
        return arr

    def render(self, obj: Any) -> tuple[bytes, str]:
        import numpy as np

        if hasattr(obj, "detach"):  # torch tensor
            obj = obj.detach().cpu().numpy()
        return dump_json(np.asarray(obj).tolist()), self.media_type

    def schema(self) -> dict[str, Any]:
        item = json_type_of(self.dtype)
        if self.shape is None:
            return {"type": "array", "items": item or {}}
        for size in reversed(self.shape):
            item = {"type": "array", "items": item}
            if size >= 0 and self.enforce_shape:
                item.update(minItems=size, maxItems=size)
        return item
