"""Services: runners plus typed HTTP APIs, their OpenAPI document, and importing one."""

from .loader import ServiceImportError, import_service, importable_from, module_name_of
from .service import InferenceAPI, Service

__all__ = [
    "InferenceAPI",
    "Service",
    "ServiceImportError",
    "import_service",
    "importable_from",
    "module_name_of",
]
