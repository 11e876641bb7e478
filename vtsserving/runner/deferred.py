"""Defer imports that loading a model makes but serving it does not use.

scikit-learn 1.9 imports pandas (`sklearn.utils.fixes`) and, through SciPy's array-API shim,
`numpy.f2py` and `numpy.testing` before it can unpickle an estimator: about 0.3 s of a 2 s
container start, for modules an estimator fed arrays never touches. Inside `defer_imports`, an
import of one of the named modules binds a placeholder module that runs the real module the
first time anything reads from it (`from pandas import DataFrame`, `pd.DataFrame`), so code that
uses it still gets it, a moment later. On leaving the block, placeholders nobody touched are taken
out of `sys.modules`: a probe such as scikit-learn's `"pandas" in sys.modules` then answers no, and
a later `import pandas` imports it as usual (a placeholder touched after that takes its contents).

Unlike `importlib.util.LazyLoader` (Python 3.11), reading the metadata the import system itself
reads (`__spec__`, `__path__`, ...) does not load the module, so `import pandas` statements in
other modules do not defeat the deferral.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

# What the import system and module introspection read without wanting the module's contents.
_METADATA = frozenset(
    {"__spec__", "__name__", "__path__", "__loader__", "__package__", "__file__", "__cached__",
     "__class__", "__dict__"}
)
_LOCK = threading.RLock()  # one module runs at a time; re-entered by the module's own imports
_loading: set[int] = set()


class _DeferredModule(ModuleType):
    """A module whose code has not run yet: any read of its contents runs it first."""

    def __getattribute__(self, attr: str) -> Any:
        if attr not in _METADATA:
            with _LOCK:
                if type(self) is _DeferredModule and id(self) not in _loading:
                    _run(self)
        return ModuleType.__getattribute__(self, attr)


class _DeferredLoader(importlib.abc.Loader):
    """Creates the module as the real loader would and leaves its code for later."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__class__ = _DeferredModule


class _DeferringFinder(importlib.abc.MetaPathFinder):
    """Finds the named modules as the path finder does, with the deferring loader."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _DeferredLoader(spec.loader)
        return spec


def _run(module: ModuleType) -> None:
    """Run a deferred module's code in it, or give it the contents of the module imported since."""
    spec = module.__spec__
    name = spec.name
    current = sys.modules.get(name)
    _loading.add(id(module))
    try:
        if current is not None and current is not module:
            module.__dict__.update(current.__dict__)
        else:
            loader = spec.loader.real if isinstance(spec.loader, _DeferredLoader) else spec.loader
            spec.loader = loader
            module.__dict__["__loader__"] = loader
            sys.modules[name] = module
            try:
                loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
        module.__class__ = ModuleType
    finally:
        _loading.discard(id(module))


def is_deferred(module: object) -> bool:
    """Whether `module` is a placeholder whose code has not run yet."""
    return type(module) is _DeferredModule


@contextlib.contextmanager
def defer_imports(names: Iterable[str]) -> Iterator[None]:
    """Within the block, importing one of `names` (not yet imported) defers running it."""
    names = [name for name in names if name not in sys.modules]
    if not names:
        yield
        return
    finder = _DeferringFinder(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        for name in names:
            if is_deferred(sys.modules.get(name)):
                del sys.modules[name]


def import_now(*names: str) -> None:
    """Import `names` for real, running the code of any deferred placeholder of them."""
    for name in names:
        module = sys.modules.get(name) or importlib.import_module(name)
        with _LOCK:
            if is_deferred(module) and id(module) not in _loading:
                _run(module)
