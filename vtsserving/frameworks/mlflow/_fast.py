"""The fast path of `/invocations`: numeric tables that already fit the signature, as one array.

MLflow parses `{"dataframe_split": ...}` into a DataFrame, casts each column to its signature
type (`astype`) and enforces the schema: for a table whose columns are exactly the signature's,
all `double` (or all `long`), and whose values numpy reads as one numeric array (numbers and
booleans; only integers for `long`), that yields the same numbers as the array cast to the
column type. Such a table skips pandas and goes to the model (batched or not) as an array;
anything else (other columns, strings, nulls, NaN, params, extra keys) takes MLflow's own path.
"""

from __future__ import annotations

from typing import Any

import orjson

# MLflow column type -> (numpy dtype, the kinds of array numpy may read the JSON rows as)
_FAST_TYPES: dict[str, tuple[str, str]] = {"double": ("float64", "biuf"), "long": ("int64", "bi")}
JSON = "application/json"
FAST_CONTENT_TYPES = frozenset({JSON, f"{JSON}; charset=utf-8", f"{JSON};charset=utf-8"})


class FastTable:
    """Reads the request bodies that can skip MLflow's parsing; `rows(body)` is None for others."""

    def __init__(self, names: list[str], mlflow_type: str) -> None:
        import numpy as np

        self.names = names
        dtype, self.kinds = _FAST_TYPES[mlflow_type]
        self.dtype = np.dtype(dtype)

    @classmethod
    def for_schema(cls, schema: Any, from_type_hints: bool) -> FastTable | None:
        """The fast path of a column signature of one numeric type, all required; else None."""
        if schema is None or from_type_hints or schema.is_tensor_spec() or not schema.has_input_names():
            return None
        specs = list(schema.inputs)
        names = [spec.name for spec in specs]
        types = {getattr(spec.type, "name", None) for spec in specs}
        if len(types) != 1 or len(set(names)) != len(names):
            return None
        (kind,) = types
        if kind not in _FAST_TYPES or not all(isinstance(n, str) for n in names):
            return None
        if any(not getattr(spec, "required", True) for spec in specs):
            return None
        return cls(names, kind)

    def rows(self, body: bytes) -> Any:
        """The table in `body` as a 2-D array, or None when MLflow's path must read it."""
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if type(doc) is not dict or len(doc) != 1:
            return None
        if "dataframe_split" in doc:
            rows = self._split(doc["dataframe_split"])
        elif "dataframe_records" in doc:
            rows = self._records(doc["dataframe_records"])
        else:
            return None
        return self._array(rows) if rows else None

    def from_columns(self, tensors: dict[str, Any]) -> Any:
        """Named 1-D arrays of the signature's columns and dtype as one 2-D array, else None."""
        import numpy as np

        if len(tensors) != len(self.names) or any(n not in tensors for n in self.names):
            return None
        columns = [tensors[n] for n in self.names]
        columns = [c[:, 0] if c.ndim == 2 and c.shape[1] == 1 else c for c in columns]
        if any(c.ndim != 1 or c.dtype != self.dtype or len(c) != len(columns[0]) for c in columns):
            return None
        array = np.column_stack(columns)
        if not len(array) or (array.dtype.kind == "f" and not np.isfinite(array).all()):
            return None
        return array

    def _split(self, split: Any) -> list[list[Any]] | None:
        if type(split) is not dict or len(split) != 2 or split.get("columns") != self.names:
            return None
        data = split.get("data")
        return data if type(data) is list else None

    def _records(self, records: Any) -> list[list[Any]] | None:
        if type(records) is not list:
            return None
        names, width = self.names, len(self.names)
        if not all(type(r) is dict and len(r) == width and all(n in r for n in names) for r in records):
            return None
        return [[record[n] for n in names] for record in records]

    def _array(self, rows: list[list[Any]]) -> Any:
        import numpy as np

        try:
            array = np.asarray(rows)
        except (OverflowError, ValueError, TypeError):
            return None  # ragged rows
        if array.ndim != 2 or array.shape[1] != len(self.names) or array.dtype.kind not in self.kinds:
            return None  # text, nulls, nested values, integers past 64 bits
        # orjson refuses NaN, Infinity and numbers past float64's range, and an int64 array casts
        # to finite doubles: the array is finite without a scan.
        return array if array.dtype == self.dtype else array.astype(self.dtype)


def predictions_json(result: Any) -> bytes | None:
    """`{"predictions": ...}` for a finite numeric array, as MLflow writes it; None for others."""
    import numpy as np

    if type(result) is not np.ndarray or result.dtype.kind not in "biuf":
        return None
    if result.dtype.kind == "f" and not np.isfinite(result).all():
        return None  # MLflow writes NaN and Infinity, which orjson cannot
    return orjson.dumps({"predictions": result.tolist()})
