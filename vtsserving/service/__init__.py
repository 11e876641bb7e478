"""Services: runners plus typed HTTP APIs, and how to load one."""

from .loader import default_target, load
from .service import InferenceAPI, Service

__all__ = ["InferenceAPI", "Service", "default_target", "load"]
