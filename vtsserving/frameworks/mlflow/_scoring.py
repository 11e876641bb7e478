"""MLflow's scoring protocol for one imported model: what `mlflow models serve` answers.

`MLflowScoring(model, runner).invocations(body, content_type)` gives the status, body and media
type MLflow's scoring server gives for `POST /invocations`: the same content-type rules (415 in
text/plain), MLflow's own functions to parse JSON (`dataframe_split`, `dataframe_records`,
`instances`, `inputs`, `params`, the unified chat/completions/embeddings bodies), CSV and
Parquet, MLflow's schema enforcement (pyfunc `predict`), MLflow's JSON writer (`NaN`,
`Infinity`) and its error body `{"error_code", "message", "stack_trace"}`. The model runs on the
runner's model thread (`pyfunc_predict`). Numeric tables that already fit the signature take a
fast path (`_fast.py`) to the batcher. Beyond MLflow: a request without a Content-Type is read
as JSON (MLflow answers 500), and no request gets a 5xx that MLflow would refuse.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import traceback
from io import BytesIO, StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ...exceptions import BadInput, ServiceUnavailable, VtsServingError
from ._fast import FAST_CONTENT_TYPES, JSON, FastTable, predictions_json
from ._native import NativePyfunc
from ._schema import mlflow_signature
from ._tensors import NamedTensor, input_specs, model_input, named_outputs, output_specs

if TYPE_CHECKING:
    from ...models import Model
    from ...runner import Runner

log = logging.getLogger("vtsserving.mlflow")

CSV = "text/csv"
PARQUET = "application/vnd.apache.parquet"
_UNSET: Any = object()


class ScoringReply(NamedTuple):
    """One `/invocations` answer: HTTP status, body and media type."""

    status: int
    body: bytes
    media_type: str


def error_reply(
    status: int, error_code: str, message: str, stack_trace: str | None = None, request_id: str | None = None
) -> ScoringReply:
    """MLflow's error body: `{"error_code", "message"}`, `stack_trace` and `request_id` when known."""
    body: dict[str, Any] = {"error_code": error_code, "message": message}
    if stack_trace:
        body["stack_trace"] = stack_trace
    if request_id:
        body["request_id"] = request_id
    return ScoringReply(status, json.dumps(body).encode(), JSON)


