"""Requests for MLflow's scoring protocol, and the rule two servers must agree by.

`cases(kind)` lists `Case(kind, method, path, content_type, body)` for each model kind of
`scoring_models.py`, written from MLflow's documented scoring protocol (the formats of
`POST /invocations`, its content types, `params`, the unified LLM bodies) and the differences
issue 13 lists. `serving_examples(kind, folder)` adds the `serving_input_example.json` MLflow
wrote and the bodies `ScoringServerClient.invoke` sends. `check(case, theirs, ours)` asserts the
rule: where MLflow answers 2xx, the same status and equal JSON; where it answers 4xx, a 4xx of
the same shape; never a 5xx for a request MLflow refuses.
"""

from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON = "application/json"
CSV = "text/csv"
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]]
RECORDS = [dict(zip(COLUMNS, row, strict=True)) for row in ROWS]
NAN_SPLIT = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [[math.nan, 3.5, 1.4, 0.2]]}})  # a NaN literal


@dataclass(frozen=True)
class Case:
    kind: str
    method: str
    path: str
    content_type: str | None
    body: bytes | None
    label: str

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.label}"


def _post(kind: str, label: str, doc: Any = None, *, raw: bytes | str | None = None, content_type: str | None = JSON) -> Case:
    body = raw.encode() if isinstance(raw, str) else raw
    if body is None:
        body = json.dumps(doc).encode()
    return Case(kind, "POST", "/invocations", content_type, body, label)


def _get(kind: str, path: str) -> Case:
    return Case(kind, "GET", path, None, None, path.strip("/"))


def _csv(header: list[str], rows: list[list[Any]], index: bool = False) -> str:
    """CSV as `DataFrame.to_csv` writes it (`index=True`: an unnamed first column of row numbers)."""
    lead = (lambda i: f"{i},") if index else (lambda i: "")
    lines = [lead("") + ",".join(header)] + [lead(i) + ",".join(map(str, r)) for i, r in enumerate(rows)]
    return "\n".join(lines) + "\n"


