"""Merge several callers' inputs into one batch along `batch_dim`, and split results back.

Supported payloads: numpy arrays, pandas DataFrames and Series, torch tensors and lists.
Anything else cannot be batched and runs alone.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from ..exceptions import InternalError


def _kind(value: Any) -> str | None:
    module = type(value).__module__
    if isinstance(value, list):
        return "list"
    if module.startswith("numpy") and type(value).__name__ == "ndarray":
        return "numpy"
    if module.startswith("pandas"):
        name = type(value).__name__
        return "pandas" if name in ("DataFrame", "Series") else None
    if module.startswith("torch") and "torch" in sys.modules:
        import torch

        return "torch" if isinstance(value, torch.Tensor) else None
    return None


def batch_size_of(value: Any, dim: int) -> int | None:
    """Rows of `value` along `dim`, or None when it cannot be batched."""
    kind = _kind(value)
    if kind is None:
        return None
    if kind == "list":
        return len(value) if dim == 0 else None
    if kind == "pandas" and value.ndim == 1 and dim != 0:
        return None
    shape = value.shape
    if len(shape) <= dim:
        return None
    return int(shape[dim])


def merge(values: Sequence[Any], dim: int) -> Any:
    """One payload made of `values` concatenated along `dim` (all of one kind)."""
    first = values[0]
    kind = _kind(first)
    if len(values) == 1:
        return first
    if kind == "list":
        return [row for value in values for row in value]
    if kind == "numpy":
        import numpy as np

        return np.concatenate(values, axis=dim)
    if kind == "pandas":
        import pandas as pd

        return pd.concat(values, axis=dim, ignore_index=dim == 0)
    if kind == "torch":
        import torch

        return torch.cat(list(values), dim=dim)
    raise InternalError(f"cannot batch values of type {type(first).__name__}")


def split(value: Any, sizes: Sequence[int], dim: int) -> list[Any]:
    """Split a batched result back into one piece per caller, in order."""
    total = sum(sizes)
    if len(sizes) == 1:
        return [value]
    if isinstance(value, tuple):
        parts = [split(item, sizes, dim) for item in value]
        return [tuple(p[i] for p in parts) for i in range(len(sizes))]
    got = batch_size_of(value, dim)
    if got != total:
        raise InternalError(
            f"a batched call of {total} rows returned {type(value).__name__} with {got} rows"
            f" along dim {dim}: cannot split it back to its callers"
        )
    pieces, start = [], 0
    for size in sizes:
        pieces.append(_slice(value, start, start + size, dim))
        start += size
    return pieces


def _slice(value: Any, start: int, stop: int, dim: int) -> Any:
    kind = _kind(value)
    if kind == "list":
        return value[start:stop]
    if kind == "pandas":
        if dim == 0:
            part = value.iloc[start:stop]
            return part.reset_index(drop=True)
        return value.iloc[:, start:stop]
    index = [slice(None)] * dim + [slice(start, stop)]
    return value[tuple(index)]
