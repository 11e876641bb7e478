"""Tensors of KServe's Open Inference Protocol (V2) over HTTP, to and from numpy arrays.

A request is JSON (validated by pydantic), optionally followed by the raw bytes of some inputs
(the binary tensor data extension that `tritonclient` uses by default: the JSON's length is in
the `Inference-Header-Content-Length` header, each such input names its `binary_data_size`).
Outputs are written the same way when the request asks for binary data.
"""

from __future__ import annotations

import struct
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._validation import validation_message
from ..exceptions import BadInput

HEADER_LENGTH = "inference-header-content-length"
DATATYPES = {
    "BOOL": "bool", "UINT8": "uint8", "UINT16": "uint16", "UINT32": "uint32", "UINT64": "uint64",
    "INT8": "int8", "INT16": "int16", "INT32": "int32", "INT64": "int64",
    "FP16": "float16", "FP32": "float32", "FP64": "float64", "BYTES": "object",
}
_BY_DTYPE = {v: k for k, v in DATATYPES.items()}
# Request parameters the protocol (and Triton's clients) define: never a model's params.
_PROTOCOL_PARAMETERS = frozenset({"binary_data_output", "sequence_id", "sequence_start", "sequence_end",
                                  "priority", "timeout", "headers"})


class _Tensor(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class RequestInput(_Tensor):
    shape: list[int] = Field(min_length=0)
    datatype: str
    data: Any = None


class RequestOutput(_Tensor):
    pass


class InferRequest(BaseModel):
    """The JSON of `POST /v2/models/{name}/infer`."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: list[RequestInput] = Field(min_length=1)
    outputs: list[RequestOutput] | None = None


def datatype_of(dtype: Any) -> str:
    """The V2 datatype of a numpy dtype (text, bytes, dates and objects are BYTES)."""
    import numpy as np

    dtype = np.dtype(dtype)
    return _BY_DTYPE.get(dtype.name, "BYTES") if dtype.kind in "biuf" else "BYTES"


def read_request(body: bytes, header_length: str | None) -> tuple[InferRequest, dict[str, Any]]:
    """The request and its inputs as named numpy arrays."""
    head, rest = _split(body, header_length)
    try:
        request = InferRequest.model_validate_json(head)
    except ValidationError as exc:
        raise BadInput(f"invalid inference request: {validation_message(exc)}") from None
    tensors: dict[str, Any] = {}
    offset = 0
    for item in request.inputs:
        if item.name in tensors:
            raise BadInput(f"input {item.name!r} is given twice")
        size = item.parameters.get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or size < 0 or offset + size > len(rest):
                raise BadInput(f"input {item.name!r}: binary_data_size {size!r} exceeds the binary data sent")
            tensors[item.name] = _from_bytes(item, rest[offset:offset + size])
            offset += size
        else:
            tensors[item.name] = _from_json(item)
    return request, tensors


def model_params(request: InferRequest) -> dict[str, Any]:
    """The request's `parameters` meant for the model (MLflow `params`)."""
    return {k: v for k, v in request.parameters.items() if k not in _PROTOCOL_PARAMETERS}


def _split(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    if not header_length.isdigit() or int(header_length) > len(body):
        raise BadInput(f"Inference-Header-Content-Length {header_length!r} does not fit the {len(body)}-byte body")
    return body[: int(header_length)], body[int(header_length):]


def _dtype(item: RequestInput) -> str:
    if item.datatype not in DATATYPES:
        raise BadInput(f"input {item.name!r}: unknown datatype {item.datatype!r}; expected one of {sorted(DATATYPES)}")
    if any(d < 0 for d in item.shape):
        raise BadInput(f"input {item.name!r}: shape {item.shape} has a negative dimension")
    return DATATYPES[item.datatype]


def _from_json(item: RequestInput) -> Any:
    import numpy as np

    dtype = _dtype(item)
    if item.data is None:
        raise BadInput(f"input {item.name!r} has no data")
    try:
        array = np.array(item.data, dtype=dtype)
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadInput(f"input {item.name!r}: data is not {item.datatype}: {exc}") from None
    return _reshape(item, array.reshape(-1) if array.ndim else array.reshape(1))


def _from_bytes(item: RequestInput, raw: bytes) -> Any:
    import numpy as np

    dtype = _dtype(item)
    if dtype == "object":
        return _reshape(item, np.array(_unpack_bytes(item, raw) or [], dtype=object))
    itemsize = np.dtype(dtype).itemsize
    if len(raw) % itemsize:
        raise BadInput(f"input {item.name!r}: {len(raw)} bytes is not a whole number of {item.datatype} values")
    array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
    return _reshape(item, array)


def _unpack_bytes(item: RequestInput, raw: bytes) -> list[bytes]:
    out, offset = [], 0
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise BadInput(f"input {item.name!r}: BYTES data ends inside a length prefix")
        (size,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + size > len(raw):
            raise BadInput(f"input {item.name!r}: a BYTES element runs past the data sent")
        out.append(raw[offset:offset + size])
        offset += size
    return out


def _reshape(item: RequestInput, flat: Any) -> Any:
    count = 1
    for d in item.shape:
        count *= d
    if flat.size != count:
        raise BadInput(f"input {item.name!r}: {flat.size} values do not fill shape {item.shape}")
    return flat.reshape(item.shape)


def write_response(header: dict[str, Any], outputs: dict[str, Any], request: InferRequest) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers; outputs the request names come in its order."""
    wanted = {o.name: o for o in request.outputs} if request.outputs else None
    if wanted is not None:
        unknown = sorted(set(wanted) - set(outputs))
        if unknown:
            raise BadInput(f"unknown output(s) {unknown}; the model gives {sorted(outputs)}")
        outputs = {name: outputs[name] for name in wanted}
    all_binary = bool(request.parameters.get("binary_data_output", False))
    tensors, chunks = [], []
    for name, array in outputs.items():
        spec = wanted.get(name) if wanted else None
        binary = bool(spec.parameters.get("binary_data", all_binary)) if spec else all_binary
        tensor, raw = _output(name, array, binary)
        tensors.append(tensor)
        if raw is not None:
            chunks.append(raw)
    head = orjson.dumps({**header, "outputs": tensors}, option=orjson.OPT_SERIALIZE_NUMPY)
    if not chunks:
        return head, {}
    return head + b"".join(chunks), {"Inference-Header-Content-Length": str(len(head))}


def _output(name: str, array: Any, binary: bool) -> tuple[dict[str, Any], bytes | None]:
    import numpy as np

    datatype = datatype_of(array.dtype)
    tensor: dict[str, Any] = {"name": name, "datatype": datatype, "shape": list(array.shape)}
    if datatype == "BYTES":
        flat = np.datetime_as_string(array.reshape(-1)) if array.dtype.kind == "M" else array.reshape(-1)
        items = [_as_bytes(v) for v in flat.tolist()]
        if binary:
            raw = b"".join(struct.pack("<I", len(v)) + v for v in items)
            return {**tensor, "parameters": {"binary_data_size": len(raw)}}, raw
        return {**tensor, "data": [v.decode("utf-8", "replace") for v in items]}, None
    if binary:
        raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        return {**tensor, "parameters": {"binary_data_size": len(raw)}}, raw
    return {**tensor, "data": array.reshape(-1).tolist()}, None


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if hasattr(value, "isoformat"):  # datetime, date, pandas Timestamp
        return value.isoformat().encode()
    if isinstance(value, str):
        return value.encode("utf-8")
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS, default=str)
