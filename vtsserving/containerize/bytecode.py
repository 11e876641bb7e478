"""The modules a serving process imports, listed without running user code, for byte-code.

The image's builder stage imports these names (failures ignored) and compiles the files of every
module then loaded from the venv: byte-code for what the server imports, sources alone for the
rest (compiled in memory if ever imported). The list is written into the vts as
`env/python/serving-modules.txt`. It depends on VtsServing's serving stack and the models (their
framework, and the classes their pickles name), never on the service code, so a code-only change
keeps the dependency layer. `docker.bytecode: all` compiles every module instead.
"""

from __future__ import annotations

import json
import pickletools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SERVING_MODULES_FILE = "serving-modules.txt"
MAX_PICKLE_BYTES = 512 * 1024**2  # larger pickles: only their framework's modules (reading them costs memory)

# What `vtsserving serve` imports from its dependencies, up to its first answers: the CLI, the
# HTTP stack (uvicorn's protocol, loop and lifespan modules are imported by name when it starts),
# the IO descriptors. tests/unit/test_containerize_bytecode.py checks it covers what VtsServing
# imports; tests/e2e check that a started image has byte-code for every module it loaded.
SERVING_STACK = (
    "click", "rich.console", "rich.live", "rich.progress", "rich.table",
    "yaml", "packaging.markers", "packaging.requirements",
    "packaging.specifiers", "packaging.tags", "packaging.utils", "packaging.version",
    "pydantic", "pydantic.main", "pydantic.fields", "pydantic.type_adapter",
    "pydantic.functional_validators", "pydantic.plugin._loader",
    "pydantic._internal._model_construction", "pydantic._internal._generate_schema",
    "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection",
    "uvicorn", "uvicorn.main", "uvicorn.config", "uvicorn.server", "uvicorn.supervisors",
    "uvicorn.protocols.http.auto", "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.http.h11_impl", "uvicorn.protocols.websockets.auto", "uvicorn.lifespan.on",
    "uvicorn.loops.auto", "uvicorn.loops.uvloop", "uvicorn.loops.asyncio", "httptools", "uvloop",
    "h11", "anyio", "anyio._backends._asyncio", "anyio.to_thread", "anyio.from_thread",
    "anyio.streams.memory", "sniffio", "starlette.applications", "starlette.background",
    "starlette.concurrency", "starlette.formparsers", "starlette.middleware.errors",
    "starlette.middleware.exceptions", "starlette.requests", "starlette.responses",
    "starlette.routing", "starlette.staticfiles", "python_multipart", "multipart",
    "prometheus_client", "prometheus_client.multiprocess", "orjson", "charset_normalizer", "swagger_ui_bundle",
    "numpy", "pandas", "cloudpickle",
)
# What an MLflow model may need beyond its own library: MLflow's pyfunc (a model not loaded
# natively, or a request only MLflow's parsers read) and the scoring protocol's pieces.
MLFLOW_MODULES = (
    "mlflow.pyfunc", "mlflow.pyfunc.scoring_server", "mlflow.models", "mlflow.exceptions",
    "mlflow.protos.databricks_pb2", "mlflow.version",
)
FRAMEWORK_MODULES = {
    "vtsserving.mlflow": MLFLOW_MODULES,
    "vtsserving.sklearn": ("joblib", "sklearn"),
    "vtsserving.pytorch": ("torch",),
}
# What a library imports only when it first predicts (scikit-learn reads DataFrames through
# narwhals) or explains a refused input (MLflow prints the DataFrame), by the top-level package
# of a module the model names.
LAZY_MODULES = {
    "sklearn": ("narwhals._pandas_like.namespace", "narwhals._pandas_like.dataframe",
                "narwhals._interchange.dataframe", "narwhals.stable.v2._namespace"),
    "mlflow": ("pandas.io.formats.string",),
}
FORMAT_MODULES = {"skops": ("skops.io",), "cloudpickle": ("cloudpickle",), "pickle": ()}
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".cloudpickle")
_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING",
                         "BINSTRING", "SHORT_BINSTRING"})


def pickle_modules(path: Path) -> set[str]:
    """Modules a pickle's GLOBAL/STACK_GLOBAL opcodes name, read with pickletools (nothing is
    unpickled); a stream that stops being a pickle (joblib's raw arrays) ends the scan."""
    found: set[str] = set()
    try:
        with open(path, "rb") as f:
            for name in _globals(f):
                found.add(name)
    except Exception:  # noqa: BLE001 - not (or no longer) a pickle: keep what was read
        pass
    return found


def _globals(stream: Any) -> Iterator[str]:
    pushed: list[Any] = []
    memo: dict[int, Any] = {}
    for op, arg, _ in pickletools.genops(stream):
        name = op.name
        if name == "GLOBAL" or name == "INST":
            yield str(arg).split(" ", 1)[0]
        elif name == "STACK_GLOBAL" and len(pushed) >= 2 and isinstance(pushed[-2], str):
            yield pushed[-2]
        if name in _STRING_OPS:
            pushed.append(arg)
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            pushed.append(memo.get(int(arg)))
        elif name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[int(arg)] = pushed[-1] if pushed else None
        elif name != "FRAME":
            pushed.append(None)
        del pushed[:-2]


def skops_modules(path: Path) -> set[str]:
    """Modules the `__module__` fields of a skops file's schema.json name (nothing is loaded)."""
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return set()
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("__module__"), str):
                found.add(node["__module__"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _mlflow_modules(folder: Path) -> set[str]:
    """An MLflow model's loader module and what its saved model file names."""
    flavors = _read_yaml(folder / "MLmodel").get("flavors") or {}
    found: set[str] = set()
    loader = (flavors.get("python_function") or {}).get("loader_module")
    if isinstance(loader, str):
        found.add(loader)
    sk = flavors.get("sklearn") or {}
    fmt, pickled = sk.get("serialization_format", "pickle"), sk.get("pickled_model")
    found.update(FORMAT_MODULES.get(fmt, ()))
    if fmt == "skops" and isinstance(pickled, str):
        found |= skops_modules(folder / pickled)
    return found


def model_modules(model_dir: Path) -> set[str]:
    """What loading one model (a store layout folder) imports, found without loading it."""
    module = _read_yaml(model_dir / "model.yaml").get("module")
    found = set(FRAMEWORK_MODULES.get(module, ())) if isinstance(module, str) else set()
    if (model_dir / "mlflow_model" / "MLmodel").is_file():
        found |= _mlflow_modules(model_dir / "mlflow_model")
    for path in sorted(model_dir.rglob("*")):
        if path.suffix in _PICKLE_SUFFIXES and path.is_file() and path.stat().st_size <= MAX_PICKLE_BYTES:
            found |= pickle_modules(path)
    return found


def serving_modules(vts_dir: Path) -> list[str]:
    """The serving stack plus what each model of the vts needs, sorted (a stable layer input)."""
    names = set(SERVING_STACK)
    models = Path(vts_dir) / "models"
    for model_yaml in sorted(models.glob("*/*/model.yaml")) if models.is_dir() else []:
        names |= model_modules(model_yaml.parent)
    for top in {n.split(".")[0] for n in names} & LAZY_MODULES.keys():
        names.update(LAZY_MODULES[top])
    return sorted(n for n in names if n and all(part.isidentifier() for part in n.split(".")))


def write_serving_modules(vts_dir: Path) -> Path:
    """Write env/python/serving-modules.txt, one module name a line."""
    path = Path(vts_dir) / "env" / "python" / SERVING_MODULES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}\n" for name in serving_modules(vts_dir)))
    return path
