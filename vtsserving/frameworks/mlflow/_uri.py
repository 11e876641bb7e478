"""Fetch the MLflow model that a URI names into a local folder, with MLflow's own resolvers.

Local paths and `file://` URIs are copied directly (fast, no MLflow import). Everything
else (`runs:/`, `models:/`, `s3://`, `mlflow-artifacts:/`, ...) goes through
`mlflow.artifacts.download_artifacts` with the tracking and registry URIs of the
environment. MLflow 3 keeps logged models outside the run's artifact folder, so a URI
under a run's artifact folder that holds no model is retried as `runs:/<run_id>/<path>`,
which MLflow 3 resolves to the model that run logged under that name.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from ...exceptions import InvalidArgument, NotFound, ServiceUnavailable, VtsServingError
from ._copy import copy_folder

MLMODEL = "MLmodel"
_RUN_ARTIFACT = re.compile(r"/(?P<run_id>[0-9a-f]{32})/artifacts/(?P<path>[^?#]+?)/*$")
_UNREACHABLE = (
    "Max retries exceeded",
    "Connection refused",
    "Failed to establish a new connection",
    "timed out",
    "Read timed out",
    "ConnectTimeout",
    "RemoteDisconnected",
)
_MISSING = (
    "RESOURCE_DOES_NOT_EXIST",
    "No versions",
    "No such",
    "not found",
    "does not exist",
    "404",
    "NoSuchKey",
)


class _Missing(Exception):
    """Nothing (or no MLflow model) at this URI: another resolution may still find it."""

    def __init__(self, error: VtsServingError) -> None:
        super().__init__(str(error))
        self.error = error


def fetch_model(model_uri: str, dest: Path) -> None:
    """Put the MLflow model folder named by `model_uri` at `dest` (a new path)."""
    try:
        _fetch(model_uri, dest)
    except _Missing as missing:
        alt = _run_logged_model_uri(model_uri)
        if alt is None:
            raise missing.error from None
        try:
            _fetch(alt, dest)
        except _Missing:
            raise missing.error from None


def _fetch(uri: str, dest: Path) -> None:
    local = local_path(uri)
    if local is not None:
        _copy_local(uri, local, dest)
    else:
        _download(uri, dest)


def local_path(uri: str) -> Path | None:
    """The filesystem path of a plain path or `file://` URI; None for any other scheme."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).expanduser().absolute()
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return Path(uri).expanduser().absolute()
    return None


def _copy_local(uri: str, path: Path, dest: Path) -> None:
    if not path.exists():
        raise _Missing(NotFound(f"MLflow model {uri!r} not found: {path} does not exist"))
    if not path.is_dir():
        raise _Missing(InvalidArgument(f"MLflow model {uri!r} must be a folder, {path} is a file"))
    if not (path / MLMODEL).is_file():
        raise _Missing(_not_a_model(uri))
    copy_folder(path, dest)


def _not_a_model(uri: str) -> InvalidArgument:
    return InvalidArgument(f"{uri!r} is not an MLflow model: it has no {MLMODEL} file")


def _download(uri: str, dest: Path) -> None:
    """Download with MLflow into a staging folder beside `dest`, then rename it into place."""
    import mlflow.artifacts

    staging = Path(tempfile.mkdtemp(prefix=".mlflow-download-", dir=dest.parent))
    try:
        try:
            fetched = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(staging)))
        except Exception as exc:  # MLflow raises many types; each is classified below
            raise _classify(exc, uri) from None
        if not (fetched.is_dir() and (fetched / MLMODEL).is_file()):
            raise _Missing(_not_a_model(uri))
        os.rename(fetched, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _classify(exc: Exception, uri: str) -> Exception:
    text = _chain_text(exc)
    reason = _first_line(exc)
    if any(marker in text for marker in _UNREACHABLE):
        import mlflow

        return ServiceUnavailable(
            f"cannot fetch MLflow model {uri!r}: no answer from"
            f" {_endpoint(uri, mlflow.get_tracking_uri())} ({reason})"
        )
    if any(marker in text for marker in _MISSING):
        return _Missing(NotFound(f"MLflow model {uri!r} not found: {reason}"))
    return InvalidArgument(f"cannot fetch MLflow model {uri!r}: {reason}")


def _endpoint(uri: str, tracking_uri: str) -> str:
    if uri.startswith("s3://"):
        return f"S3 endpoint {os.environ.get('MLFLOW_S3_ENDPOINT_URL', 'of AWS')}"
    return f"MLflow tracking server {tracking_uri}"


def _chain_text(exc: BaseException) -> str:
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        if getattr(current, "error_code", None):
            parts.append(str(current.error_code))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def _first_line(exc: BaseException, limit: int = 300) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    line = lines[0] if lines else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _run_logged_model_uri(uri: str) -> str | None:
    """`runs:/<run_id>/<name>` when `uri` lies under an existing run's artifact folder."""
    match = _RUN_ARTIFACT.search(urlparse(uri)._replace(query="", fragment="").geturl())
    if match is None:
        return None
    run_id, path = match["run_id"], match["path"]
    try:
        from mlflow.tracking import MlflowClient

        MlflowClient().get_run(run_id)
    except Exception:  # not a run of this tracking server: keep the first error
        return None
    return f"runs:/{run_id}/{path}"
