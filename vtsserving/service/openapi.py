"""The OpenAPI 3 document of a service: its APIs (from their descriptors) and the health routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._version import __version__

if TYPE_CHECKING:
    from .service import Service

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What was wrong and what was expected."},
        "type": {"type": "string"},
        "request_id": {"type": "string"},
    },
}

_INFRA = {
    "/livez": "The process is up.",
    "/readyz": "Ready to serve: every runner's models are loaded (503 until then).",
    "/healthz": "Alias of /readyz.",
    "/metrics": "Prometheus metrics.",
}


_ERRORS = {
    400: "Bad input: malformed body, wrong shape, dtype or columns",
    413: "The body is over the server's size limit",
    415: "Unsupported Content-Type",
    422: "Input the service cannot act on",
    500: "Error in the service code (see the server log by request_id)",
    503: "Overloaded or not ready; retry after the Retry-After header",
}


def _error(api: Any, status: int) -> dict[str, Any]:
    content = api.input.error_content(status)
    if content is None:
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {"description": _ERRORS[status], "content": content}


def _api_operation(api: Any) -> dict[str, Any]:
    return {
        "operationId": f"{api.name}",
        "summary": (api.doc or f"The {api.name} API").splitlines()[0],
        "description": api.doc or "",
        "tags": ["Service APIs"],
        "requestBody": {"required": True, "content": api.input.openapi_content()},
        "responses": {
            "200": {"description": "Success", "content": api.output.openapi_content()},
            **{str(status): _error(api, status) for status in _ERRORS},
        },
    }


def _infra_operation(path: str, summary: str) -> dict[str, Any]:
    media = "text/plain"
    return {
        "get": {
            "operationId": path.strip("/"),
            "summary": summary,
            "tags": ["Infrastructure"],
            "responses": {
                "200": {"description": "OK", "content": {media: {"schema": {"type": "string"}}}},
                **({"503": {"description": "Not ready"}} if path in ("/readyz", "/healthz") else {}),
            },
        }
    }


def openapi_spec(svc: Service) -> dict[str, Any]:
    """An OpenAPI 3.0 document describing every route the server answers."""
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {p: _infra_operation(p, s) for p, s in _INFRA.items()}
    for api in svc.apis.values():
        paths[api.route] = {"post": _api_operation(api)}
        schemas.update(api.input.components())
        schemas.update(api.output.components())
    return {
        "openapi": "3.0.2",
        "info": {
            "title": svc.name,
            "description": f"Prediction service {svc.name!r}, served by VtsServing.",
            "version": __version__,
        },
        "tags": [
            {"name": "Service APIs", "description": "The APIs of the service."},
            {"name": "Infrastructure", "description": "Health and metrics."},
        ],
        "paths": paths,
        "components": {"schemas": schemas},
    }
