"""Build tests: a build context factory, small real models, and a shared wheel cache."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

SERVICE = """
import vtsserving
from vtsserving.io import NumpyNdarray

runner = vtsserving.sklearn.get("{model}").to_runner()
svc = vtsserving.Service("{name}", runners=[runner])


@svc.api(input=NumpyNdarray(dtype="float64", shape=(-1, 4), enforce_shape=True), output=NumpyNdarray())
def predict(x):
    \"\"\"Iris class per row.\"\"\"
    return runner.predict.run(x)
"""


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vts_build_cache")


@pytest.fixture(autouse=True)
def _build_cache(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One cache for the session: the vtsserving wheel is built once, not once a test."""
    monkeypatch.setenv("VTSSERVING_CACHE_DIR", str(shared_cache))
    return shared_cache


@pytest.fixture
def iris_model() -> Any:
    """A real scikit-learn iris classifier saved in this test's store."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import vtsserving

    X, y = load_iris(return_X_y=True)
    return vtsserving.sklearn.save_model("iris_clf", LogisticRegression(max_iter=300).fit(X, y))


Ctx = Callable[..., Path]


@pytest.fixture
def make_ctx(tmp_path: Path, iris_model: Any) -> Ctx:
    """Write a build context: service.py (iris runner), vtsfile.yaml and extra files."""

    def make(vtsfile: dict[str, Any] | str | None = None, files: dict[str, str] | None = None,
             service: str | None = None, name: str = "iris_svc") -> Path:
        ctx = tmp_path / "ctx"
        ctx.mkdir(exist_ok=True)
        code = service if service is not None else SERVICE.format(model=iris_model.tag, name=name)
        (ctx / "service.py").write_text(textwrap.dedent(code))
        if vtsfile is None:
            vtsfile = {"service": "service:svc"}
        text = vtsfile if isinstance(vtsfile, str) else yaml.safe_dump(vtsfile)
        (ctx / "vtsfile.yaml").write_text(text)
        for rel, content in (files or {}).items():
            (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
            (ctx / rel).write_text(content)
        return ctx

    return make


@pytest.fixture
def store_items(vts_home: Path) -> Callable[[], list[Path]]:
    """Every committed vts folder, and anything left in the store's temp folder."""

    def items() -> list[Path]:
        root = vts_home / "vts"
        if not root.is_dir():
            return []
        found = [p for p in root.glob("*/*") if p.is_dir() and not p.parent.name.startswith(".")]
        leftovers = list((root / ".tmp").iterdir()) if (root / ".tmp").is_dir() else []
        return found + leftovers

    return items
