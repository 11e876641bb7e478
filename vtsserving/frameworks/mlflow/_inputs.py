"""Shape runner input for a pyfunc model: name array columns, reshape flat tensors.

MLflow refuses an array for a model whose signature names columns; BentoML 1.4 answered
500 there. Here such an array (or list of rows) gets the signature's column names once
its width is checked, and a table sent to a single-tensor model becomes that tensor.
"""

from __future__ import annotations

from typing import Any

from ...exceptions import BadInput
from ._schema import TensorInput


def prepare_input(data: Any, columns: list[str] | None, tensor: TensorInput | None) -> Any:
    """The input to give `pyfunc.predict`: DataFrame, ndarray, list or dict, as MLflow takes."""
    if columns is not None:
        return _as_table(data, columns)
    if tensor is not None:
        return _as_tensor(data, tensor)
    return data


def _as_table(data: Any, columns: list[str]) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, (pd.DataFrame, dict)):
        return data
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        return pd.DataFrame.from_records(data)
    if isinstance(data, (list, tuple, np.ndarray)):
        array = np.asarray(data, dtype=object if isinstance(data, (list, tuple)) else None)
        if array.ndim == 1 and len(columns) > 1 and array.shape[0] == len(columns):
            array = array.reshape(1, -1)
        if array.ndim != 2 or array.shape[1] != len(columns):
            raise BadInput(
                f"input of shape {array.shape} does not match the model signature:"
                f" expected rows of {len(columns)} columns ({', '.join(columns)})"
            )
        frame = pd.DataFrame(list(array) if array.dtype == object else array, columns=columns)
        return frame.infer_objects() if array.dtype == object else frame
    return data


def _as_tensor(data: Any, tensor: TensorInput) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, dict) and len(data) == 1:
        data = next(iter(data.values()))
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy()
    if isinstance(data, (list, tuple)):
        data = np.asarray(data)
    if not isinstance(data, np.ndarray):
        return data
    if data.dtype != np.dtype(tensor.dtype):
        data = data.astype(tensor.dtype)
    return _reshape(data, tensor.shape)


def _reshape(array: Any, shape: tuple[int, ...]) -> Any:
    """Reshape flat rows (N, k) to the signature's (N, ...) when only the layout differs."""
    if len(shape) < 2 or array.ndim == len(shape) or any(d < 0 for d in shape[1:]):
        return array
    per_row = 1
    for dim in shape[1:]:
        per_row *= dim
    rows = array.shape[0] if array.ndim > 0 else 0
    if rows and array.size == rows * per_row:
        return array.reshape((rows, *shape[1:]))
    raise BadInput(
        f"input of shape {array.shape} does not match the model signature shape"
        f" {tuple(shape)}: expected {per_row} values a row"
    )
