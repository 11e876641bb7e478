"""Run the server: N uvicorn worker processes, each running the service's models itself.

Process model, chosen by measurement (scripts/bench/serve.py, scripts/bench/runner_ipc.py;
iris LogisticRegression imported from MLflow, 32 connections, wrk on the same 2 cores):

    hand a call to the in-process model thread      85 us
    round trip to another process (pickle + pipe)  393 us (x4.6), before any batching

The time goes to HTTP and JSON, not to the model: batched, a row costs microseconds. A
separate runner process would add a serialization hop to every request (x4.6 the in-process
hand-off) and take CPU from HTTP to save almost nothing, so models run inside each API worker:
each worker loads them, batches its own requests and calls the model on one thread. Unbatched
calls of a cheap model (most of the last eight under 1 ms) run on the event loop itself when the
model thread is idle (`runner/admission.py`): for a one-row scikit-learn predict the hand-off to
the thread and back cost about 70 us of CPU a request; batches and slower calls stay on the model
thread, which overlaps the model with socket I/O.

Worker count. `--production` starts one worker per CPU of the container's CPU quota (cgroup v1
or v2, `resources.py`; never the host's core count), so a server that has its CPUs to itself
(a container; its clients elsewhere) uses each of them. On this 2-core box wrk takes most
of a core and other jobs share the rest: 1 worker led in both full bench runs, interleaved A/B
runs were mixed, and both counts met the issue's targets in the last run (req/s, after the
per-request cuts: MLflow fast path, orjson, leaner middleware):

    run (load average)          1 worker              2 workers            bare starlette
    quiet (0.7)                 4,520  p99 20 ms      5,406  p99 24 ms     10,250 (1 worker)
    bench run (1.6-2.2)         5,301  p99 24 ms      3,174  p99 124 ms     9,654
    bench run (0.8-2.7)         5,925  p99 21 ms      4,268  p99 38 ms      7,979
    interleaved A/B (2.5-3.2)   2,915 / 6,754         4,880 / 4,625
    before the cuts (3-5)       2,440  p99 37 ms      1,534  p99 54 ms      6,887

Server CPU a request (the steadier figure): about 200 us for either count, bare 130 us. After
models load, `gc.freeze()` keeps them out of full collections (shorter pauses, better p99).

Supervision. The server process binds the port first (a taken port is a one-line error before
any model loads). On Linux it then imports the service itself (one that cannot be imported is the
CLI's one-line error), builds the runnables that are safe to share (`Runnable.PRELOAD`), and forks
the workers (`prefork.py`): a worker is ready as soon as its event loop runs, instead of importing
the service and its libraries again in a new interpreter (uvicorn's spawning supervisor made the
parent's and each worker's imports add up: iris image ready in 1.29 s, two interpreters each
importing scikit-learn). With `api_server.preload: false`, elsewhere, and with `--reload`,
uvicorn's supervisor spawns workers that import the service themselves, and one that cannot stops
the server with its one-line reason. Either way a worker that dies is replaced, with one worker
too; a replacement started while another worker is ready loads its models before it accepts a
connection (`app.py`). On SIGTERM the supervisor closes its copy of the listening socket at once,
so new connections are refused rather than left in a backlog that nobody serves.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..exceptions import Conflict, VtsServingError
from .config import ServerConfig, load_config
from .settings import MULTIPROC_ENV, WorkerSettings, scoped_env, serving_process
from .target import find_vts, load_target, service_dir

log = logging.getLogger("vtsserving.server")
_keep_serving = contextlib.ExitStack()  # a spawned worker's serving_process(), open for its life


def app_factory() -> Any:
    """Build the app in a spawned worker process from the settings `serve()` handed over.

    A service that cannot be imported stops the server: the worker writes why to the settings'
    error file for `serve()` to report in one line, and exits with uvicorn's startup-failure code
    (so the supervisor does not restart it).
    """
    from uvicorn.config import STARTUP_FAILURE

    from .resources import memory_limit

    settings = WorkerSettings.from_env()
    _keep_serving.enter_context(serving_process(settings))  # this process only; before the app import
    _setup_logging()
    try:
        svc = load_target(settings.target, settings.working_dir)
    except Exception as exc:  # noqa: BLE001 - reported by `serve()` as the CLI would
        message = exc.message if isinstance(exc, VtsServingError) else f"{type(exc).__name__}: {exc}"
        if settings.error_file:
            Path(settings.error_file).write_text(json.dumps(
                {"message": message, "exit_code": getattr(exc, "exit_code", 1)}
            ))
        sys.exit(STARTUP_FAILURE)
    _warn_if_over_memory(svc, settings.workers, memory_limit())
    return _create_app(settings, svc)


def _create_app(settings: WorkerSettings, svc: Any = None) -> Any:
    from .app import create_app
    from .readiness import Readiness

    svc = svc or load_target(settings.target, settings.working_dir)
    return create_app(svc, settings.config, Readiness(settings.ready_dir, settings.workers), settings.started)


def serve(
    target: str,
    *,
    working_dir: str,
    host: str,
    port: int,
    workers: int,
    reload: bool = False,
    production: bool = False,
    config_path: str | None = None,
) -> None:
    """Take the port, then run `workers` supervised processes serving `target`.

    The port is bound first, so a taken port fails at once, before any import or model load. On
    Linux the service is imported here and the workers are forked from this process
    (`_serve_forked`); otherwise uvicorn's supervisor spawns workers that import it. Either way a
    worker that dies is replaced, and a service that cannot be imported is one line of error.
    """
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import ChangeReload, Multiprocess

    from .resources import cpu_limit

    started = time.time()
    working_dir = os.path.abspath(working_dir)
    config = load_config(config_path)
    sock = bind_socket(host, port)
    error_file = Path(tempfile.mkstemp(prefix="vtsserving-start-")[1])
    try:
        if reload:  # the reloader would wait for a fix instead of failing: check once here
            load_target(target, working_dir)
        vts = find_vts(target, working_dir)
        _setup_logging()
        uv_options = _uvicorn_options(config, production)
        with _shared_dirs(workers) as (ready_dir, metrics_dir):
            settings = WorkerSettings(
                target=target, working_dir=working_dir, service_dir=service_dir(target, working_dir),
                config=config, workers=workers, model_store=vts.path_of("models") if vts else None,
                ready_dir=ready_dir, metrics_dir=metrics_dir, started=started, error_file=str(error_file),
            )
            with scoped_env({**settings.to_env(), **_thread_env(workers, cpu_limit())}):
                if not reload and _can_fork(config):
                    _serve_forked(settings, sock, uv_options)
                    return
                uv_config = uvicorn.Config(
                    "vtsserving.server.worker:app_factory", factory=True, host=host, port=port,
                    workers=workers, reload=reload,
                    reload_dirs=[service_dir(target, working_dir)] if reload else None, **uv_options,
                )
                if reload:
                    ChangeReload(uv_config, target=uvicorn.Server(uv_config).run, sockets=[sock]).run()
                    return
                supervisor = _supervisor(Multiprocess)(uv_config, sockets=[sock])
                supervisor.run()
        _raise_start_error(error_file)
        if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes):
            raise VtsServingError("a worker failed to start; see the log above")
    finally:
        sock.close()
        error_file.unlink(missing_ok=True)


def _uvicorn_options(config: ServerConfig, production: bool) -> dict[str, Any]:
    """uvicorn settings shared by every way of running the workers."""
    api = config.api_server
    return {
        "timeout_graceful_shutdown": api.graceful_shutdown_timeout,
        "timeout_keep_alive": api.keep_alive_timeout,
        "access_log": not production, "log_level": "info", "backlog": 2048,
        "proxy_headers": not production,  # production: no X-Forwarded-For rewriting (one layer less)
        "http": _http_protocol(config) if _has("httptools") else "h11",
        "loop": "uvloop" if _has("uvloop") else "asyncio",
    }


def _can_fork(config: ServerConfig) -> bool:
    """Fork the workers from this process (Linux, unless `api_server.preload` is off)."""
    return config.api_server.preload and sys.platform == "linux"


def _serve_forked(settings: WorkerSettings, sock: socket.socket, uv_options: dict[str, Any]) -> None:
    """Import the service here, build what its runners may share, then fork the workers.

    A service that cannot be imported fails here, as the CLI's one line, before any worker exists.
    """
    import uvicorn

    from .prefork import STARTUP_FAILURE, Prefork
    from .resources import memory_limit

    with serving_process(settings):
        with _collector_paused():
            svc = load_target(settings.target, settings.working_dir)
            _warn_if_over_memory(svc, settings.workers, memory_limit())
            _preload(svc)
            # The app and uvicorn's protocol, lifespan and loop modules too, and anyio's asyncio
            # backend, which starlette's first await would import: each worker inherits them.
            uv_config = uvicorn.Config(_create_app(settings, svc), **uv_options)
            uv_config.load()
            uv_config.get_loop_factory()
            with contextlib.suppress(ImportError):
                importlib.import_module("anyio._backends._asyncio")

        def worker() -> int:
            server = uvicorn.Server(uv_config)
            server.run(sockets=[sock])
            return 0 if server.started else STARTUP_FAILURE

        supervisor = Prefork(worker, workers=settings.workers, sockets=[sock],
                             stop_timeout=settings.config.api_server.graceful_shutdown_timeout + 5,
                             on_exit=functools.partial(_worker_exited, settings))
        supervisor.run()
    if supervisor.failed:
        raise VtsServingError("a worker failed to start; see the log above")


def _worker_exited(settings: WorkerSettings, pid: int) -> None:
    """A worker is gone, perhaps killed: drop its live gauges (in-flight requests, queue lengths)
    and its ready mark, which it could not do itself."""
    from . import metrics

    metrics.mark_process_dead(pid)
    if settings.ready_dir:
        Path(settings.ready_dir, str(pid)).unlink(missing_ok=True)


def _preload(svc: Any) -> None:
    """Before forking: import what each runner needs, and build the runners safe to share.

    A runner that fails here is left to the workers, which load it again and report why.
    """
    svc.import_io_modules()
    for runner in svc.runners:
        cls = runner.runnable_class
        try:
            for module in cls.PRELOAD_IMPORTS:
                importlib.import_module(module)
            if cls.PRELOAD:
                start = time.perf_counter()
                runner.init_local()
                log.info("runner %s loaded before forking the workers in %.2f s",
                         runner.name, time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001 - the workers retry and report it
            log.debug("runner %s could not be preloaded: %s", runner.name, exc)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the server imports and loads, one full pass after it.

    Importing scikit-learn and unpickling the iris model makes about 125,000 objects and little
    garbage, yet the collector's passes over them took about 10% of that time (0.14-0.16 s). What
    is left then is frozen: shared with the workers, it stays out of their collections (fewer
    copied pages, shorter pauses).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
    gc.collect()
    gc.freeze()


def _raise_start_error(error_file: Path) -> None:
    """The error a worker wrote when the service could not be imported, as the CLI's one line."""
    text = error_file.read_text() if error_file.is_file() else ""
    if text:
        data = json.loads(text)
        error = VtsServingError(data["message"])
        error.exit_code = int(data.get("exit_code", 1))
        raise error


