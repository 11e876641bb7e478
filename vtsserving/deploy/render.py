"""Manifests as text: one YAML stream or a JSON `List` for stdout, or one file per object in a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import InvalidArgument

FORMATS = ("yaml", "json")


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings (kustomize patches), so the files read as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(obj: Any) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=2) + "\n"


def dump_objects(objects: list[dict[str, Any]], fmt: str = "yaml") -> str:
    """A multi-document YAML stream, or a JSON `v1/List` (both what `kubectl apply -f -` reads)."""
    if fmt == "json":
        return to_json({"apiVersion": "v1", "kind": "List", "items": objects})
    return "---\n".join(to_yaml(obj) for obj in objects)


def write_files(files: dict[str, Any], folder: str | Path) -> list[Path]:
    """Write each object to `folder/<relative path>` (JSON for `.json` names); returns the paths.

    Everything is rendered before the first file is written; existing files of the same name are
    replaced (regenerating after a new vts version is the normal use).
    """
    root = Path(folder).expanduser()
    if root.exists() and not root.is_dir():
        raise InvalidArgument(f"--output-dir {folder}: exists and is not a folder")
    texts = {root / rel: (to_json(obj) if rel.endswith(".json") else to_yaml(obj)) for rel, obj in files.items()}
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(texts)
