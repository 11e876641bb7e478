"""`vtsserving.models`: create, list, get, delete, export_model and import_model."""

from __future__ import annotations

import logging
import tarfile
from pathlib import Path

import pytest
import yaml

from vtsserving import models
from vtsserving.exceptions import ConfigError, Conflict, InvalidArgument, NotFound
from vtsserving.models import ModelContext


def _save(name: str = "iris", **kwargs: object) -> models.Model:
    with models.create(
        name, module="vtsserving.sklearn", context=ModelContext(framework_name="test"), **kwargs
    ) as model:
        Path(model.path_of("weights.bin")).write_bytes(b"w" * 100)
    return model


def test_create_writes_model_yaml_and_files(vts_home: Path) -> None:
    model = _save(labels={"team": "ml", "n": 1}, metadata={"acc": 0.9},
                  signatures={"predict": {"batchable": True, "batch_dim": 0}},
                  custom_objects={"classes": ["a", "b"]})
    assert Path(model.path).parent.parent == vts_home / "models"
    data = yaml.safe_load(Path(model.path_of("model.yaml")).read_text())
    assert data["name"] == "iris" and data["version"] == model.tag.version
    assert data["module"] == "vtsserving.sklearn" and data["labels"] == {"team": "ml", "n": "1"}
    assert data["signatures"] == {"predict": {"batchable": True, "batch_dim": 0}}
    assert data["context"]["framework_name"] == "test" and "python_version" in data["context"]
    assert data["api_version"] == "v1" and data["creation_time"]
    loaded = models.get("iris:latest")
    assert loaded == model and loaded.custom_objects == {"classes": ["a", "b"]}
    assert loaded.info.metadata == {"acc": 0.9}
    with pytest.raises(InvalidArgument, match="outside model"):
        loaded.path_of("../../etc/passwd")


def test_list_get_delete(vts_home: Path) -> None:
    first, second, other = _save(), _save(), _save("alpha")
    assert models.list() == [other, first, second]
    assert models.list("iris") == [first, second]
    assert models.get(f"iris:{first.tag.version[:12]}") == first
    assert models.delete("iris") == second.tag
    assert models.get("iris") == first
    with pytest.raises(NotFound, match=f"model iris:{second.tag.version} not found"):
        models.get(second.tag)


@pytest.mark.parametrize("name", ["../x", "A B", "a" * 64, ""])
def test_bad_names_are_rejected_before_writing(vts_home: Path, name: str) -> None:
    with pytest.raises(InvalidArgument):
        _save(name)
    with pytest.raises(InvalidArgument):
        models.get(name)
    assert not (vts_home / "models").exists() or models.list() == []


def test_unknown_tags(vts_home: Path) -> None:
    with pytest.raises(NotFound, match="model 'nope' not found"):
        models.get("nope")
    _save()
    with pytest.raises(NotFound, match="model iris:zzz not found"):
        models.get("iris:zzz")
    with pytest.raises(NotFound):
        models.delete("iris:zzz")


def test_corrupt_model_yaml(vts_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    good, bad = _save("good"), _save("bad")
    Path(bad.path_of("model.yaml")).write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"model.yaml is not valid YAML") as info:
        models.get("bad")
    assert "\n" not in str(info.value)
    Path(bad.path_of("model.yaml")).write_text("name: bad\nversion: v\n")
    with pytest.raises(ConfigError, match=r"model.yaml: module: required key is missing"):
        models.get("bad")
    with caplog.at_level(logging.WARNING):
        assert models.list() == [good]
    assert "skipping model bad" in caplog.text


def test_get_for_module_refuses_other_frameworks() -> None:
    model = _save()
    assert models.get_for_module("iris", "vtsserving.sklearn") == model
    with pytest.raises(InvalidArgument, match="saved by 'vtsserving.sklearn', not 'vtsserving.pytorch'"):
        models.get_for_module(model, "vtsserving.pytorch")


def test_export_and_import_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _save(labels={"k": "v"})
    monkeypatch.chdir(tmp_path)
    path = models.export_model("iris")
    assert path == str(tmp_path / f"iris-{model.tag.version}.tar.gz")
    with tarfile.open(path) as tar:
        assert sorted(tar.getnames()) == ["model.yaml", "weights.bin"]
    with pytest.raises(Conflict, match="already exists"):
        models.import_model(path)
    models.delete(model.tag)
    imported = models.import_model(path)
    assert imported.tag == model.tag and imported.info.labels == {"k": "v"}
    assert Path(imported.path_of("weights.bin")).read_bytes() == b"w" * 100
    assert models.import_model(path, overwrite=True).tag == model.tag
    with pytest.raises(NotFound):
        models.export_model("missing")


def test_import_rejects_invalid_model_yaml(tmp_path: Path, vts_home: Path) -> None:
    archive = tmp_path / "bad.tar.gz"
    yaml_file = tmp_path / "model.yaml"
    yaml_file.write_text("name: m\nversion: v1\nmodule: vtsserving.sklearn\n")  # no context
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(yaml_file, arcname="model.yaml")
    with pytest.raises(ConfigError, match=r"bad.tar.gz!model.yaml: context: required key is missing"):
        models.import_model(str(archive))
    assert models.list() == [] and not (vts_home / "models" / "m").exists()
