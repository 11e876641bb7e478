"""The layer picture (docs/hooks/diagrams.py) and page follow the import-linter contract."""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "docs" / "hooks" / "diagrams.py"
PAGE = ROOT / "docs" / "concepts" / "architecture.md"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def diagrams():
    spec = importlib.util.spec_from_file_location("docs_diagrams_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as mkdocs does: its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def contract_layers() -> list[list[str]]:
    """The layers of the real contract, each as its module names, read here independently."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = [c for c in data["tool"]["importlinter"]["contracts"]
                   if c["type"] == "layers" and c["containers"] == ["vtsserving"]]
    return [[name.strip() for name in re.split(r"[|:]", layer)] for layer in contract["layers"]]


@pytest.fixture(scope="module")
def svg(diagrams) -> ET.Element:
    return ET.fromstring(diagrams.architecture_svg(ROOT / "pyproject.toml"))


def test_the_svg_scales_to_the_page(svg: ET.Element) -> None:
    assert svg.tag == f"{SVG}svg"
    assert svg.get("width") == "100%"
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    assert width > 0 and height > 0
    for el in svg.iter():  # nothing drawn outside the viewBox
        for attr, limit in (("x", width), ("x1", width), ("x2", width), ("y", height), ("y1", height), ("y2", height)):
            if el.get(attr) is not None:
                assert 0 <= float(el.get(attr)) <= limit, (el.tag, attr, el.get(attr))
        if el.tag == f"{SVG}rect" and el.get("width"):
            assert float(el.get("x")) + float(el.get("width")) <= width
            assert float(el.get("y")) + float(el.get("height")) <= height


def test_every_module_of_every_layer_has_a_box(svg: ET.Element, contract_layers) -> None:
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "module"]
    boxes = [r.get("data-module") for r in svg.iter(f"{SVG}rect") if r.get("class") == "box"]
    expected = [name for layer in contract_layers for name in layer]
    assert labels == expected
    assert boxes == expected
    assert "frameworks" in expected and "exceptions" in expected  # the contract was read at all


def test_rows_go_top_to_bottom_in_contract_order(svg: ET.Element, contract_layers) -> None:
    y_of = {t.text: float(t.get("y")) for t in svg.iter(f"{SVG}text") if t.get("class") == "module"}
    rows = []
    for layer in contract_layers:
        ys = {y_of[name] for name in layer}
        assert len(ys) == 1, f"siblings {layer} are not side by side"
        rows.append(ys.pop())
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    # siblings left to right in contract order
    for layer in contract_layers:
        xs = [float(t.get("x")) for name in layer for t in svg.iter(f"{SVG}text")
              if t.get("class") == "module" and t.text == name]
        assert xs == sorted(xs)


def test_independent_and_mutual_siblings_are_drawn_apart(diagrams) -> None:
    assert diagrams.parse_layer("a | b") == diagrams.Layer(("a", "b"), independent=True)
    assert diagrams.parse_layer("a : b : c") == diagrams.Layer(("a", "b", "c"), independent=False)
    svg = ET.fromstring(diagrams.layers_svg([diagrams.parse_layer("x : y"), diagrams.parse_layer("z | w")]))
    groups = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "layer"]
    assert [g.get("data-kind") for g in groups] == ["mutual", "independent"]
    assert [len([r for r in g if r.get("class") == "group"]) for g in groups] == [1, 0]
    assert len([el for el in svg.iter(f"{SVG}line") if el.get("class") == "arrow"]) == 1


def test_no_contract_is_an_error(diagrams, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.importlinter]\nroot_package = "vtsserving"\n')
    with pytest.raises(ValueError, match="no import-linter `layers` contract"):
        diagrams.read_layers(tmp_path / "pyproject.toml")


def test_the_page_names_every_layer_and_shows_the_picture(diagrams, contract_layers) -> None:
    text = PAGE.read_text()
    for layer in contract_layers:
        for name in layer:
            assert f"`{name}`" in text, f"{PAGE.name} does not mention layer module `{name}`"
    image = Path(diagrams.SVG_URI).name
    assert f"]({image})" in text
    assert diagrams.SVG_URI.startswith("concepts/")  # the page's folder, so the link is relative


def test_mkdocs_runs_the_hook_and_lists_the_page() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert "docs/hooks/diagrams.py" in config["hooks"]
    (concepts,) = [item["Concepts"] for item in config["nav"] if isinstance(item, dict) and "Concepts" in item]
    assert {"Architecture": "concepts/architecture.md"} in concepts
