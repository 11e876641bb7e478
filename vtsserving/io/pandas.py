"""`PandasDataFrame` and `PandasSeries`: JSON (or CSV) bodies as pandas objects, checked."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ..exceptions import BadInput, InvalidArgument
from .base import IODescriptor, dump_json, load_json
from .numpy import check_shape, json_type_of

_ORIENTS = ("records", "split", "columns", "index", "values")


def _frame_from_json(data: Any, orient: str, columns: Sequence[str] | None) -> Any:
    import pandas as pd

    try:
        if orient == "split":
            if not isinstance(data, dict) or "data" not in data:
                raise BadInput('orient "split" expects {"columns": [...], "data": [[...]]}')
            return pd.DataFrame(data["data"], columns=data.get("columns") or columns)
        if orient in ("columns", "index"):
            if not isinstance(data, dict):
                raise BadInput(f'orient "{orient}" expects a JSON object')
            return pd.DataFrame.from_dict(data, orient=orient)
        if isinstance(data, dict):  # one record
            data = [data]
        if not isinstance(data, list):
            raise BadInput(f'orient "{orient}" expects a JSON array of rows')
        if data and all(isinstance(r, dict) for r in data):
            return pd.DataFrame.from_records(data)
        if all(isinstance(r, list) for r in data):
            return pd.DataFrame(data, columns=columns)
        raise BadInput("rows must all be JSON objects or all be JSON arrays")
    except (ValueError, TypeError) as exc:
        raise BadInput(f"input cannot be read as a DataFrame: {exc}") from None


class PandasDataFrame(IODescriptor):
    """`PandasDataFrame(orient="records", columns=None, dtype=None, enforce_dtype=False, shape=None, enforce_shape=False)`."""

    accepts = ("application/json", "text/csv")
    imports = ("pandas",)

    def __init__(
        self,
        orient: str = "records",
        columns: Sequence[str] | None = None,
        dtype: Any = None,
        enforce_dtype: bool = False,
        shape: Sequence[int] | None = None,
        enforce_shape: bool = False,
        example: Any = None,
    ) -> None:
        if orient not in _ORIENTS:
            raise InvalidArgument(f"orient must be one of {_ORIENTS}, got {orient!r}")
        if enforce_dtype and dtype is None:
            raise InvalidArgument("PandasDataFrame(enforce_dtype=True) needs a dtype")
        if enforce_shape and shape is None:
            raise InvalidArgument("PandasDataFrame(enforce_shape=True) needs a shape")
        self.orient = orient
        self.columns = list(columns) if columns is not None else None
        self.dtype = dtype
        self.enforce_dtype = enforce_dtype
        self.shape = tuple(shape) if shape is not None else None
        self.enforce_shape = enforce_shape
        super().__init__(
            orient=orient, columns=self.columns,
            dtype={k: str(v) for k, v in dtype.items()} if isinstance(dtype, dict) else dtype,
            enforce_dtype=enforce_dtype, shape=list(self.shape) if self.shape else None,
            enforce_shape=enforce_shape, example=example,
        )

    def parse(self, body: bytes, content_type: str) -> Any:
        if content_type.split(";")[0].strip().lower() == "text/csv":
            import pandas as pd

            try:
                frame = pd.read_csv(io.BytesIO(body))
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadInput(f"the request body is not valid CSV: {exc}") from None
            return self.check(frame)
        return self.from_value(load_json(body))

    def from_value(self, data: Any) -> Any:
        return self.check(_frame_from_json(data, self.orient, self.columns))

    def check(self, frame: Any) -> Any:
        """Check columns, dtypes and shape as declared; return the (converted) frame."""
        if self.columns is not None:
            if all(isinstance(c, int) for c in frame.columns) and frame.shape[1] == len(self.columns):
                frame.columns = self.columns
            missing = [c for c in self.columns if c not in frame.columns]
            extra = [c for c in frame.columns if c not in self.columns]
            if missing or extra:
                raise BadInput(
                    f"columns do not match: missing {missing}, unexpected {extra};"
                    f" expected {self.columns}"
                )
            frame = frame[self.columns]
        if self.enforce_shape:
            check_shape(frame.shape, self.shape, "DataFrame")
        if self.dtype is not None:
            frame = _astype(frame, self.dtype, self.enforce_dtype)
        return frame

    def render(self, obj: Any) -> tuple[bytes, str]:
        import pandas as pd

        if not isinstance(obj, pd.DataFrame):
            obj = pd.DataFrame(obj)
        if self.orient == "split":
            data = {"columns": list(obj.columns), "data": obj.values.tolist()}
        elif self.orient == "values":
            data = obj.values.tolist()
        else:
            data = obj.to_dict(orient="dict" if self.orient == "columns" else self.orient)
        return dump_json(data), self.media_type

    def schema(self) -> dict[str, Any]:
        types = self._column_types()
        if self.orient == "split":
            return {
                "type": "object", "required": ["data"],
                "properties": {
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "data": {"type": "array", "items": {"type": "array"}},
                },
            }
        if self.orient == "records" and self.columns:
            return {
                "type": "array",
                "items": {
                    "type": "object", "required": list(self.columns),
                    "properties": {c: types.get(c, {}) for c in self.columns},
                    "additionalProperties": False,
                },
            }
        if self.orient in ("records", "values"):
            return {"type": "array", "items": {}}
        return {"type": "object"}

    def _column_types(self) -> dict[str, Any]:
        if isinstance(self.dtype, dict):
            return {c: json_type_of(t) for c, t in self.dtype.items()}
        if self.dtype is not None and self.columns:
            return dict.fromkeys(self.columns, json_type_of(self.dtype))
        return {}


def _astype(obj: Any, dtype: Any, enforce: bool) -> Any:
    try:
        return obj.astype(dtype)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        if enforce:
            raise BadInput(f"input does not have the declared dtype {dtype}: {exc}") from None
        return obj


class PandasSeries(IODescriptor):
    """`PandasSeries(orient="records", dtype=None, enforce_dtype=False, shape=None, enforce_shape=False)`."""

    imports = ("pandas",)

    def __init__(
        self,
        orient: str = "records",
        dtype: Any = None,
        enforce_dtype: bool = False,
        shape: Sequence[int] | None = None,
        enforce_shape: bool = False,
        example: Any = None,
    ) -> None:
        if enforce_dtype and dtype is None:
            raise InvalidArgument("PandasSeries(enforce_dtype=True) needs a dtype")
        if enforce_shape and shape is None:
            raise InvalidArgument("PandasSeries(enforce_shape=True) needs a shape")
        self.orient, self.dtype, self.enforce_dtype = orient, dtype, enforce_dtype
        self.shape = tuple(shape) if shape is not None else None
        self.enforce_shape = enforce_shape
        super().__init__(
            orient=orient, dtype=str(dtype) if dtype is not None else None,
            enforce_dtype=enforce_dtype, shape=list(self.shape) if self.shape else None,
            enforce_shape=enforce_shape, example=example,
        )

    def parse(self, body: bytes, content_type: str) -> Any:
        return self.from_value(load_json(body))

    def from_value(self, data: Any) -> Any:
        import pandas as pd

        if not isinstance(data, list | dict) or any(isinstance(v, list | dict) for v in _values(data)):
            raise BadInput("expected a flat JSON array (or object) of values for PandasSeries")
        series = pd.Series(data)
        if self.enforce_shape:
            check_shape(series.shape, self.shape, "Series")
        if self.dtype is not None:
            series = _astype(series, self.dtype, self.enforce_dtype)
        return series

    def render(self, obj: Any) -> tuple[bytes, str]:
        import pandas as pd

        series = obj if isinstance(obj, pd.Series) else pd.Series(obj)
        data = series.to_dict() if self.orient == "index" else series.tolist()
        return dump_json(data), self.media_type

    def schema(self) -> dict[str, Any]:
        item = json_type_of(self.dtype) if self.dtype is not None else {}
        return {"type": "array", "items": item}


def _values(data: Any) -> list[Any]:
    return list(data.values()) if isinstance(data, dict) else data
