"""The OpenAPI document of a service with every kind of descriptor.

tests/unit/test_server_target.py checks the basics on a NumpyNdarray + JSON service (summary,
maxItems, the response codes, one component, validity); this covers the other descriptors,
nested pydantic models, references, operation ids and the infrastructure operations.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

import vtsserving
from vtsserving.exceptions import InvalidArgument
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
from vtsserving.io.base import IODescriptor

API_CODES = {"200", "400", "415", "500", "503"}
INFRA = ("/livez", "/readyz", "/healthz", "/metrics")


class Item(BaseModel):
    sku: str
    quantity: int


class Order(BaseModel):
    customer: str
    items: list[Item]


class Meta(BaseModel):
    source: str


def make_service() -> vtsserving.Service:
    svc = vtsserving.Service("openapi_test")

    @svc.api(input=NumpyNdarray(dtype="float32", shape=[-1, 3], enforce_shape=True),
             output=NumpyNdarray(dtype="int64"))
    def classify(arr):
        return arr

    @svc.api(input=JSON(pydantic_model=Order), output=JSON())
    def order(order):
        return order

    @svc.api(input=Text(), output=Text(), route="v2/echo")
    def echo(text):
        """Echo the text back."""
        return text

    @svc.api(
        input=PandasDataFrame(columns=["age", "name"], dtype={"age": "int64", "name": "str"}),
        output=PandasSeries(dtype="float64"),
    )
    def frame(df):
        return df["age"]

    @svc.api(input=PandasDataFrame(orient="split"), output=PandasDataFrame(orient="values"))
    def frame_split(df):
        return df

    @svc.api(input=Multipart(photo=Image(), meta=JSON(pydantic_model=Meta)), output=JSON())
    def upload(photo, meta):
        return meta

    @svc.api(input=File(mime_type="application/pdf"), output=File(), route="/files/store")
    def store(f):
        return f

    return svc


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return make_service().openapi_spec()


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["info"]["title"] == "openapi_test"
    assert spec["info"]["version"] == vtsserving.__version__


def test_every_api_is_one_documented_post(spec):
    svc = make_service()
    operation_ids = []
    for api in svc.apis.values():
        item = spec["paths"][api.route]
        assert list(item) == ["post"], api.route
        op = item["post"]
        operation_ids.append(op["operationId"])
        assert op["requestBody"]["required"] is True
        assert set(op["responses"]) >= API_CODES
        assert op["responses"]["200"]["content"] == api.output.openapi_content()
        for code in API_CODES - {"200"}:
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}
    assert sorted(operation_ids) == sorted(svc.apis)  # one per API, all distinct
    assert len(set(operation_ids)) == len(operation_ids)


def test_request_bodies_follow_the_descriptors(spec):
    def body(route):
        return spec["paths"][route]["post"]["requestBody"]["content"]

    assert body("/v2/echo") == {"text/plain": {"schema": {"type": "string"}, "example": "text"}}
    assert body("/files/store") == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    rows = body("/frame")["application/json"]["schema"]["items"]
    assert rows["required"] == ["age", "name"]
    assert rows["properties"] == {"age": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
                                  "name": {"type": "string"}}
    assert rows["additionalProperties"] is False
    split = body("/frame_split")["application/json"]["schema"]
    assert split["required"] == ["data"] and set(split["properties"]) == {"columns", "data"}
    matrix = body("/classify")["application/json"]["schema"]
    float32 = {"type": "number", "minimum": -3.4028234663852886e38, "maximum": 3.4028234663852886e38}
    assert matrix["type"] == "array" and matrix["items"]["items"] == float32
    multipart = body("/upload")["multipart/form-data"]
    assert multipart["schema"]["required"] == ["meta", "photo"]
    assert multipart["schema"]["properties"]["meta"] == {"$ref": "#/components/schemas/Meta"}
    assert multipart["encoding"] == {"photo": {"contentType": "image/jpeg"},
                                     "meta": {"contentType": "application/json"}}
    series = spec["paths"]["/frame"]["post"]["responses"]["200"]["content"]["application/json"]
    assert series["schema"]["type"] == "array" and series["schema"]["items"]["type"] == "number"


def test_pydantic_components_are_included_and_every_ref_resolves(spec):
    schemas = spec["components"]["schemas"]
    assert {"Error", "Order", "Item", "Meta"} <= set(schemas)  # Item: nested in Order, hoisted
    assert schemas["Order"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Item"}
    assert schemas["Item"]["required"] == ["sku", "quantity"]
    assert "$defs" not in schemas["Order"]
    refs = _refs(spec)
    assert "#/components/schemas/Item" in refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.rpartition("/")[2] in schemas, ref


def test_infrastructure_routes_are_documented_gets(spec):
    for path in INFRA:
        item = spec["paths"][path]
        assert list(item) == ["get"], path
        op = item["get"]
        assert op["tags"] == ["Infrastructure"]
        assert op["responses"]["200"]["content"]["text/plain"]["schema"] == {"type": "string"}
        assert ("503" in op["responses"]) == (path in ("/readyz", "/healthz")), path
    api_ops = [item["post"] for path, item in spec["paths"].items() if path not in INFRA]
    assert all(op["tags"] == ["Service APIs"] for op in api_ops)
    assert {t["name"] for t in spec["tags"]} == {"Service APIs", "Infrastructure"}


def test_custom_route_without_a_leading_slash_gets_one(spec):
    assert "/v2/echo" in spec["paths"]
    assert "v2/echo" not in spec["paths"] and "/echo" not in spec["paths"]
    assert "/files/store" in spec["paths"]
    assert all(path.startswith("/") for path in spec["paths"])
    op = spec["paths"]["/v2/echo"]["post"]
    assert op["summary"] == "Echo the text back."


class Part(BaseModel):
    sku: str


class Maybe(BaseModel):
    name: str
    quantity: int | None = None
    part: Part | None = None
    kind: Literal["a"] = "a"
    price: float = Field(default=1.0, gt=0, lt=10, examples=[2.5])
    pair: tuple[int, str] | None = None


def test_pydantic_2020_12_keywords_become_openapi_3_0():
    """Optional fields, Literal, gt/lt, examples and tuples: pydantic writes JSON Schema 2020-12;
    the document declares OpenAPI 3.0, whose validator refuses `type: null`, numeric exclusive
    bounds and `prefixItems`."""
    svc = vtsserving.Service("optional_test")

    @svc.api(input=JSON(pydantic_model=Maybe), output=JSON())
    def maybe(value):
        return value

    spec = svc.openapi_spec()
    validate(spec)
    props = spec["components"]["schemas"]["Maybe"]["properties"]
    assert props["quantity"]["nullable"] is True and props["quantity"]["type"] == "integer"
    assert props["part"] == {"anyOf": [{"$ref": "#/components/schemas/Part"}], "nullable": True, "default": None}
    assert props["kind"]["enum"] == ["a"]
    assert props["price"]["minimum"] == 0 and props["price"]["exclusiveMinimum"] is True
    assert props["price"]["example"] == 2.5
    assert props["pair"]["minItems"] == props["pair"]["maxItems"] == 2


def test_every_example_is_valid_for_its_schema_and_input_its_api_accepts(spec):
    """Swagger UI prefills request bodies with these: each must pass the schema and the descriptor."""
    from openapi_schema_validator import OAS30Validator

    svc = make_service()
    components = {"components": spec["components"]}
    seen = 0
    for api in svc.apis.values():
        op = spec["paths"][api.route]["post"]
        for kind, content in [("input", op["requestBody"]["content"]), ("output", op["responses"]["200"]["content"])]:
            for media, entry in content.items():
                if "example" not in entry:
                    continue
                seen += 1
                OAS30Validator({**entry["schema"], **components}).validate(entry["example"])
                if kind == "input" and media == "application/json":
                    api.input.parse(orjson.dumps(entry["example"]), media)
    assert seen >= 6, seen


def test_a_declared_example_is_checked_documented_and_kept_in_the_spec():
    declared = [[5.1, 3.5, 1.4, 0.2]]
    arr = NumpyNdarray(dtype="float64", shape=[-1, 4], enforce_shape=True, example=declared)
    assert arr.openapi_content()["application/json"]["example"] == declared
    assert IODescriptor.from_spec(arr.to_spec()).example == declared
    with pytest.raises(InvalidArgument, match=r"NumpyNdarray\(example=...\) is not input it accepts: .*shape"):
        NumpyNdarray(dtype="float64", shape=[-1, 4], enforce_shape=True, example=[[1.0, 2.0]])
    with pytest.raises(InvalidArgument, match="JSON"):
        JSON(pydantic_model=Order, example={"items": "nope"})
    derived = NumpyNdarray(dtype="int64", shape=[-1, 2], enforce_shape=True).openapi_content()
    assert derived["application/json"]["example"] == [[1, 1]]  # from the declared shape and dtype
