"""`vtsserving.mlflow.service(tag)`: an imported MLflow model served at `POST /invocations`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...service import Service


def service(tag: str, name: str | None = None) -> Service:
    """A Service scoring `tag` as `mlflow models serve` does (MLflow's JSON and CSV formats)."""
    from ...server.mlflow_scoring import mlflow_service

    return mlflow_service(tag, name)