def _supervisor(base: type) -> type:
    """uvicorn's supervisor, closing its copy of the listening socket as soon as it is told to stop.

    Otherwise the kernel keeps accepting connections into the backlog of a socket nobody will
    serve again, and resets them (after their requests were sent) when the supervisor exits:
    closed, a new connection is refused, which a client or load balancer can safely retry.
    """

    class Supervisor(base):  # type: ignore[misc, valid-type]
        def handle_term(self) -> None:
            self._stop_listening()
            super().handle_term()

        def handle_int(self) -> None:
            self._stop_listening()
            super().handle_int()

        def _stop_listening(self) -> None:
            for sock in self.sockets:
                sock.close()

    return Supervisor


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket for `host:port`, or a one-line error naming what holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise Conflict(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _thread_env(workers: int, cpus: float) -> dict[str, str]:
    """Math libraries' thread pools sized from the CPU quota shared by the workers (unless set)."""
    threads = str(max(1, int(cpus / workers)))
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return {name: threads for name in names if not os.environ.get(name)}


def _warn_if_over_memory(svc: Any, workers: int, limit: int | None) -> None:
    """Warn when N workers, each holding the service's models, would not fit the memory limit."""
    from .resources import directory_size

    if limit is None:
        return
    try:
        size = sum(directory_size(Path(m.path)) for m in svc.models)
    except Exception:  # noqa: BLE001 - a model that cannot be resolved fails later, clearly
        return
    if size and workers * size > limit:
        fit = max(1, limit // size)
        log.warning(
            "%d workers x %.0f MB of models (on disk; more in memory) exceed the %.0f MB memory limit:"
            " the workers may be killed; use --workers %d or fewer, or a larger limit",
            workers, size / 2**20, limit / 2**20, fit,
        )


@contextlib.contextmanager
def _shared_dirs(workers: int) -> Iterator[tuple[str | None, str | None]]:
    """Temporary ready and metrics folders that several workers share; none for one worker."""
    if workers <= 1:
        yield None, None
        return
    ready_dir = tempfile.mkdtemp(prefix="vtsserving-ready-")
    metrics_dir = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="vtsserving-metrics-")
    try:
        yield ready_dir, metrics_dir
    finally:
        shutil.rmtree(ready_dir, ignore_errors=True)
        if metrics_dir != os.environ.get(MULTIPROC_ENV):
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _http_protocol(config: Any) -> Any:
    """httptools with a request-head deadline and a connection cap (see `server/protocol.py`)."""
    from .protocol import GuardedHttpToolsProtocol

    api = config.api_server
    return functools.partial(GuardedHttpToolsProtocol, header_timeout=api.header_timeout,
                             max_connections=min(api.max_connections, _open_files_limit() - 64),
                             drain_idle=min(api.keep_alive_timeout, 2.0))


def _open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit (workers inherit it); the result."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
    return soft


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _setup_logging() -> None:
    logger = logging.getLogger("vtsserving")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
