"""`Runner`: a named, configurable handle on a `Runnable` that services call.

`init_local()` builds the runnable in this process; `.method.run(x)` calls it and
`await .method.async_run(x)` calls it without blocking the event loop. Served (`start()`), every
method goes through admission control: a batchable one through its `Batcher`, any other through
a `Gate`; both refuse with 503 what cannot finish within `max_latency_ms`.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Sequence
from typing import Any

from ..exceptions import InvalidArgument, ServiceUnavailable
from ..tag import validate_part
from .admission import CLIENT_GONE, Gate, ModelThread, submit_from_thread
from .batching import Batcher
from .runnable import Runnable, RunnableMethodConfig

DEFAULT_MAX_BATCH_SIZE = 100
DEFAULT_MAX_LATENCY_MS = 1_000  # the latency budget of a call: queue wait + model call


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class RunnerMethod:
    """One callable method of a runner, with its batching limits."""

    def __init__(
        self,
        runner: Runner,
        name: str,
        config: RunnableMethodConfig,
        max_batch_size: int,
        max_latency_ms: int,
    ) -> None:
        self.runner = runner
        self.name = name
        self.config = config
        self.max_batch_size = max_batch_size
        self.max_latency_ms = max_latency_ms
        self.batcher: Batcher | None = None
        self.gate: Gate | None = None

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.runner.runnable, self.name)(*args, **kwargs)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the method; in a served worker, through its batch queue or admission gate."""
        queue = self.batcher or self.gate
        if queue is not None and not _on_loop(queue.loop) and not self._on_model_thread():
            return submit_from_thread(queue, args, kwargs)
        executor = self.runner.executor
        if executor is not None and not self._on_model_thread():
            return executor.submit(self._call, *args, **kwargs).result()  # one model thread
        return self._call(*args, **kwargs)

    async def async_run(self, *args: Any, **kwargs: Any) -> Any:
        """Call the method without blocking the event loop (admitted, and batched, when served)."""
        loop = asyncio.get_running_loop()
        queue = self.batcher or self.gate
        if queue is not None and queue.loop is loop:
            return await queue.submit(args, kwargs, CLIENT_GONE.get())
        call = functools.partial(self._call, *args, **kwargs)
        return await loop.run_in_executor(self.runner.executor, call)

    def _on_model_thread(self) -> bool:
        return threading.current_thread().name.startswith(self.runner.thread_prefix)

    def __repr__(self) -> str:
        return f"RunnerMethod({self.runner.name}.{self.name}, batchable={self.config.batchable})"


class Runner:
    """Runs a `Runnable` class; each of its methods becomes an attribute (`runner.predict`)."""

    def __init__(
        self,
        runnable_class: type[Runnable],
        *,
        name: str | None = None,
        models: Sequence[Any] | None = None,  # the vtsserving.models.Model objects it runs
        runnable_init_params: dict[str, Any] | None = None,
        max_batch_size: int | None = None,
        max_latency_ms: int | None = None,
        method_configs: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if not (isinstance(runnable_class, type) and issubclass(runnable_class, Runnable)):
            raise InvalidArgument(f"Runner needs a Runnable subclass, got {runnable_class!r}")
        self.runnable_class = runnable_class
        self.name = validate_part((name or runnable_class.__name__).lower(), "runner name")
        self.models = list(models or [])
        self.runnable_init_params = dict(runnable_init_params or {})
        self.max_batch_size = max_batch_size or DEFAULT_MAX_BATCH_SIZE
        self.max_latency_ms = max_latency_ms or DEFAULT_MAX_LATENCY_MS
        self._runnable: Runnable | None = None
        self.executor: ModelThread | None = None
        self.runner_methods = self._make_methods(method_configs or {})

    def _make_methods(self, method_configs: dict[str, dict[str, Any]]) -> dict[str, RunnerMethod]:
        unknown = set(method_configs) - set(self.runnable_class.methods)
        if unknown:
            raise InvalidArgument(
                f"runner {self.name!r} has no method(s) {sorted(unknown)};"
                f" known: {sorted(self.runnable_class.methods)}"
            )
        methods = {}
        for name, config in self.runnable_class.methods.items():
            overrides = method_configs.get(name, {})
            methods[name] = RunnerMethod(
                self,
                name,
                config,
                max_batch_size=overrides.get("max_batch_size", self.max_batch_size),
                max_latency_ms=overrides.get("max_latency_ms", self.max_latency_ms),
            )
        return methods

    def __getattr__(self, item: str) -> RunnerMethod:
        methods = self.__dict__.get("runner_methods", {})
        if item in methods:
            return methods[item]
        raise AttributeError(f"runner {self.__dict__.get('name')!r} has no method {item!r}")

    @property
    def runnable(self) -> Runnable:
        if self._runnable is None:
            raise ServiceUnavailable(
                f"runner {self.name!r} is not initialized: call runner.init_local() or serve it"
            )
        return self._runnable

    @property
    def thread_prefix(self) -> str:
        return f"vts-runner-{self.name}"

    def init_local(self) -> None:
        """Build the runnable in this process (for scripts, notebooks and tests)."""
        if self._runnable is None:
            self._runnable = self.runnable_class(**self.runnable_init_params)

    def configure(
        self,
        *,
        max_batch_size: int | None = None,
        max_latency_ms: float | None = None,
        methods: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Override batching limits (from configuration); per-method values win."""
        for name, method in self.runner_methods.items():
            override = (methods or {}).get(name, {})
            method.max_batch_size = override.get("max_batch_size") or max_batch_size or method.max_batch_size
            method.max_latency_ms = override.get("max_latency_ms") or max_latency_ms or method.max_latency_ms

    def start(self, loop: asyncio.AbstractEventLoop, *, batching: bool = True) -> None:
        """Serve this runner on `loop`: one model thread, a batch queue per batchable method and
        an admission gate for every other one (which calls a cheap model on the loop itself)."""
        self.init_local()
        if self.executor is None:
            self.executor = ModelThread(self.thread_prefix)
        for method in self.runner_methods.values():
            if batching and method.config.batchable:
                method.batcher = Batcher(
                    method._call,
                    runner_name=self.name,
                    method_name=method.name,
                    input_dim=method.config.input_dim,
                    output_dim=method.config.output_dim,
                    max_batch_size=method.max_batch_size,
                    max_latency_ms=method.max_latency_ms,
                    executor=self.executor,
                    loop=loop,
                )
            else:
                method.gate = Gate(
                    method._call,
                    runner_name=self.name,
                    method_name=method.name,
                    max_latency_ms=method.max_latency_ms,
                    executor=self.executor,
                    loop=loop,
                )

    def shed(self, message: str = "server is shutting down") -> int:
        """Refuse every queued call of every method with 503 + Retry-After; how many."""
        queues = [m.batcher or m.gate for m in self.runner_methods.values()]
        return sum(q.shed(message) for q in queues if q is not None)

    async def stop(self) -> None:
        """Stop the batch queues and the model thread (queued calls get 503)."""
        for method in self.runner_methods.values():
            if method.batcher is not None:
                await method.batcher.close()
                method.batcher = None
            if method.gate is not None:
                method.gate.shed()
                method.gate = None
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    def __repr__(self) -> str:
        return f"Runner(name={self.name!r}, methods={sorted(self.runner_methods)})"
