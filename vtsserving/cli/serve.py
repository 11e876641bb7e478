"""`vtsserving serve [TARGET]`: serve a service over HTTP."""

from __future__ import annotations

import os

import click

from ._help import Command, argument

DEFAULT_PORT = 3000


@click.command(cls=Command, examples=[
    "vtsserving serve service:svc --reload",
    "vtsserving serve iris_classifier:latest --port 3001",
    "vtsserving serve mlflow-model:iris_clf:latest --production",
])
@argument("target", required=False,
          help="What to serve: MODULE:ATTR (e.g. service:svc), a vts folder, a vts tag NAME[:VERSION], or "
               "mlflow-model:TAG for a model imported from MLflow [default: the `service` of ./vtsfile.yaml].")
@click.option("--working-dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to import the service from.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=None, help="Port to bind [default: $PORT or 3000].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes [default: with --production, one per CPU of the container's"
                   " CPU quota (cgroup), else 1].")
@click.option("--reload", is_flag=True, help="Restart when the service's files change (development).")
@click.option("--production", is_flag=True,
              help="Production mode: one worker per CPU of the CPU quota, no access log.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Server configuration YAML (batching, body size limit) [default: $VTSSERVING_CONFIG].")
def serve(
    target: str | None, working_dir: str, host: str, port: int | None, workers: int | None,
    reload: bool, production: bool, config_path: str | None,
) -> None:
    """Serve TARGET over HTTP: `module:attr`, a vts folder, a vts tag, or `mlflow-model:TAG`.

    Without TARGET, serves the `service:` named in ./vtsfile.yaml. Routes: the APIs, / (Swagger
    UI), /docs.json (OpenAPI), /livez, /readyz, /healthz and /metrics.
    """
    from ..server.worker import serve as run_server

    if reload and production:
        raise click.UsageError("--reload is for development; it cannot be used with --production")
    if not target:
        from ..builder import vtsfile_service  # the builder's imports only when they are needed

        target = vtsfile_service(working_dir)
    if port is None:
        port = _port_from_env()
    if workers is None:
        from ..server.resources import worker_count

        workers = worker_count() if production else 1
    run_server(
        target, working_dir=working_dir, host=host, port=port, workers=workers,
        reload=reload, production=production, config_path=config_path,
    )


def _port_from_env() -> int:
    value = os.environ.get("PORT", "")
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise click.BadParameter(f"PORT={value!r} is not a port number (1-65535)", param_hint="PORT")
    return int(value)
