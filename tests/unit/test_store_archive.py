"""Archive export/import: round trips and the rejection of unsafe or broken archives."""

from __future__ import annotations

import importlib
import io
import os
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtsserving.exceptions import Conflict, InvalidArgument, MissingDependency, NotFound
from vtsserving.store import Store, export_archive, import_archive
from vtsserving.store.archive import archive_name

INFO = {"name": "m", "version": "v1"}


def _store(root: Path) -> Store:
    return Store(root / "store", "item", "item.yaml")


def _tar(path: Path, members: list[tuple[str, str, bytes]], mode: str = "w:gz") -> Path:
    """Write an archive of (name, type, data) members; type is a tarfile type name."""
    with tarfile.open(path, mode) as tar:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.type = getattr(tarfile, kind)
            if kind in ("SYMTYPE", "LNKTYPE"):
                info.linkname = data.decode()
                data = b""
            info.size = len(data) if kind == "REGTYPE" else 0
            tar.addfile(info, io.BytesIO(data) if kind == "REGTYPE" else None)
    return path


def _good(extra: list[tuple[str, str, bytes]] | None = None) -> list[tuple[str, str, bytes]]:
    return [("item.yaml", "REGTYPE", yaml.safe_dump(INFO).encode()), *(extra or [])]


def _visible(store: Store) -> list[str]:
    root = store.root
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".tmp" not in p.parts)


def test_export_then_import_round_trip(tmp_path: Path) -> None:
    src = _store(tmp_path / "a")
    with src.create("m:v1") as (_, work):
        (work / "item.yaml").write_text(yaml.safe_dump(INFO))
        (work / "sub").mkdir()
        (work / "sub" / "data.bin").write_bytes(b"\x00\x01" * 1000)
    item = src.get("m:v1")
    out = tmp_path / "out"
    out.mkdir()
    written = export_archive(item.path, str(out))
    assert written == str(out / "m-v1.tar.gz") == str(out / archive_name(item.path))
    explicit = export_archive(item.path, str(tmp_path / "named.tgz"))
    assert Path(explicit).is_file() and sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    dst = _store(tmp_path / "b")
    imported = import_archive(dst, written)
    assert imported.tag == item.tag
    assert (imported.path / "sub" / "data.bin").read_bytes() == b"\x00\x01" * 1000
    with pytest.raises(Conflict, match="m:v1 already exists"):
        import_archive(dst, explicit)
    (imported.path / "sub" / "data.bin").write_bytes(b"changed")
    again = import_archive(dst, explicit, overwrite=True)
    assert (again.path / "sub" / "data.bin").read_bytes() == b"\x00\x01" * 1000
    assert [i.tag for i in dst.list()] == [item.tag]


def test_export_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="not a stored item"):
        export_archive(tmp_path / "missing", str(tmp_path))
    item = tmp_path / "m" / "v1"
    item.mkdir(parents=True)
    with pytest.raises(NotFound, match="does not exist"):
        export_archive(item, str(tmp_path / "no" / "such" / "x.tar.gz"))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (_good([("/etc/evil", "REGTYPE", b"x")]), "absolute path"),
        (_good([("../evil", "REGTYPE", b"x")]), "contains '..'"),
        (_good([("a/../../evil", "REGTYPE", b"x")]), "contains '..'"),
        (_good([("link", "SYMTYPE", b"/etc/passwd")]), "is a link"),
        (_good([("hard", "LNKTYPE", b"item.yaml")]), "is a link"),
        (_good([("dev", "CHRTYPE", b"")]), "device or special file"),
        (_good([("fifo", "FIFOTYPE", b"")]), "device or special file"),
        ([("data", "REGTYPE", b"x")], "has no item.yaml at its root"),
        ([("sub/item.yaml", "REGTYPE", yaml.safe_dump(INFO).encode())], "has no item.yaml"),
        ([("item.yaml", "REGTYPE", b"name: [unclosed")], "not valid YAML"),
        ([("item.yaml", "REGTYPE", b"- a list")], "must hold a mapping"),
        ([("item.yaml", "REGTYPE", b"name: m")], "'name' and 'version'"),
        ([("item.yaml", "REGTYPE", b"name: ../x\nversion: v1")], "name '../x' is invalid"),
    ],
)
def test_unsafe_or_invalid_archives_write_nothing(
    tmp_path: Path, members: list[tuple[str, str, bytes]], message: str
) -> None:
    archive = _tar(tmp_path / "bad.tar.gz", members)
    store = _store(tmp_path)
    with pytest.raises(InvalidArgument, match=message) as info:
        import_archive(store, str(archive))
    assert "\n" not in str(info.value)
    assert _visible(store) == [] and not store.root.exists()


