"""`Service`: a named set of runners and the HTTP APIs that call them."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import Conflict, InvalidArgument
from ..tag import validate_part

if TYPE_CHECKING:
    from ..io import IODescriptor
    from ..models import Model
    from ..runner import Runner

_API_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class InferenceAPI:
    """One API: a user function between an input and an output descriptor."""

    name: str
    func: Callable[..., Any]
    input: IODescriptor
    output: IODescriptor
    route: str
    doc: str | None = None
    is_async: bool = field(init=False)

    def __post_init__(self) -> None:
        self.is_async = inspect.iscoroutinefunction(self.func)


class Service:
    """`Service(name, runners=[...])`; add APIs with `@svc.api(input=..., output=...)`."""

    def __init__(
        self,
        name: str,
        *,
        runners: Sequence[Runner] | None = None,
        models: Sequence[Model] | None = None,
    ) -> None:
        self.name = validate_part(name.lower() if isinstance(name, str) else name, "service name")
        self.runners = list(runners or [])
        self._models = list(models or [])
        self.apis: dict[str, InferenceAPI] = {}
        self._check_runner_names()
        # Set by the loader: the import string and the folder the service was loaded from.
        self.import_str: str | None = None
        self.working_dir: str | None = None

    def _check_runner_names(self) -> None:
        seen: set[str] = set()
        for runner in self.runners:
            if runner.name in seen:
                raise Conflict(f"service {self.name!r} has two runners named {runner.name!r}")
            seen.add(runner.name)

    @property
    def models(self) -> list[Model]:
        """Every model the service uses: those of its runners, then those given directly."""
        found: dict[str, Model] = {}
        for runner in self.runners:
            for model in runner.models:
                found.setdefault(str(model.tag), model)
        for model in self._models:
            found.setdefault(str(model.tag), model)
        return list(found.values())

    def api(
        self,
        *,
        input: IODescriptor,  # noqa: A002 - public API name
        output: IODescriptor,
        name: str | None = None,
        route: str | None = None,
        doc: str | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function (sync or async) as an HTTP API."""

        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            api_name = name or func.__name__
            if not _API_NAME.match(api_name):
                raise InvalidArgument(f"API name {api_name!r} must be a Python identifier")
            if api_name in self.apis:
                raise Conflict(f"service {self.name!r} already has an API named {api_name!r}")
            api_route = route or f"/{api_name}"
            if not api_route.startswith("/"):
                api_route = "/" + api_route
            self.apis[api_name] = InferenceAPI(
                api_name, func, input, output, api_route, doc or inspect.getdoc(func)
            )
            return func

        return register

    def openapi_spec(self) -> dict[str, Any]:
        """The OpenAPI 3 document of this service's HTTP routes."""
        from .openapi import openapi_spec

        return openapi_spec(self)

    def import_io_modules(self) -> None:
        """Import the libraries the APIs' descriptors use on every request (pandas, say).

        Called before the models load, so that loading never defers such a library
        (`runner/deferred.py`: scikit-learn's pandas) and workers forked after it share it.
        """
        for api in self.apis.values():
            for module in (*api.input.imports, *api.output.imports):
                with contextlib.suppress(ImportError):  # the request that needs it says so
                    importlib.import_module(module)

    def init_local(self) -> None:
        """Initialize every runner in this process."""
        self.import_io_modules()
        for runner in self.runners:
            runner.init_local()

    def __repr__(self) -> str:
        return f"Service(name={self.name!r}, runners={[r.name for r in self.runners]}, apis={list(self.apis)})"