def _iris_cases(kind: str) -> list[Case]:
    """The iris table in every format and content type, and the ways each can go wrong."""
    split = {"columns": COLUMNS, "data": ROWS}
    out = [
        _get(kind, "/ping"), _get(kind, "/health"), _get(kind, "/version"),
        _post(kind, "split", {"dataframe_split": split}),
        _post(kind, "split-one-row", {"dataframe_split": {"columns": COLUMNS, "data": ROWS[:1]}}),
        _post(kind, "split-reordered", {"dataframe_split": {"columns": COLUMNS[::-1], "data": [r[::-1] for r in ROWS]}}),
        _post(kind, "split-no-columns", {"dataframe_split": {"data": ROWS}}),
        _post(kind, "split-index", {"dataframe_split": {**split, "index": [7, 8, 9]}}),
        _post(kind, "split-ints", {"dataframe_split": {"columns": COLUMNS, "data": [[5, 3, 1, 0], [7, 3, 5, 2]]}}),
        _post(kind, "split-number-strings", {"dataframe_split": {"columns": COLUMNS, "data": [["5.1", "3.5", "1.4", "0.2"]]}}),
        _post(kind, "split-words", {"dataframe_split": {"columns": COLUMNS, "data": [["a", "b", "c", "d"]]}}),
        _post(kind, "split-bools", {"dataframe_split": {"columns": COLUMNS, "data": [[True, False, True, False]]}}),
        _post(kind, "split-null", {"dataframe_split": {"columns": COLUMNS, "data": [[None, 3.5, 1.4, 0.2]]}}),
        _post(kind, "split-nan-literal", raw=NAN_SPLIT),
        _post(kind, "split-extra-column", {"dataframe_split": {"columns": [*COLUMNS, "extra"], "data": [[*r, 9.0] for r in ROWS]}}),
        _post(kind, "split-missing-column", {"dataframe_split": {"columns": COLUMNS[:3], "data": [r[:3] for r in ROWS]}}),
        _post(kind, "split-short-row", {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 2.0]]}}),
        _post(kind, "split-extra-key", {"dataframe_split": split, "foo": 1}),
        _post(kind, "split-extra-split-key", {"dataframe_split": {**split, "dtype": "x"}}),
        _post(kind, "split-params-empty", {"dataframe_split": split, "params": {}}),
        _post(kind, "split-params-list", {"dataframe_split": split, "params": [1]}),
        _post(kind, "split-params-unknown", {"dataframe_split": split, "params": {"k": 1}}),
        _post(kind, "split-empty", {"dataframe_split": {"columns": COLUMNS, "data": []}}),
        _post(kind, "split-data-scalar", {"dataframe_split": {"columns": COLUMNS, "data": 5}}),
        _post(kind, "split-is-list", {"dataframe_split": ROWS}),
        _post(kind, "split-200-rows", {"dataframe_split": {"columns": COLUMNS, "data": ROWS * 67}}),
        _post(kind, "records", {"dataframe_records": RECORDS}),
        _post(kind, "records-one-object", {"dataframe_records": RECORDS[0]}),
        _post(kind, "records-empty", {"dataframe_records": []}),
        _post(kind, "records-extra-key", {"dataframe_records": [{**r, "extra": 1} for r in RECORDS]}),
        _post(kind, "records-missing-key", {"dataframe_records": [{"sepal_length": 1.0}]}),
        _post(kind, "records-mixed-keys", {"dataframe_records": [RECORDS[0], {"sepal_length": 1.0}]}),
        _post(kind, "records-of-lists", {"dataframe_records": ROWS}),
        _post(kind, "inputs-rows", {"inputs": ROWS}),
        _post(kind, "inputs-one-row", {"inputs": ROWS[0]}),
        _post(kind, "inputs-record", {"inputs": RECORDS[0]}),
        _post(kind, "inputs-columns", {"inputs": {c: [r[i] for r in ROWS] for i, c in enumerate(COLUMNS)}}),
        _post(kind, "inputs-columns-ragged", {"inputs": {c: ROWS[0][: i + 1] for i, c in enumerate(COLUMNS)}}),
        _post(kind, "inputs-string", {"inputs": "hello"}),
        _post(kind, "instances-rows", {"instances": ROWS}),
        _post(kind, "instances-records", {"instances": RECORDS}),
        _post(kind, "instances-and-inputs", {"instances": RECORDS, "inputs": RECORDS}),
        _post(kind, "instances-signature-name", {"instances": RECORDS, "signature_name": "x"}),
        _post(kind, "no-format-key", {"rows": ROWS}),
        _post(kind, "top-level-list", RECORDS),
        _post(kind, "top-level-number", 5),
        _post(kind, "invalid-json", raw="{"),
        _post(kind, "empty-body", raw=b""),
        _post(kind, "not-utf8", raw=b'{"inputs": "\xff\xfe"}'),
        _post(kind, "utf16-json", raw=json.dumps({"dataframe_split": split}).encode("utf-16")),
        _post(kind, "charset-utf8", {"dataframe_split": split}, content_type=f"{JSON}; charset=utf-8"),
        _post(kind, "charset-UTF8", {"dataframe_split": split}, content_type=f"{JSON}; charset=UTF-8"),
        _post(kind, "charset-latin1", {"dataframe_split": split}, content_type=f"{JSON}; charset=latin-1"),
        _post(kind, "content-type-parameter", {"dataframe_split": split}, content_type=f"{JSON}; something=something"),
        _post(kind, "content-type-text", {"dataframe_split": split}, content_type="text/plain"),
        _post(kind, "content-type-upper", {"dataframe_split": split}, content_type="Application/JSON"),
        _post(kind, "content-type-form", {"dataframe_split": split}, content_type="application/x-www-form-urlencoded"),
        _post(kind, "no-content-type", {"dataframe_split": split}, content_type=None),
        _post(kind, "csv", raw=_csv(COLUMNS, ROWS), content_type=CSV),
        _post(kind, "csv-charset", raw=_csv(COLUMNS, ROWS), content_type=f"{CSV}; charset=utf-8"),
        _post(kind, "csv-index-column", raw=_csv(COLUMNS, ROWS, index=True), content_type=CSV),
        _post(kind, "csv-reordered", raw=_csv(COLUMNS[::-1], [r[::-1] for r in ROWS]), content_type=CSV),
        _post(kind, "csv-missing-column", raw=_csv(COLUMNS[:2], [r[:2] for r in ROWS]), content_type=CSV),
        _post(kind, "csv-words", raw=_csv(COLUMNS, [["a", "b", "c", "d"]]), content_type=CSV),
        _post(kind, "csv-empty", raw="", content_type=CSV),
        _post(kind, "csv-not-utf8", raw=b"\xff\xfe,\n", content_type=CSV),
        _post(kind, "parquet", raw=_parquet(), content_type="application/vnd.apache.parquet"),
        _post(kind, "parquet-garbage", raw=b"not parquet", content_type="application/vnd.apache.parquet"),
    ]
    return out


