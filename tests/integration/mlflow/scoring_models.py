"""Save one small MLflow model of each kind the scoring tests serve, and import each into VtsServing.

    python scoring_models.py OUT_DIR     # VTSSERVING_HOME decides the store; prints a JSON {kind: path}

Run as a script, so the PythonModel classes below live in `__main__` and MLflow pickles them by
value: the servers load them without this file on their path. Every model is saved with explicit
`pip_requirements` (MLflow would otherwise infer them from every module loaded here).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec
from mlflow.types.schema import Array, Object, Property

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
REQS = ["mlflow", "scikit-learn", "pandas", "numpy"]


class Custom(mlflow.pyfunc.PythonModel):
    """Columns x (double) and name (string); `mode` says what it returns."""

    def predict(self, context, model_input, params=None):
        mode = (params or {}).get("mode", "frame")
        if mode == "frame":
            return pd.DataFrame({"x2": model_input["x"] * 2, "name": model_input["name"].str.upper()})
        if mode == "dict":
            return {"total": float(model_input["x"].sum()), "names": list(model_input["name"])}
        if mode == "list":
            return [f"{n}:{x}" for n, x in zip(model_input["name"], model_input["x"], strict=True)]
        raise ValueError(f"unknown mode {mode!r}")


class RowRatio(mlflow.pyfunc.PythonModel):
    """float32 (-1, 4) in; each row's sum over its first value (0 gives Infinity and NaN)."""

    def predict(self, context, model_input, params=None):
        with np.errstate(divide="ignore", invalid="ignore"):
            return model_input.sum(axis=1) / model_input[:, 0]


class Echo(mlflow.pyfunc.PythonModel):
    """No signature: says what type reached it, and gives the value back."""

    def predict(self, context, model_input, params=None):
        return {"type": type(model_input).__name__, "value": _plain(model_input), "params": params}


class AllTypes(mlflow.pyfunc.PythonModel):
    """Every column type: gives the table back with the dtype each column arrived as."""

    def predict(self, context, model_input, params=None):
        out = model_input.copy()
        out["dtypes"] = ",".join(str(t) for t in model_input.dtypes)
        return out


class Chat(mlflow.pyfunc.PythonModel):
    """The unified chat / completions / embeddings inputs, with temperature and max_tokens."""

    def predict(self, context, model_input, params=None):
        row = model_input.iloc[0].to_dict()
        if isinstance(row.get("messages"), list):
            text = row["messages"][-1]["content"]
            kind = "chat.completion"
        elif isinstance(row.get("prompt"), str):
            text, kind = row["prompt"], "text_completion"
        else:
            return {"object": "list", "data": [{"embedding": [float(len(s))]} for s in row.get("input") or []]}
        return {"object": kind, "choices": [{"text": text[: int(params["max_tokens"])]}],
                "temperature": params["temperature"]}


def _plain(value):
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="list")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _iris():
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    return data.data.set_axis(COLUMNS, axis=1), data.target


def save_all(out: Path) -> dict[str, str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _iris()
    paths = {kind: out / kind for kind in ("sklearn", "knn", "custom", "tensor", "echo", "alltypes", "llm")}
    lr = LogisticRegression(max_iter=500).fit(X, y)
    mlflow.sklearn.save_model(lr, paths["sklearn"], signature=infer_signature(X, lr.predict(X)),
                              input_example=X.iloc[:2], serialization_format="cloudpickle", pip_requirements=REQS)
    knn = KNeighborsClassifier(n_neighbors=3).fit(X.to_numpy(), y)
    mlflow.sklearn.save_model(knn, paths["knn"], serialization_format="cloudpickle", pip_requirements=REQS)
    custom = ModelSignature(Schema([ColSpec("double", "x"), ColSpec("string", "name")]),
                            params=ParamSchema([ParamSpec("mode", "string", "frame")]))
    _pyfunc(paths["custom"], Custom(), custom)
    _pyfunc(paths["tensor"], RowRatio(), ModelSignature(Schema([TensorSpec(np.dtype("float32"), (-1, 4))])))
    _pyfunc(paths["echo"], Echo(), None)
    types = ["boolean", "integer", "long", "float", "double", "string", "binary", "datetime"]
    names = ["b", "i", "l", "f", "d", "s", "bin", "dt"]
    _pyfunc(paths["alltypes"], AllTypes(), ModelSignature(Schema([ColSpec(t, n) for t, n in zip(types, names, strict=True)])))
    message = Object([Property("role", "string"), Property("content", "string")])
    llm = ModelSignature(
        Schema([ColSpec(Array(message), "messages", required=False), ColSpec("string", "prompt", required=False),
                ColSpec(Array("string"), "input", required=False)]),
        params=ParamSchema([ParamSpec("temperature", "double", 0.7), ParamSpec("max_tokens", "long", 16)]),
    )
    _pyfunc(paths["llm"], Chat(), llm)
    return {kind: str(path) for kind, path in paths.items()}


def _pyfunc(path: Path, model, signature) -> None:
    mlflow.pyfunc.save_model(path, python_model=model, signature=signature, pip_requirements=REQS)


if __name__ == "__main__":
    import vtsserving

    saved = save_all(Path(sys.argv[1]))
    for kind, path in saved.items():
        vtsserving.mlflow.import_model(kind, path, signatures={"predict": {"batchable": kind == "sklearn"}})
    print(json.dumps(saved))
