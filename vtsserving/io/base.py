"""`IODescriptor`: how an API reads its request body, writes its response, and documents both."""

from __future__ import annotations

import importlib
import json
import math
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from ..exceptions import BadInput, InvalidArgument, UnsupportedMediaType

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


class IODescriptor:
    """Base of every descriptor; subclasses implement `parse`, `render` and `schema`."""

    media_type: ClassVar[str] = "application/json"
    accepts: ClassVar[tuple[str, ...]] = ("application/json",)
    # Libraries every request uses, imported by the server before models load (`Service.import_io_modules`).
    imports: ClassVar[tuple[str, ...]] = ()
    _spec_args: dict[str, Any]

    def __init__(self, example: Any = None, **spec_args: Any) -> None:
        self._spec_args = {**spec_args, "example": example} if example is not None else spec_args
        self.example = example
        if example is not None:
            self._check_example(example)

    def _check_example(self, example: Any) -> None:
        """A declared example must be input this descriptor accepts (it is what Swagger UI sends)."""
        text = isinstance(example, str) and self.media_type.startswith("text/")
        try:
            self.parse(example.encode() if text else dump_json(example), self.media_type)
        except BadInput as exc:
            raise InvalidArgument(f"{type(self).__name__}(example=...) is not input it accepts: {exc.message}") from None

    # -- request ------------------------------------------------------------------------------
    async def from_http_request(self, request: Request) -> Any:
        """The Python value of a request body (raises BadInput, 4xx, when it does not fit)."""
        content_type = request.headers.get("content-type", "")
        self.check_content_type(content_type)
        return self.parse(await request.body(), content_type)

    def check_content_type(self, content_type: str) -> None:
        base = content_type.split(";")[0].strip().lower()
        if not base or any(_matches(base, a) for a in self.accepts):
            return
        raise UnsupportedMediaType(
            f"{type(self).__name__} expects Content-Type {' or '.join(self.accepts)}, got {base!r}"
        )

    def parse(self, body: bytes, content_type: str) -> Any:
        raise NotImplementedError

    # -- response -----------------------------------------------------------------------------
    def to_http_response(self, obj: Any) -> Response:
        from starlette.responses import Response

        body, media_type = self.render(obj)
        return Response(body, media_type=media_type)

    def render(self, obj: Any) -> tuple[bytes, str]:
        raise NotImplementedError

    # -- documentation ------------------------------------------------------------------------
    def schema(self) -> dict[str, Any]:
        """The JSON schema of the body (OpenAPI 3.0 dialect)."""
        return {}

    def components(self) -> dict[str, Any]:
        """Named schemas this descriptor refers to with `#/components/schemas/...`."""
        return {}

    def openapi_content(self) -> dict[str, Any]:
        """The media type with its schema and an example: the declared one, else one the schema gives."""
        from ._example import example_of

        content: dict[str, Any] = {"schema": self.schema()}
        example = self.example if self.example is not None else example_of(content["schema"], self.components())
        if example is not None:
            content["example"] = example
        return {self.media_type: content}

    def error_content(self, status: int) -> dict[str, Any] | None:
        """The OpenAPI content of `status` errors when this input's protocol has its own shape
        (None: VtsServing's `{"error": ...}`)."""
        return None

    def to_spec(self) -> dict[str, Any]:
        """A plain-data description for vts.yaml: `{"id": "vtsserving.io.X", "args": {...}}`."""
        return {"id": f"vtsserving.io.{type(self).__name__}", "args": _plain(self._spec_args)}

    @staticmethod
    def from_spec(spec: dict[str, Any]) -> IODescriptor:
        """The descriptor a `to_spec()` dict describes (args that are plain data only)."""
        module_name, _, name = str(spec.get("id", "")).rpartition(".")
        if module_name != "vtsserving.io":
            raise InvalidArgument(f"unknown IO descriptor id {spec.get('id')!r}")
        cls = getattr(importlib.import_module("vtsserving.io"), name, None)
        if not (isinstance(cls, type) and issubclass(cls, IODescriptor)):
            raise InvalidArgument(f"unknown IO descriptor id {spec.get('id')!r}")
        return cls(**spec.get("args", {}))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._spec_args.items() if v is not None)
        return f"{type(self).__name__}({args})"


def _matches(content_type: str, accepted: str) -> bool:
    if accepted == "*/*" or content_type == accepted:
        return True
    if accepted.endswith("/*"):
        return content_type.startswith(accepted[:-1])
    return accepted == "application/json" and content_type.endswith("+json")


def _plain(value: Any) -> Any:
    """Spec args as YAML-safe data (types become their names, models their import path)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return str(value)


def load_json(body: bytes) -> Any:
    """Parse a JSON body, or raise BadInput naming where it is malformed.

    orjson parses the common case; whatever it refuses goes to `json` (NaN literals, big
    integers, UTF-16), which also words the error."""
    if not body:
        raise BadInput("the request body is empty; expected a JSON document")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadInput("the request body nests arrays or objects too deeply (the limit is about 1,000 levels)") from None


def _default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, torch tensors
        return obj.tolist()
    if hasattr(obj, "model_dump"):  # pydantic models
        return obj.model_dump(mode="json")
    if hasattr(obj, "to_dict"):  # pandas
        return obj.to_dict(orient="records") if hasattr(obj, "columns") else obj.to_list()
    if isinstance(obj, set | frozenset):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def dump_json(obj: Any) -> bytes:
    """Compact JSON; numpy, pandas and pydantic values are converted; NaN becomes null.

    orjson writes it (numpy through `.tolist()`, as `json` would); what it cannot write
    (integers past 64 bits) goes to `json`."""
    try:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:
        if isinstance(exc.__cause__, TypeError) and "not JSON serializable" in str(exc.__cause__):
            raise exc.__cause__ from None
    try:
        text = json.dumps(obj, default=_default, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_nan_to_none(json.loads(json.dumps(obj, default=_default))), separators=(",", ":"))
    return text.encode()


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    return value