class MLflowScoring:
    """`/invocations`, `/version` and tensor inference for one MLflow model and its runner."""

    def __init__(self, model: Model, runner: Runner) -> None:
        self.model = model
        self.runner = runner
        self._fast: FastTable | None = _UNSET
        self._signature: Any = _UNSET
        self._outputs: Any = _UNSET

    @property
    def name(self) -> str:
        return self.model.tag.name

    @staticmethod
    def version() -> str:
        """The MLflow version, as `GET /version` of MLflow's scoring server answers."""
        from mlflow.version import VERSION

        return VERSION

    # -- /invocations --------------------------------------------------------------------------
    async def invocations(self, body: bytes, content_type: str | None) -> ScoringReply:
        """Score one request body as `mlflow models serve` does."""
        content_type = content_type or JSON
        if content_type in FAST_CONTENT_TYPES:
            fast = self._fast_table()
            rows = fast.rows(body) if fast is not None else None
            if rows is not None:
                reply = await self._fast_predict(rows)
                if reply is not None:
                    return reply
        return await asyncio.to_thread(self._invoke, body, content_type)

    async def _fast_predict(self, rows: Any) -> ScoringReply | None:
        try:
            result = await self.runner.predict.async_run(rows)
            body = predictions_json(result)
            if body is None:
                body = _mlflow_json(result, unwrapped=False)
        except ServiceUnavailable:
            raise
        except Exception:  # noqa: BLE001 - MLflow's path runs the request again and words the error
            return None
        return ScoringReply(200, body, JSON)

    def _invoke(self, body: bytes, content_type: str) -> ScoringReply:
        from mlflow.exceptions import MlflowException

        try:
            return _invocations(body, content_type, _RunnerModel(self._pyfunc().metadata, self.runner))
        except MlflowException as exc:
            return _from_mlflow_exception(exc)
        except ServiceUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a prediction json cannot write: still the request's
            log.warning("scoring request failed: %s: %s", type(exc).__name__, exc)
            return error_reply(400, "BAD_REQUEST", f"{type(exc).__name__}: {exc}", traceback.format_exc())

    def _pyfunc(self) -> Any:
        os.environ.setdefault("_MLFLOW_IS_IN_SERVING_ENVIRONMENT", "true")  # as MLflow's server sets it
        return self.runner.runnable.model

    def _fast_table(self) -> FastTable | None:
        if self._fast is _UNSET:
            model = self._pyfunc()
            if isinstance(model, NativePyfunc):  # its schema read from MLmodel: MLflow not imported
                self._fast = FastTable.for_schema(model.input_schema(), False)
            else:
                hinted = getattr(model.metadata, "_is_signature_from_type_hint", lambda: False)()
                self._fast = FastTable.for_schema(model.metadata.get_input_schema(), hinted)
        return self._fast

    # -- tensors (KServe V2) -------------------------------------------------------------------
    def signature(self) -> Any:
        """The model's MLflow signature, read from its MLmodel file (no model load)."""
        if self._signature is _UNSET:
            self._signature = mlflow_signature(self.model)
        return self._signature

    def serving_example(self) -> Any:
        """The `/invocations` body MLflow saved with the model (`serving_input_example.json`), if any."""
        from ._import import MLFLOW_MODEL_FOLDER

        path = Path(self.model.path_of(MLFLOW_MODEL_FOLDER)) / "serving_input_example.json"
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None

    def _output_schema(self) -> Any:
        """The signature's outputs, which name the answer's tensors: from MLmodel when plain (a
        native model's first V2 request then imports no MLflow), else MLflow's own."""
        if self._outputs is _UNSET:
            model = self._pyfunc()
            if isinstance(model, NativePyfunc):
                self._outputs = model.output_schema()
            else:
                signature = self.signature()
                self._outputs = signature.outputs if signature is not None else None
        return self._outputs

    def tensor_inputs(self) -> list[NamedTensor]:
        signature = self.signature()
        return input_specs(signature.inputs if signature is not None else None)

    def tensor_outputs(self) -> list[NamedTensor]:
        signature = self.signature()
        return output_specs(signature.outputs if signature is not None else None)

    async def infer(self, tensors: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run the model on named arrays (with MLflow `params`); its prediction as named arrays."""
        outputs = self._output_schema()
        fast = self._fast_table() if not params else None
        array = fast.from_columns(tensors) if fast is not None else None
        if array is not None:
            try:
                return named_outputs(await self.runner.predict.async_run(array), outputs)
            except ServiceUnavailable:
                raise
            except Exception:  # noqa: BLE001, S110 - the pyfunc path below words the error
                pass
        signature = self.signature()
        data = model_input(tensors, signature.inputs if signature is not None else None)
        try:
            result = await self.runner.pyfunc_predict.async_run(data, params or None)
        except VtsServingError:
            raise
        except Exception as exc:  # noqa: BLE001 - the model refused this input, as MLflow's 400
            raise BadInput(_reason(exc)) from None
        return named_outputs(result, outputs)


class _RunnerModel:
    """The pyfunc model as the scoring code sees it: its metadata, and `predict` on the runner."""

    def __init__(self, metadata: Any, runner: Runner) -> None:
        self.metadata = metadata
        self._runner = runner

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self._runner.pyfunc_predict.run(data, params)


def _invocations(body: bytes, content_type: str, model: _RunnerModel) -> ScoringReply:
    """MLflow 3's `scoring_server.invocations`, with the parsers of the MLflow installed."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import BAD_REQUEST
    from mlflow.pyfunc import scoring_server as ss

    mime, parameters = _parse_content_type(content_type)
    if parameters.get("charset", "utf-8").lower() != "utf-8":
        return _text(415, "The scoring server only supports UTF-8")
    unexpected = set(parameters) - {"charset"}
    if unexpected:
        return _text(415, f"Unrecognized content type parameters: {', '.join(unexpected)}. {ss.SCORING_PROTOCOL_CHANGE_INFO}")
    schema = model.metadata.get_input_schema()
    unwrapped, params = False, None
    if mime == CSV:
        data = ss.parse_csv_input(csv_input=StringIO(_utf8(body)), schema=schema)
    elif mime == JSON:
        data, params, unwrapped = _parse_json(ss, body, model.metadata, schema)
    elif mime == PARQUET and hasattr(ss, "parse_parquet_input"):
        data = ss.parse_parquet_input(parquet_input=BytesIO(body))
    else:
        types = getattr(ss, "CONTENT_TYPES", [CSV, JSON])
        return _text(415, f"This predictor only supports the following content types: Types: {types}. Got '{content_type}'.")
    try:
        raw = model.predict(data, params=params)
    except MlflowException as exc:
        exc.message = f"Failed to predict data '{data}'. \nError: {exc.message}"
        raise
    except ServiceUnavailable:
        raise
    except Exception:
        raise MlflowException(
            message="Encountered an unexpected error while evaluating the model. Verify that the"
            " serialized input Dataframe is compatible with the model for inference.",
            error_code=BAD_REQUEST,
            stack_trace=traceback.format_exc(),
        ) from None
    return ScoringReply(200, _mlflow_json(raw, unwrapped=unwrapped), JSON)


def _parse_json(ss: Any, body: bytes, metadata: Any, schema: Any) -> tuple[Any, Any, bool]:
    """(data, params, unified LLM body?) by whichever JSON parser this MLflow has."""
    if hasattr(ss, "_parse_json_data"):  # MLflow >= 2.13: also the unified LLM bodies
        parsed = ss._parse_json_data(body, metadata, schema)
        return parsed.data, parsed.params, bool(parsed.is_unified_llm_input)
    if hasattr(ss, "_split_data_and_params"):  # MLflow 2.6 - 2.12: params
        data, params = ss._split_data_and_params(_utf8(body))
        return ss.infer_and_parse_data(data, schema), params, False
    return ss.infer_and_parse_json_input(_utf8(body), schema), None, False  # MLflow 2.0 - 2.5


def _mlflow_json(raw: Any, *, unwrapped: bool) -> bytes:
    from mlflow.pyfunc import scoring_server as ss

    out = StringIO()
    if unwrapped:
        ss.unwrapped_predictions_to_json(raw, out)
    else:
        ss.predictions_to_json(raw, out)
    return out.getvalue().encode()


def _from_mlflow_exception(exc: Any) -> ScoringReply:
    """MLflow's error reply; its 5xx for a request it refuses becomes a 400."""
    status = exc.get_http_status_code()
    body = json.loads(exc.serialize_as_json())
    if status >= 500 and status not in (503, 504):
        status, body["error_code"] = 400, "BAD_REQUEST"
    return ScoringReply(status, json.dumps(body).encode(), JSON)


def _parse_content_type(content_type: str) -> tuple[str, dict[str, str]]:
    mime, *pairs = (part.strip() for part in content_type.split(";"))
    return mime, {key: value for key, _, value in (pair.partition("=") for pair in pairs)}


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import BAD_REQUEST

        message = f"Invalid input. Ensure that input is a valid UTF-8 encoded string. Error: '{exc!r}'"
        raise MlflowException(message, error_code=BAD_REQUEST) from None


def _text(status: int, message: str) -> ScoringReply:
    return ScoringReply(status, message.encode(), "text/plain")


def _reason(exc: Exception) -> str:
    message = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    return f"{type(exc).__name__}: {' '.join(message.split())[:500]}"
