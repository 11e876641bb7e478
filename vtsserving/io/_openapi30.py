"""JSON Schema 2020-12 (what pydantic writes) in the OpenAPI 3.0 dialect the document declares."""

from __future__ import annotations

from typing import Any

_NULL = {"nullable": True}  # `{"type": "null"}` once converted


def to_openapi30(schema: Any) -> Any:
    """`anyOf [X, null]` -> X + `nullable`, `const` -> `enum`, numeric exclusive bounds ->
    boolean ones, `examples` -> `example`, `prefixItems` -> `items` (any of them) with a length."""
    if isinstance(schema, list):
        return [to_openapi30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_openapi30(v) for k, v in schema.items()}
    _nullable(out)
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(key), (int, float)) and not isinstance(out[key], bool):
            out[bound], out[key] = out[key], True
    if isinstance(out.get("examples"), list):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    if "prefixItems" in out:
        items = out.pop("prefixItems")
        out["items"] = {"anyOf": items}
        out.setdefault("minItems", len(items))
        out.setdefault("maxItems", len(items))
    if out.get("type") == "null":
        out.pop("type")
        out["nullable"] = True
    return out


def _nullable(out: dict[str, Any]) -> None:
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and _NULL in options:
            rest = [o for o in options if o != _NULL]
            out["nullable"] = True
            if len(rest) == 1 and "$ref" not in rest[0]:
                del out[key]
                out.update(rest[0])
            else:  # a lone $ref stays wrapped: OpenAPI 3.0 ignores the siblings of a $ref
                out[key] = rest
