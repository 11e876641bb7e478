"""Deferred imports (`runner/deferred.py`): a module's code runs when first used, once."""

from __future__ import annotations

import importlib
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from vtsserving.runner.deferred import defer_imports, import_now, is_deferred


class Package:
    """A throwaway package on sys.path whose modules count how often their code ran."""

    def __init__(self, root: Path) -> None:
        self.name = f"deferme_{uuid.uuid4().hex[:8]}"
        self.dir = root / self.name
        self.dir.mkdir()
        self.runs = root / f"{self.name}.runs"
        self.write("__init__", "VALUE = 42")

    def write(self, module: str, body: str) -> str:
        """`module` of the package, whose code appends its name to the runs file, then runs `body`."""
        code = f"with open({str(self.runs)!r}, 'a') as _f:\n    _f.write({module!r} + '\\n')\n{body}\n"
        (self.dir / f"{module}.py").write_text(code)
        return self.name if module == "__init__" else f"{self.name}.{module}"

    def ran(self) -> list[str]:
        return self.runs.read_text().split() if self.runs.exists() else []


@pytest.fixture
def pkg(tmp_path: Path) -> Iterator[Package]:
    package = Package(tmp_path)
    sys.path.insert(0, str(tmp_path))
    yield package
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n == package.name or n.startswith(package.name + ".")]:
        del sys.modules[name]


def test_a_deferred_module_runs_on_first_use_and_stays_imported(pkg: Package) -> None:
    with defer_imports([pkg.name]):
        module = importlib.import_module(pkg.name)
        assert is_deferred(module) and pkg.ran() == []
        assert module.__name__ == pkg.name and module.__spec__.name == pkg.name  # metadata: no run
        assert importlib.import_module(pkg.name) is module and pkg.ran() == []
        assert module.VALUE == 42
        assert pkg.ran() == ["__init__"] and not is_deferred(module)
    assert sys.modules[pkg.name] is module
    assert importlib.import_module(pkg.name).VALUE == 42 and pkg.ran() == ["__init__"]


def test_from_import_runs_the_deferred_module(pkg: Package) -> None:
    user = pkg.write("user", f"from {pkg.name} import VALUE as SEEN")
    with defer_imports([pkg.name]):
        assert importlib.import_module(user).SEEN == 42
    assert pkg.ran() == ["user", "__init__"]  # the package ran at the `from` line


def test_an_untouched_module_leaves_sys_modules_and_imports_normally_later(pkg: Package) -> None:
    holder = pkg.write("holder", "")  # a submodule: importing it needs the package's path only
    with defer_imports([pkg.name]):
        importlib.import_module(holder)
        placeholder = sys.modules[pkg.name]
        assert is_deferred(placeholder)
    assert pkg.name not in sys.modules  # a probe such as `"pandas" in sys.modules` says no
    assert pkg.ran() == ["holder"]
    real = importlib.import_module(pkg.name)
    assert real is not placeholder and real.VALUE == 42
    assert placeholder.VALUE == 42  # takes the real module's contents; its code ran once
    assert pkg.ran() == ["holder", "__init__"]


def test_a_placeholder_used_after_the_block_becomes_the_module(pkg: Package) -> None:
    with defer_imports([pkg.name]):
        placeholder = importlib.import_module(pkg.name)
    assert pkg.name not in sys.modules
    assert placeholder.VALUE == 42
    assert sys.modules[pkg.name] is placeholder and importlib.import_module(pkg.name) is placeholder
    assert pkg.ran() == ["__init__"]


def test_threads_using_a_deferred_module_at_once_run_it_once(pkg: Package) -> None:
    pkg.write("__init__", "import time\ntime.sleep(0.2)\nVALUE = 42")
    seen: list[int] = []
    with defer_imports([pkg.name]):
        module = importlib.import_module(pkg.name)
        threads = [threading.Thread(target=lambda: seen.append(module.VALUE)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert seen == [42] * 8
    assert pkg.ran() == ["__init__"]


def test_a_module_that_fails_raises_where_it_is_used_each_time(pkg: Package) -> None:
    pkg.write("__init__", "raise RuntimeError('broken on purpose')")
    with defer_imports([pkg.name]):
        module = importlib.import_module(pkg.name)
        for _ in range(2):
            with pytest.raises(RuntimeError, match="broken on purpose"):
                module.anything  # noqa: B018 - the read is the test
            assert pkg.name not in sys.modules
    assert pkg.ran() == ["__init__", "__init__"]


def test_modules_already_imported_are_left_alone_and_the_finder_always_goes() -> None:
    import json

    before = list(sys.meta_path)
    with defer_imports(["json"]):
        assert sys.meta_path == before
    with pytest.raises(KeyError), defer_imports(["never_imported_module_xyz"]):
        assert len(sys.meta_path) == len(before) + 1
        raise KeyError("left by an exception")
    assert sys.meta_path == before and sys.modules["json"] is json


def test_import_now_runs_a_placeholder_or_imports(pkg: Package) -> None:
    other = pkg.write("other", "X = 1")
    with defer_imports([pkg.name, other]):
        module = importlib.import_module(pkg.name)
        import_now(pkg.name, other)
        assert not is_deferred(module) and not is_deferred(sys.modules[other])
    assert sorted(pkg.ran()) == ["__init__", "other"]
    assert sys.modules[other].X == 1
