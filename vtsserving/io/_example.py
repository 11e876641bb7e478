"""An example value built from a JSON schema: what Swagger UI prefills when none is declared."""

from __future__ import annotations

from typing import Any

_MAX_DEPTH = 8


def example_of(schema: Any, components: dict[str, Any], depth: int = 0) -> Any:
    """A value `schema` accepts (sizes, bounds and enums kept), or None when it says too little."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return example_of(components.get(schema["$ref"].rsplit("/", 1)[-1]), components, depth + 1)
    for key in ("example", "default"):
        if schema.get(key) is not None:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return example_of(schema[key][0], components, depth + 1)
    kind = schema.get("type")
    if kind == "array":
        item = example_of(schema.get("items"), components, depth + 1)
        return None if item is None else [item] * max(1, schema.get("minItems", 1))
    if kind == "object":
        return _object(schema, components, depth)
    if kind in ("number", "integer"):
        return _number(schema, kind == "integer")
    return {"string": "text", "boolean": True}.get(kind) if isinstance(kind, str) else None


def _object(schema: dict[str, Any], components: dict[str, Any], depth: int) -> dict[str, Any] | None:
    props = schema.get("properties") or {}
    values = {name: example_of(sub, components, depth + 1) for name, sub in props.items()}
    values = {k: v for k, v in values.items() if v is not None}
    if any(name not in values for name in schema.get("required", [])):
        return None
    return values or None


def _number(schema: dict[str, Any], integer: bool) -> float | int:
    """The middle of a narrow range, else 1 moved inside the bounds (a dtype's own limits are wide)."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None and high - low <= 1e6:
        value = (low + high) / 2
    else:
        value = 1
        if low is not None and (value < low or (value == low and schema.get("exclusiveMinimum"))):
            value = low + 1 if schema.get("exclusiveMinimum") else low
        if high is not None and (value > high or (value == high and schema.get("exclusiveMaximum"))):
            value = high - 1 if schema.get("exclusiveMaximum") else high
    return int(value) if integer else float(value)