def _parquet() -> bytes:
    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame(ROWS, columns=COLUMNS).to_parquet(buf)
    return buf.getvalue()


def _knn_cases() -> list[Case]:
    k = "knn"
    return [
        _get(k, "/ping"), _get(k, "/version"),
        _post(k, "split-no-columns", {"dataframe_split": {"data": ROWS}}),
        _post(k, "split-named", {"dataframe_split": {"columns": COLUMNS, "data": ROWS}}),
        _post(k, "inputs-rows", {"inputs": ROWS}),
        _post(k, "instances-rows", {"instances": ROWS}),
        _post(k, "inputs-numbered-columns", {"inputs": {"0": [5.1, 6.7], "1": [3.5, 3.0]}}),
        _post(k, "records-empty", {"dataframe_records": []}),
        _post(k, "records", {"dataframe_records": RECORDS}),
        _post(k, "inputs-narrow", {"inputs": [[1.0, 2.0]]}),
        _post(k, "inputs-words", {"inputs": [["a", "b", "c", "d"]]}),
        _post(k, "inputs-params", {"inputs": ROWS, "params": {"x": 1}}),
        _post(k, "csv", raw=_csv(COLUMNS, ROWS), content_type=CSV),
        _post(k, "csv-index-column", raw=_csv(COLUMNS, ROWS, index=True), content_type=CSV),
    ]


def _custom_cases() -> list[Case]:
    k = "custom"
    split = {"columns": ["x", "name"], "data": [[1.0, "a"], [2.5, "b"]]}
    return [
        _post(k, "split", {"dataframe_split": split}),
        _post(k, "mode-dict", {"dataframe_split": split, "params": {"mode": "dict"}}),
        _post(k, "mode-list", {"dataframe_split": split, "params": {"mode": "list"}}),
        _post(k, "mode-nope", {"dataframe_split": split, "params": {"mode": "nope"}}),
        _post(k, "mode-number", {"dataframe_split": split, "params": {"mode": 5}}),
        _post(k, "params-list", {"dataframe_split": split, "params": [1]}),
        _post(k, "params-string", {"dataframe_split": split, "params": "dict"}),
        _post(k, "params-unknown", {"dataframe_split": split, "params": {"other": 1}}),
        _post(k, "params-and-extra-key", {"dataframe_split": split, "params": {"mode": "list"}, "foo": 1}),
        _post(k, "records", {"dataframe_records": [{"x": 1.0, "name": "a"}, {"x": 2.0, "name": "b"}]}),
        _post(k, "inputs-columns", {"inputs": {"x": [1.0, 2.0], "name": ["a", "b"]}}),
        _post(k, "inputs-record", {"inputs": {"x": 1.0, "name": "a"}}),
        _post(k, "instances-records", {"instances": [{"x": 1.0, "name": "a"}, {"x": 2.0, "name": "b"}]}),
        _post(k, "split-empty", {"dataframe_split": {"columns": ["x", "name"], "data": []}}),
        _post(k, "split-empty-list-mode", {"dataframe_split": {"columns": ["x", "name"], "data": []}, "params": {"mode": "list"}}),
        _post(k, "split-no-columns", {"dataframe_split": {"data": split["data"]}}),
        _post(k, "split-extra-column", {"dataframe_split": {"columns": ["x", "name", "z"], "data": [[1.0, "a", 0]]}}),
        _post(k, "split-x-string", {"dataframe_split": {"columns": ["x", "name"], "data": [["1.5", "a"]]}}),
        _post(k, "split-x-null", {"dataframe_split": {"columns": ["x", "name"], "data": [[None, "a"], [1.0, "b"]]}}),
        _post(k, "split-name-number", {"dataframe_split": {"columns": ["x", "name"], "data": [[1.0, 5]]}}),
        _post(k, "split-missing-name", {"dataframe_split": {"columns": ["x"], "data": [[1.0]]}}),
        _post(k, "inputs-rows", {"inputs": [[1.0, "a"]]}),
        _post(k, "csv", raw="x,name\n1.0,a\n2.5,b\n", content_type=CSV),
        _post(k, "csv-index-column", raw=",x,name\n0,1.0,a\n1,2.5,b\n", content_type=CSV),
    ]


