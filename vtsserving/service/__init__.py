"""Services: runners plus typed HTTP APIs."""

from .service import InferenceAPI, Service

__all__ = ["InferenceAPI", "Service"]
