"""The versioned store: list/get/delete, prefixes, latest, atomic and concurrent saves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtsserving.exceptions import Conflict, InvalidArgument, NotFound
from vtsserving.store import Store, info_scalars
from vtsserving.tag import Tag

INFO = "item.yaml"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "items", "item", INFO)


def _save(store: Store, tag: str, created: str | None = None, **files: str) -> Tag:
    with store.create(tag) as (resolved, work):
        info = {"name": resolved.name, "version": resolved.version}
        if created:
            info["creation_time"] = created
        (work / INFO).write_text(yaml.safe_dump(info))
        for name, text in files.items():
            (work / name).write_text(text)
    return resolved


def _visible(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".tmp" not in p.parts)


def test_create_list_get(store: Store) -> None:
    first = _save(store, "iris", "2024-01-01T00:00:00+00:00", data="1")
    second = _save(store, "iris", "2024-01-02T00:00:00+00:00", data="2")
    other = _save(store, "alpha:v1")
    assert [i.tag for i in store.list()] == [other, first, second]
    assert [i.tag for i in store.list("iris")] == [first, second]
    assert store.get("iris").tag == second == store.get("iris:latest").tag
    assert (store.get(first).path / "data").read_text() == "1"
    assert (store.root / "iris" / "latest").read_text().strip() == second.version
    assert store.exists("alpha:v1") and not store.exists("alpha:v2")


def test_version_prefix_resolves_and_ambiguity_is_an_error(store: Store) -> None:
    for version in ("abc1", "abc2", "xyz9"):
        _save(store, f"m:{version}")
    assert store.get("m:xy").tag == Tag("m", "xyz9")
    assert store.get("m:abc1").tag == Tag("m", "abc1")
    with pytest.raises(InvalidArgument, match=r"prefix m:abc is ambiguous: m:abc1, m:abc2"):
        store.get("m:abc")
    with pytest.raises(NotFound, match="item m:q not found"):
        store.get("m:q")
    with pytest.raises(NotFound, match="item 'nope' not found"):
        store.get("nope")


def test_delete_moves_latest_and_removes_empty_names(store: Store) -> None:
    old = _save(store, "m", "2024-01-01T00:00:00+00:00")
    new = _save(store, "m", "2024-02-01T00:00:00+00:00")
    assert store.delete("m").tag == new
    assert store.get("m").tag == old
    assert (store.root / "m" / "latest").read_text().strip() == old.version
    store.delete(old)
    assert store.list() == [] and not (store.root / "m").exists()
    with pytest.raises(NotFound):
        store.delete("m")


def test_failed_save_leaves_nothing_and_conflict_needs_overwrite(store: Store) -> None:
    with pytest.raises(RuntimeError), store.create("m:v1") as (_, work):
        (work / "half").write_text("x")
        raise RuntimeError("boom")
    assert store.list() == [] and _visible(store.root) == []
    _save(store, "m:v1", data="old")
    with pytest.raises(Conflict, match="m:v1 already exists"):
        _save(store, "m:v1", data="new")
    with store.create("m:v1", overwrite=True) as (tag, work):
        (work / INFO).write_text(yaml.safe_dump({"name": "m", "version": "v1"}))
        (work / "data").write_text("new")
    assert (store.get("m:v1").path / "data").read_text() == "new"
    assert [i.tag for i in store.list()] == [Tag("m", "v1")]


@pytest.mark.parametrize("name", ["../x", "A B", "a" * 64, ""])
def test_bad_names_write_nothing(store: Store, name: str) -> None:
    with pytest.raises(InvalidArgument), store.create(name):
        pytest.fail("create must refuse the name first")
    with pytest.raises(InvalidArgument):
        store.list(name) if name else store.get(name)
    assert not store.root.exists()


_SAVER = textwrap.dedent(
    """
    import sys, time
    from vtsserving.models import ModelContext, create

    name, count, size, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    print("ready", flush=True)
    for _ in range(count):
        with create(name, module="vtsserving.sklearn",
                    context=ModelContext(framework_name="test")) as model:
            with open(model.path_of("blob"), "wb") as f:
                for _ in range(size):
                    f.write(b"x" * 65536)
                    f.flush()
            if pause:
                print("inside", flush=True)
                time.sleep(pause)
        print(model.tag, flush=True)  # after the block: committed
    """
)


def _spawn(
    tmp_path: Path, name: str, count: int, size: int, pause: float = 0
) -> subprocess.Popen[str]:
    script = tmp_path / "saver.py"
    if not script.exists():  # rewriting it could truncate the file under an interpreter still reading it
        script.write_text(_SAVER)
    return subprocess.Popen(
        [sys.executable, str(script), name, str(count), str(size), str(pause)],
        stdout=subprocess.PIPE,
        text=True,
    )


def _check_complete(size: int) -> list[Tag]:
    from vtsserving import models

    tags = []
    for model in models.list():
        assert os.path.getsize(model.path_of("blob")) == size * 65536
        tags.append(model.tag)
    return tags


def test_kill_9_mid_save_leaves_nothing_visible(tmp_path: Path, vts_home: Path) -> None:
    proc = _spawn(tmp_path, "big", 1, 16, pause=60)
    assert proc.stdout.readline().strip() == "ready"
    assert proc.stdout.readline().strip() == "inside"  # files written, not yet committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    from vtsserving import models

    assert models.list() == []
    assert _visible(vts_home / "models") in ([], ["big", "big/.lock"])
    with pytest.raises(NotFound):
        models.get("big")


def _scratch(root: Path) -> list[str]:
    tmp = root / ".tmp"
    return sorted(p.name for p in tmp.iterdir() if p.is_dir()) if tmp.is_dir() else []


def test_a_killed_writers_leftovers_go_at_the_next_store_operation(tmp_path: Path, vts_home: Path) -> None:
    from vtsserving import models

    root = vts_home / "models"
    proc = _spawn(tmp_path, "big", 1, 16, pause=60)
    assert proc.stdout.readline().strip() == "ready"
    assert proc.stdout.readline().strip() == "inside"
    assert models.model_store().sweep() == []  # a live writer's folder is never swept
    assert len(_scratch(root)) == 1
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(_scratch(root)) == 1  # the partial files are still on disk ...
    saver = _spawn(tmp_path, "small", 1, 1)  # ... until the next save, which sweeps them
    assert saver.stdout.readline().strip() == "ready"
    assert saver.wait(timeout=60) == 0
    assert _scratch(root) == [] and not list((root / ".tmp").glob("*.lock"))
    assert [str(m.tag.name) for m in models.list()] == ["small"]


def test_kill_9_during_repeated_saves_keeps_only_complete_models(tmp_path: Path) -> None:
    proc = _spawn(tmp_path, "loop", 10_000, 4)
    assert proc.stdout.readline().strip() == "ready"
    reported = [proc.stdout.readline().strip() for _ in range(5)]  # kill it mid-way after 5
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    tags = _check_complete(4)
    assert set(reported) <= {str(t) for t in tags}, (reported, tags)
    from vtsserving import models

    assert models.get("loop").tag == tags[-1]


@pytest.mark.slow
def test_concurrent_saves_of_one_name_each_get_a_version(tmp_path: Path) -> None:
    procs = [_spawn(tmp_path, "shared", 5, 1) for _ in range(4)]
    reported: list[str] = []
    outs: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        outs.append(out)
        reported.extend(out.split()[1:])
    assert len(reported) == len(set(reported)) == 20, outs  # each saver's output, to tell which one
    tags = _check_complete(1)
    assert sorted(str(t) for t in tags) == sorted(reported)
    from vtsserving import models

    assert models.get("shared").tag == tags[-1]


def test_crash_between_latest_and_rename_keeps_latest_correct(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _save(store, "m:v1", "2024-01-01T00:00:00+00:00")
    real_rename = os.rename

    def crash(src: object, dst: object) -> None:
        if str(dst).endswith("v2"):
            raise OSError("simulated crash before the rename")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(OSError, match="simulated crash"):
        _save(store, "m:v2", "2024-02-01T00:00:00+00:00")
    assert store.get("m").tag == old and [i.tag for i in store.list()] == [old]


_KEYS = st.from_regex(r"\A[a-z_][a-z0-9_]{0,10}\Z")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(_KEYS, st.one_of(st.text(max_size=40), st.text(alphabet="ab '#:\n", max_size=120)), max_size=6))
def test_fast_info_scan_agrees_with_yaml(tmp_path: Path, data: dict[str, str]) -> None:
    """The listing's scan never returns a value that a real YAML parse would not."""
    path = tmp_path / f"info-{abs(hash(repr(data)))}.yaml"
    path.write_text(yaml.safe_dump({"nested": {"module": "not top level"}, **data}, sort_keys=False))
    parsed = yaml.safe_load(path.read_text())
    scanned = info_scalars(path)
    assert scanned is not None
    if "module" not in data:
        assert "module" not in scanned  # the nested one is not top level
    for key, value in scanned.items():
        if isinstance(parsed[key], str):
            assert parsed[key] == value, (key, value, parsed[key])