def _tensor_cases() -> list[Case]:
    k = "tensor"
    rows = [[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]
    return [
        _post(k, "inputs", {"inputs": rows}),
        _post(k, "inputs-finite", {"inputs": rows[:1]}),
        _post(k, "instances", {"instances": rows}),
        _post(k, "inputs-named", {"inputs": {"a": rows}}),
        _post(k, "inputs-narrow", {"inputs": [[1.0, 2.0, 3.0]]}),
        _post(k, "inputs-flat", {"inputs": [1.0, 2.0, 3.0, 4.0]}),
        _post(k, "inputs-3d", {"inputs": [rows]}),
        _post(k, "inputs-words", {"inputs": [["a", "b", "c", "d"]]}),
        _post(k, "inputs-empty", {"inputs": []}),
        _post(k, "inputs-huge", {"inputs": [[1e300, 1.0, 1.0, 1.0]]}),
        _post(k, "split", {"dataframe_split": {"data": rows}}),
        _post(k, "records", {"dataframe_records": [{"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}]}),
        _post(k, "csv", raw="a,b,c,d\n1,2,3,4\n", content_type=CSV),
    ]


def _echo_cases() -> list[Case]:
    k = "echo"
    return [
        _post(k, "inputs-rows", {"inputs": [[1, 2], [3, 4]]}),
        _post(k, "instances-records", {"instances": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}),
        _post(k, "instances-rows", {"instances": [[1, 2], [3, 4]]}),
        _post(k, "inputs-columns", {"inputs": {"a": [1, 2], "b": [3, 4]}}),
        _post(k, "inputs-string", {"inputs": "text"}),
        _post(k, "inputs-number", {"inputs": 5}),
        _post(k, "inputs-ragged", {"inputs": [[1, [2]], [3]]}),
        _post(k, "inputs-empty", {"inputs": []}),
        _post(k, "inputs-params", {"inputs": [1, 2], "params": {"k": 1}}),
        _post(k, "split", {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}}),
        _post(k, "records", {"dataframe_records": [{"a": 1, "b": "x"}]}),
        _post(k, "csv", raw="a,b\n1,x\n", content_type=CSV),
    ]


def _alltypes_cases() -> list[Case]:
    k = "alltypes"
    row = {"b": True, "i": 1, "l": 2, "f": 1.5, "d": 2.5, "s": "x",
           "bin": base64.b64encode(b"hi").decode(), "dt": "2024-01-02T03:04:05"}
    names = list(row)
    return [
        _post(k, "records", {"dataframe_records": [row, {**row, "s": "y", "i": 3}]}),
        _post(k, "split", {"dataframe_split": {"columns": names, "data": [list(row.values())]}}),
        _post(k, "inputs-columns", {"inputs": {n: [v] for n, v in row.items()}}),
        _post(k, "inputs-record", {"inputs": row}),
        _post(k, "instances-records", {"instances": [row]}),
        _post(k, "date-only", {"dataframe_records": [{**row, "dt": "2024-01-02"}]}),
        _post(k, "date-invalid", {"dataframe_records": [{**row, "dt": "not a date"}]}),
        _post(k, "binary-invalid", {"dataframe_records": [{**row, "bin": 5}]}),
        _post(k, "integer-float", {"dataframe_records": [{**row, "i": 1.5}]}),
        _post(k, "long-huge", {"dataframe_records": [{**row, "l": 2**70}]}),
        _post(k, "boolean-string", {"dataframe_records": [{**row, "b": "yes"}]}),
        _post(k, "missing-column", {"dataframe_records": [{n: v for n, v in row.items() if n != "dt"}]}),
        _post(k, "csv", raw=",".join(names) + "\n" + ",".join(str(v) for v in row.values()) + "\n", content_type=CSV),
    ]


def _llm_cases() -> list[Case]:
    k = "llm"
    messages = [{"role": "user", "content": "hello there"}]
    return [
        _post(k, "chat", {"messages": messages}),
        _post(k, "chat-params", {"messages": messages, "temperature": 0.2, "max_tokens": 5}),
        _post(k, "completions", {"prompt": "complete me", "max_tokens": 3}),
        _post(k, "embeddings", {"input": ["a", "bb"]}),
        _post(k, "chat-messages-string", {"messages": "hello"}),
        _post(k, "chat-bad-temperature", {"messages": messages, "temperature": "hot"}),
        _post(k, "chat-unknown-key", {"messages": messages, "stream_id": 3}),
        _post(k, "inputs-wrapped", {"inputs": {"prompt": ["wrapped"]}}),
        _post(k, "records-wrapped", {"dataframe_records": [{"prompt": "wrapped"}], "params": {"max_tokens": 2}}),
    ]


def cases(kind: str) -> list[Case]:
    """The corpus of one model kind."""
    builders = {
        "sklearn": lambda: _iris_cases("sklearn"), "knn": _knn_cases, "custom": _custom_cases,
        "tensor": _tensor_cases, "echo": _echo_cases, "alltypes": _alltypes_cases, "llm": _llm_cases,
    }
    return builders[kind]()


def serving_examples(kind: str, folder: Path) -> list[Case]:
    """The `serving_input_example.json` MLflow saved with the model, and `ScoringServerClient`'s bodies."""
    import numpy as np
    import pandas as pd
    from mlflow.utils.proto_json_utils import dump_input_data

    out = []
    example = folder / "serving_input_example.json"
    if example.is_file():
        out.append(_post(kind, "serving-input-example", raw=example.read_bytes()))
    if kind in ("sklearn", "knn"):
        frame = pd.DataFrame(ROWS, columns=COLUMNS)
        out.append(_post(kind, "client-dataframe", raw=dump_input_data(frame)))
        out.append(_post(kind, "client-dataframe-params", raw=dump_input_data(frame, params={"a": 1})))
        out.append(_post(kind, "client-ndarray", raw=dump_input_data(np.array(ROWS))))
        out.append(_post(kind, "client-list", raw=dump_input_data(ROWS)))
    return out


# -- the rule -----------------------------------------------------------------------------------
def check(case: Case, theirs: Any, ours: Any) -> None:
    """Assert the parity rule for one case, given both servers' httpx responses."""
    where = f"{case.id}: MLflow {theirs.status_code} {theirs.text[:300]!r}; VtsServing {ours.status_code} {ours.text[:300]!r}"
    if 200 <= theirs.status_code < 300:
        assert ours.status_code == theirs.status_code, where
        if case.path == "/invocations":
            assert _plain(json.loads(ours.content)) == _plain(json.loads(theirs.content)), where
        else:
            assert ours.text == theirs.text, where
    elif 400 <= theirs.status_code < 500:
        assert 400 <= ours.status_code < 500, where
        if theirs.headers.get("content-type", "").startswith("text/plain"):
            assert ours.headers["content-type"].startswith("text/plain"), where
        else:
            body = ours.json()
            assert body["error_code"] and body["message"], where
    else:
        assert ours.status_code < 500, where


def _plain(value: Any) -> Any:
    """JSON with NaN and infinities comparable (NaN != NaN), and written as MLflow writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
