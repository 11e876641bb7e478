"""KServe V2 tensors: requests built and responses read by tritonclient's own code, both encodings."""

from __future__ import annotations

import numpy as np
import pytest

from vtsserving.exceptions import BadInput
from vtsserving.server.v2_codec import datatype_of, read_request, write_response

triton = pytest.importorskip("tritonclient.http")
from tritonclient.http._utils import _get_inference_request  # noqa: E402 - after the importorskip

ARRAYS = {
    "BOOL": np.array([[True, False], [False, True]]),
    "INT8": np.array([1, -2], dtype=np.int8),
    "UINT16": np.array([7, 65535], dtype=np.uint16),
    "INT32": np.array([[1, 2, 3]], dtype=np.int32),
    "INT64": np.array([2**40, -1], dtype=np.int64),
    "FP16": np.array([0.5, 1.5], dtype=np.float16),
    "FP32": np.array([[0.25, -1.0], [3.0, 4.5]], dtype=np.float32),
    "FP64": np.array([1e300, -2.5]),
    "BYTES": np.array([b"a", "é".encode(), b""], dtype=object),
}


def _request(binary: bool, outputs: list | None = None) -> tuple[bytes, str | None]:
    inputs = []
    for datatype, array in ARRAYS.items():
        tensor = triton.InferInput(datatype.lower(), list(array.shape), datatype)
        tensor.set_data_from_numpy(array, binary_data=binary)
        inputs.append(tensor)
    body, json_size = _get_inference_request(inputs, "req-1", outputs, 0, False, False, 0, None, None)
    return body, (str(json_size) if json_size is not None else None)


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_inputs_decode_to_the_arrays_the_client_sent(binary: bool) -> None:
    body, header = _request(binary)
    request, tensors = read_request(body, header)
    assert request.id == "req-1" and list(tensors) == [d.lower() for d in ARRAYS]
    for datatype, array in ARRAYS.items():
        got = tensors[datatype.lower()]
        assert got.shape == array.shape, datatype
        expected = array if binary or datatype != "BYTES" else np.array([v.decode() for v in array], dtype=object)
        assert got.tolist() == expected.tolist(), datatype
        if datatype != "BYTES":
            assert got.dtype == array.dtype, datatype


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
def test_outputs_read_back_by_the_client(binary: bool) -> None:
    outputs = [triton.InferRequestedOutput(d.lower(), binary_data=binary) for d in ARRAYS]
    request, _ = read_request(*_request(True, outputs))
    produced = {d.lower(): a for d, a in ARRAYS.items()}
    body, headers = write_response({"model_name": "m", "model_version": "1"}, produced, request)
    length = headers.get("Inference-Header-Content-Length")
    assert (length is not None) == binary
    result = triton.InferResult.from_response_body(body, header_length=int(length) if length else None)
    for datatype, array in ARRAYS.items():
        got = result.as_numpy(datatype.lower())
        assert got.shape == array.shape and result.get_output(datatype.lower())["datatype"] == datatype
        expected = array if binary or datatype != "BYTES" else np.array([v.decode() for v in array], dtype=object)
        assert got.tolist() == expected.tolist(), datatype


def test_no_outputs_named_means_all_in_binary_and_dates_as_text() -> None:
    body, header = _request(False)  # no outputs: tritonclient asks for binary_data_output
    request, _ = read_request(body, header)
    dates = np.array(["2024-01-02T03:04:05"], dtype="datetime64[ns]")
    out, headers = write_response({}, {"when": dates, "n": np.array([1, 2])}, request)
    result = triton.InferResult.from_response_body(out, header_length=int(headers["Inference-Header-Content-Length"]))
    assert result.as_numpy("when").tolist() == [b"2024-01-02T03:04:05.000000000"]
    assert result.as_numpy("n").tolist() == [1, 2]


@pytest.mark.parametrize(
    ("doc", "header", "needle"),
    [
        (b"{", None, "invalid inference request"),
        (b'{"inputs": []}', None, "inputs"),
        (b'{"inputs": [{"name": "a", "shape": [3], "datatype": "FP64", "data": [1, 2]}]}', None, "do not fill shape [3]"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": ["x"]}]}', None, "data is not FP64"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "STRING", "data": ["x"]}]}', None, "unknown datatype 'STRING'"),
        (b'{"inputs": [{"name": "a", "shape": [-1], "datatype": "FP64", "data": [1]}]}', None, "negative dimension"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64"}]}', None, "has no data"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1]},'
         b' {"name": "a", "shape": [1], "datatype": "FP64", "data": [1]}]}', None, "given twice"),
        (b'{"inputs": [{"name": "a", "shape": [2], "datatype": "FP64", "parameters": {"binary_data_size": 16}}]}',
         b"xxxx", "exceeds the binary data"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "parameters": {"binary_data_size": 3}}]}',
         b"xxx", "whole number of FP64"),
        (b'{"inputs": [{"name": "a", "shape": [1], "datatype": "BYTES", "parameters": {"binary_data_size": 3}}]}',
         b"xxx", "length prefix"),
    ],
)
def test_bad_requests_are_bad_input(doc: bytes, header: bytes | None, needle: str) -> None:
    """`header`: None for a JSON body; else the binary data that follows the JSON."""
    length = None if header is None else str(len(doc))
    with pytest.raises(BadInput) as info:
        read_request(doc + (header or b""), length)
    assert needle in str(info.value)
    with pytest.raises(BadInput, match="does not fit"):
        read_request(b"{}", "99")


def test_unknown_requested_output_is_bad_input() -> None:
    request, _ = read_request(*_request(False, [triton.InferRequestedOutput("nope")]))
    with pytest.raises(BadInput, match=r"unknown output\(s\) \['nope'\]"):
        write_response({}, {"predictions": np.array([1])}, request)


def test_datatypes_of_numpy_dtypes() -> None:
    assert [datatype_of(d) for d in ("bool", "int32", "uint8", "float32", "float64", "object", "<U3", "datetime64[ns]")] == [
        "BOOL", "INT32", "UINT8", "FP32", "FP64", "BYTES", "BYTES", "BYTES"]
