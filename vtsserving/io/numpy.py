"""`NumpyNdarray`: a JSON (nested list) body as a numpy array, checked against dtype and shape.

Rules the validator and the OpenAPI schema share: a numeric dtype takes JSON numbers only (no
`true`/`false`, no `null`, no `NaN`/`Infinity`, nothing past the float range, unless
`allow_nan=True`); a `-1` dimension of `shape` means any size of at least 1.
"""

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

    dtype = np.dtype(dtype)
    schema: dict[str, Any] = {"type": _KIND_TYPES[dtype.kind]} if dtype.kind in _KIND_TYPES else {}
    if dtype.kind in "iuf":  # the values the dtype can hold: larger ones are refused
        info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
        schema.update(minimum=_plain_number(info.min), maximum=_plain_number(info.max))
    return schema


def _plain_number(value: Any) -> int | float:
    return int(value) if float(value).is_integer() and abs(int(value)) <= 2**64 else float(value)


def check_shape(shape: tuple[int, ...], expected: Sequence[int], what: str = "array") -> None:
    ok = len(shape) == len(expected) and all(
        s == e or (e == -1 and s >= 1) for s, e in zip(shape, expected, strict=False)
    )
    if not ok:
        raise BadInput(f"{what} has shape {list(shape)}; expected {list(expected)} (-1: any size from 1)")


def _first_bad(mask: Any) -> str:
    """`row 3, column 1` (or `item 3`, or `at [3, 1, 0]`) of the first True in `mask`."""
    import numpy as np

    where = [int(i) for i in np.argwhere(mask)[0]]
    if len(where) == 1:
        return f"item {where[0]}"
    if len(where) == 2:
        return f"row {where[0]}, column {where[1]}"
    return f"at {where}"


class NumpyNdarray(IODescriptor):
    """`NumpyNdarray(dtype=None, shape=None, enforce_dtype=False, enforce_shape=False, allow_nan=False)`."""

    def __init__(
        self,
        dtype: Any = None,
        shape: Sequence[int] | None = None,
        enforce_dtype: bool = False,
        enforce_shape: bool = False,
        allow_nan: bool = False,
        example: Any = None,
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
        self.allow_nan = allow_nan
        self._numeric = self.dtype is not None and self.dtype.kind in "iuf"
        super().__init__(
            dtype=str(self.dtype) if self.dtype is not None else None,
            shape=list(self.shape) if self.shape is not None else None,
            enforce_dtype=enforce_dtype,
            enforce_shape=enforce_shape,
            allow_nan=allow_nan or None,
            example=example,
        )

    def parse(self, body: bytes, content_type: str) -> Any:
        # A numeric array holds no strings, so these words in the body can only be JSON literals.
        if self._numeric and (b"true" in body or b"false" in body):
            raise BadInput(f"input holds true/false; expected {self.dtype} numbers (JSON booleans are not numbers)")
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
        if self._numeric:
            self._check_numbers(arr)
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
        if self._numeric and arr.dtype.kind == "f" and not self.allow_nan:
            finite = np.isfinite(arr)
            if not finite.all():
                raise BadInput(f"{_first_bad(~finite)}: null, NaN or an infinite number; expected a finite"
                               f" {self.dtype} (NumpyNdarray(allow_nan=True) accepts them)")
        if self.enforce_shape:
            check_shape(arr.shape, self.shape)
        return arr

    def _check_numbers(self, arr: Any) -> None:
        """JSON numbers only, and whole ones for an integer dtype, as the schema says."""
        import numpy as np

        if arr.dtype.kind == "b":
            raise BadInput(f"input holds true/false; expected {self.dtype} numbers (JSON booleans are not numbers)")
        if arr.dtype.kind in "US" and arr.size:
            raise BadInput(f"input holds strings; expected {self.dtype} numbers")
        if arr.dtype.kind == "O" and arr.ndim and arr.size:
            odd = np.frompyfunc(lambda v: v is None or isinstance(v, (str, bool)), 1, 1)(arr).astype(bool)
            if odd.any():
                raise BadInput(f"{_first_bad(odd)}: null, text or true/false; expected {self.dtype} numbers")
        if self.dtype.kind in "iu" and arr.dtype.kind == "f":
            whole = np.isfinite(arr) & (arr == np.floor(arr))
            if not whole.all():
                raise BadInput(f"{_first_bad(~whole)}: not a whole number; expected {self.dtype}")

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
            if self.enforce_shape and size >= 0:
                item.update(minItems=size, maxItems=size)
            elif self.enforce_shape:
                item.update(minItems=1)
        return item
