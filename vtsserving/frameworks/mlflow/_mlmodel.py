"""Read and check an `MLmodel` file: the facts VtsServing records about an MLflow model."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import yaml

from ...exceptions import InvalidArgument
from ._uri import MLMODEL

PYFUNC = "python_function"


def read_mlmodel(folder: Path, uri: str) -> dict[str, Any]:
    """The MLflow facts of the model in `folder`; refuses one without `python_function`."""
    data = _load(folder / MLMODEL, uri)
    flavors = data.get("flavors")
    if not isinstance(flavors, dict) or PYFUNC not in flavors:
        found = ", ".join(sorted(flavors)) if isinstance(flavors, dict) else "none"
        raise InvalidArgument(
            f"MLflow model {uri!r} has no {PYFUNC} flavor (flavors: {found}):"
            " VtsServing serves MLflow models through pyfunc"
        )
    pyfunc = flavors[PYFUNC] or {}
    return {
        "uri": uri,
        "flavors": flavors,
        "run_id": data.get("run_id"),
        "model_uuid": data.get("model_uuid"),
        "model_id": data.get("model_id"),
        "artifact_path": data.get("artifact_path"),
        "utc_time_created": _str_or_none(data.get("utc_time_created")),
        "mlflow_version": data.get("mlflow_version"),
        "signature": _signature(data.get("signature")),
        "loader_module": pyfunc.get("loader_module"),
        "env": read_env(pyfunc.get("env")),
        "requirements_txt": "requirements.txt" if (folder / "requirements.txt").is_file() else None,
    }


def _load(file: Path, uri: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text())
    except FileNotFoundError:
        raise InvalidArgument(f"{uri!r} is not an MLflow model: it has no {MLMODEL} file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"{MLMODEL} of {uri!r} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidArgument(f"{MLMODEL} of {uri!r} must hold a mapping")
    return data


def read_env(env: Any) -> dict[str, str]:
    """pyfunc `env`: a path to conda.yaml before MLflow 2.0, `{conda, virtualenv}` after."""
    if isinstance(env, str):
        return {"conda": env}
    if isinstance(env, dict):
        return {k: str(v) for k, v in env.items() if k in ("conda", "virtualenv") and v}
    return {}


def _signature(raw: Any) -> dict[str, Any] | None:
    """The MLmodel signature with its JSON strings parsed, so model.yaml stays readable."""
    if not isinstance(raw, dict):
        return None
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
