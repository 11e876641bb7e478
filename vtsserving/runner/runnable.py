"""`Runnable`: the class that wraps a model; its methods are what a `Runner` calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class RunnableMethodConfig:
    """How a runnable method takes input: batchable along `batch_dim`, or one call at a time."""

    batchable: bool = False
    batch_dim: int | tuple[int, int] = 0
    input_spec: Any = None
    output_spec: Any = None

    @property
    def input_dim(self) -> int:
        return self.batch_dim[0] if isinstance(self.batch_dim, tuple) else self.batch_dim

    @property
    def output_dim(self) -> int:
        return self.batch_dim[1] if isinstance(self.batch_dim, tuple) else self.batch_dim


_METHOD_ATTR = "__vts_runnable_method__"


class Runnable:
    """Subclass it and mark methods with `@Runnable.method(batchable=...)`."""

    SUPPORTED_RESOURCES: ClassVar[tuple[str, ...]] = ("cpu",)
    SUPPORTS_CPU_MULTI_THREADING: ClassVar[bool] = False
    # Safe to build once in the server process and share with the workers it forks: loading starts
    # no thread, touches no GPU and opens no connection (a scikit-learn pickle, say).
    PRELOAD: ClassVar[bool] = False
    # Modules the server process may import before it forks, when PRELOAD is off (e.g. "torch").
    PRELOAD_IMPORTS: ClassVar[tuple[str, ...]] = ()
    methods: ClassVar[dict[str, RunnableMethodConfig]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        methods = dict(getattr(cls, "methods", {}))
        for attr, value in list(vars(cls).items()):
            config = getattr(value, _METHOD_ATTR, None)
            if config is not None:
                methods[attr] = config
        cls.methods = methods

    @staticmethod
    def method(
        func: Callable[..., Any] | None = None,
        *,
        batchable: bool = False,
        batch_dim: int | tuple[int, int] = 0,
        input_spec: Any = None,
        output_spec: Any = None,
    ) -> Any:
        """Mark a method as callable through the Runner (usable bare or with arguments)."""
        config = RunnableMethodConfig(batchable, batch_dim, input_spec, output_spec)

        def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
            setattr(fn, _METHOD_ATTR, config)
            return fn

        return mark(func) if func is not None else mark

    @classmethod
    def add_method(
        cls,
        func: Callable[..., Any],
        name: str,
        *,
        batchable: bool = False,
        batch_dim: int | tuple[int, int] = 0,
        input_spec: Any = None,
        output_spec: Any = None,
    ) -> None:
        """Add a method after class creation, as frameworks do for each model signature."""
        setattr(cls, name, func)
        cls.methods = {
            **cls.methods,
            name: RunnableMethodConfig(batchable, batch_dim, input_spec, output_spec),
        }
