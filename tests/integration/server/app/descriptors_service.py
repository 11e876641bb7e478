"""A service using every IO descriptor and a batchable runner (served by the tests)."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
from pydantic import BaseModel

import vtsserving
from vtsserving.io import (
    JSON,
    File,
    Image,
    Multipart,
    NumpyNdarray,
    PandasDataFrame,
    PandasSeries,
    Text,
)


class EchoRows(vtsserving.Runnable):
    """Returns each row with its batch size appended, so tests see merging and ownership."""

    @vtsserving.Runnable.method(batchable=True, batch_dim=0)
    def tag_rows(self, arr: np.ndarray) -> np.ndarray:
        time.sleep(float(os.environ.get("ECHO_SLEEP", "0.02")))
        size = np.full((arr.shape[0], 1), arr.shape[0], dtype=arr.dtype)
        return np.concatenate([arr, size], axis=1)


runner = vtsserving.Runner(EchoRows, name="echo", max_batch_size=64, max_latency_ms=5000)
svc = vtsserving.Service("descriptors", runners=[runner])


class Order(BaseModel):
    item: str
    quantity: int


@svc.api(input=NumpyNdarray(dtype="float64", shape=[-1, 2], enforce_dtype=True, enforce_shape=True), output=NumpyNdarray())
async def batched(arr: np.ndarray) -> np.ndarray:
    """Each caller's rows, tagged with the size of the batch they ran in."""
    return await runner.tag_rows.async_run(arr)


@svc.api(input=NumpyNdarray(dtype="float64", shape=[-1, 2], enforce_dtype=True, enforce_shape=True), output=NumpyNdarray())
def batched_sync(arr: np.ndarray) -> np.ndarray:
    """The same through a sync API calling `run`."""
    return runner.tag_rows.run(arr)


@svc.api(input=NumpyNdarray(dtype="int64", shape=[-1, 3], enforce_dtype=True, enforce_shape=True), output=NumpyNdarray(dtype="int64"))
def double(arr: np.ndarray) -> np.ndarray:
    return arr * 2


@svc.api(
    input=PandasDataFrame(orient="records", columns=["a", "b"], dtype={"a": "float64", "b": "int64"}, enforce_dtype=True),
    output=PandasDataFrame(orient="records"),
)
def frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(total=df["a"] + df["b"])


@svc.api(input=PandasSeries(dtype="float64", enforce_dtype=True), output=PandasSeries())
def series(s: pd.Series) -> pd.Series:
    return s.cumsum()


@svc.api(input=JSON(pydantic_model=Order), output=JSON())
def order(o: Order) -> dict:
    return {"item": o.item.upper(), "quantity": o.quantity, "total": o.quantity * 2}


@svc.api(input=JSON(), output=JSON())
async def echo_json(doc):
    return {"got": doc}


@svc.api(input=Text(), output=Text())
def shout(text: str) -> str:
    return text.upper()


@svc.api(input=File(), output=File(mime_type="application/octet-stream"))
def reverse_bytes(f) -> bytes:
    return f.read()[::-1]


@svc.api(input=Image(), output=Image(mime_type="image/png"))
def flip(img):
    from PIL import ImageOps

    return ImageOps.mirror(img)


@svc.api(input=Multipart(img=Image(), meta=JSON(pydantic_model=Order)), output=JSON())
def describe(img, meta: Order) -> dict:
    return {"size": list(img.size), "item": meta.item}


@svc.api(input=Text(), output=Text())
def boom(text: str) -> str:
    raise RuntimeError("secret internal detail " + text)


@svc.api(input=Text(), output=Text())
async def slow(text: str) -> str:
    import asyncio

    await asyncio.sleep(float(text or "1"))
    return "done"