def test_unreadable_archives(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive at all")
    with pytest.raises(InvalidArgument, match="not a readable .tar.gz archive"):
        import_archive(store, str(tmp_path / "junk.tar.gz"))
    good = _tar(tmp_path / "good.tar.gz", _good([("blob", "REGTYPE", os.urandom(100_000))]))
    (tmp_path / "cut.tar.gz").write_bytes(good.read_bytes()[:50_000])
    with pytest.raises(InvalidArgument, match="not a readable .tar.gz archive"):
        import_archive(store, str(tmp_path / "cut.tar.gz"))
    with pytest.raises(NotFound, match="not found"):
        import_archive(store, str(tmp_path / "nothing.tar.gz"))
    with pytest.raises(NotFound, match="not found"):
        import_archive(store, str(tmp_path))
    assert _visible(store) == []
    plain = _tar(tmp_path / "plain.tar", _good(), mode="w")  # an uncompressed tar is fine too
    assert import_archive(store, str(plain)).tag.version == "v1"


def test_missing_fsspec_backend_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = importlib.import_module("fsspec.registry")
    monkeypatch.delitem(registry._registry, "s3", raising=False)
    monkeypatch.setitem(sys.modules, "s3fs", None)  # as if s3fs were not installed
    with pytest.raises(MissingDependency, match=r"pip install 'vtsserving\[s3\]'"):
        import_archive(_store(tmp_path), "s3://bucket/m-v1.tar.gz")
    with pytest.raises(MissingDependency, match=r"pip install 'vtsserving\[s3\]'"):
        export_archive(tmp_path, "s3://bucket/")


_NAMES = st.lists(
    st.sampled_from(["a", "b", "..", ".", "", "item.yaml", "/", "c.txt", "~"]), min_size=1, max_size=4
).map("/".join)
_KINDS = st.sampled_from(["REGTYPE", "REGTYPE", "DIRTYPE", "SYMTYPE", "LNKTYPE", "FIFOTYPE"])


def _absolute(name: str, kind: str) -> bool:
    """An absolute member name; a folder named only by slashes is the archive root itself
    (tarfile reads it back as an empty name), which writes nothing."""
    return name.startswith("/") and not (kind == "DIRTYPE" and not name.strip("/"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.lists(st.tuples(_NAMES, _KINDS, st.binary(max_size=20)), max_size=5))
def test_import_property_safe_or_nothing(tmp_path: Path, members: list[tuple[str, str, bytes]]) -> None:
    """Any archive either imports wholly inside its folder or fails writing nothing."""
    case = Path(tempfile.mkdtemp(dir=tmp_path))  # hypothesis may replay the same example
    members = [(n, k, d if k != "SYMTYPE" and k != "LNKTYPE" else b"target") for n, k, d in members]
    archive = _tar(case / "x.tar.gz", _good(members))
    store = _store(case)
    unsafe = any(
        _absolute(n, k) or ".." in n.split("/") or k not in ("REGTYPE", "DIRTYPE") for n, k, _ in members
    )
    try:
        item = import_archive(store, str(archive))
    except (InvalidArgument, Conflict) as exc:
        assert "\n" not in str(exc)
        assert _visible(store) == []
        return
    assert not unsafe, f"unsafe archive accepted: {members}"
    root = item.path.resolve()
    for path in store.root.rglob("*"):
        assert not path.is_symlink()
        resolved = path.resolve()
        assert resolved == store.root.resolve() or store.root.resolve() in resolved.parents
    assert (root / "item.yaml").is_file()


def test_export_refuses_links_leaving_the_item(tmp_path: Path) -> None:
    item = tmp_path / "store" / "m" / "v1"
    item.mkdir(parents=True)
    (item / "item.yaml").write_text(yaml.safe_dump(INFO))
    (item / "inside").symlink_to(item / "item.yaml")
    archive = export_archive(item, str(tmp_path / "ok.tar.gz"))
    with tarfile.open(archive) as tar:
        assert tar.getmember("inside").isfile()  # links inside the item are stored as files
    (item / "secret").symlink_to("/etc/hostname")
    with pytest.raises(InvalidArgument, match="links outside"):
        export_archive(item, str(tmp_path / "bad.tar.gz"))
    assert not (tmp_path / "bad.tar.gz").exists()


def test_export_destinations(tmp_path: Path) -> None:
    item = tmp_path / "store" / "m" / "v1"
    item.mkdir(parents=True)
    (item / "item.yaml").write_text(yaml.safe_dump(INFO))
    with pytest.raises(NotFound, match="does not exist"):
        export_archive(item, str(tmp_path / "missing") + "/")  # a folder that is not there
    url = export_archive(item, f"file://{tmp_path}/")
    assert url == str(tmp_path / "m-v1.tar.gz")
    assert import_archive(_store(tmp_path / "other"), f"file://{url}").tag.version == "v1"


# -- limits: an archive cannot fill the disk, the inode table or memory ----------------------
def _zeros(path: Path, size: int, files: int = 1) -> Path:
    """A gzip archive whose members are runs of zeros: tiny on disk, large unpacked."""
    with tarfile.open(path, "w:gz") as tar:
        data = yaml.safe_dump(INFO).encode()
        info = tarfile.TarInfo("item.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for i in range(files):
            info = tarfile.TarInfo(f"blob-{i}")
            info.size = size
            tar.addfile(info, io.BytesIO(b"\0" * size))
    return path


@pytest.mark.parametrize(
    ("size", "files", "limits", "expected"),
    [
        (8 << 20, 1, {"max_member_size": 1 << 20}, "member 'blob-0' unpacks to 0.0 GB, over"),
        (1 << 20, 4, {"max_size": 3 << 20}, "unpacks to more than"),
        (1, 50, {"max_files": 20}, "more than 20 files and folders (raise the limit with --max-files)"),
    ],
)
def test_archives_past_a_limit_are_refused_before_anything_is_written(
    tmp_path: Path, size: int, files: int, limits: dict[str, int], expected: str
) -> None:
    from vtsserving.store import ArchiveLimits

    archive = _zeros(tmp_path / "bomb.tar.gz", size, files)
    assert archive.stat().st_size < size * files or files > 1  # the compressed file is small
    store = _store(tmp_path)
    with pytest.raises(InvalidArgument, match=expected.replace("(", r"\(").replace(")", r"\)")) as info:
        import_archive(store, str(archive), limits=ArchiveLimits(**limits))
    assert "\n" not in str(info.value)
    assert not store.root.exists() or not any(store.root.rglob("*"))  # not even a scratch folder
    assert import_archive(store, str(archive)).tag.version == "v1"  # the defaults let it in


def test_an_archive_larger_than_the_free_disk_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failure injection: a real disk cannot be filled safely, so the free space is faked."""
    import shutil
    from collections import namedtuple

    archive = _zeros(tmp_path / "big.tar.gz", 4 << 20)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 2 << 20, 2 << 20))
    store = _store(tmp_path)
    with pytest.raises(InvalidArgument, match=r"unpacks to 0.0 GB; .* has 0.0 GB free"):
        import_archive(store, str(archive))
    assert _visible(store) == []


def test_yaml_aliases_in_an_archived_info_file_are_refused(tmp_path: Path) -> None:
    bomb = "name: m\nversion: v1\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    archive = _tar(tmp_path / "alias.tar.gz", [("item.yaml", "REGTYPE", bomb.encode())])
    store = _store(tmp_path)
    with pytest.raises(InvalidArgument, match=r"item.yaml \(line 4\) uses the YAML alias \*a"):
        import_archive(store, str(archive))
    assert _visible(store) == []


def test_a_zip_bomb_is_refused_by_its_ratio() -> None:
    """4 MB that unpack to 4 GiB (measured on the old code): the sizes come from tar headers."""
    from vtsserving.store.archive import ArchiveLimits, _check_ratio

    members = {"blob": tarfile.TarInfo("blob")}
    members["blob"].size = 4 << 30
    with pytest.raises(InvalidArgument, match=r"unpacks to 4.3 GB, 1024 times its size \(raise the limit with --max-ratio\)"):
        _check_ratio(members, 4 << 20, "bomb.tar.gz", ArchiveLimits())
    _check_ratio(members, 4 << 20, "bomb.tar.gz", ArchiveLimits(max_ratio=2000))  # raised: accepted
    members["blob"].size = 900 << 20  # under 1 GiB: small archives are never judged by their ratio
    _check_ratio(members, 1 << 20, "small.tar.gz", ArchiveLimits())
