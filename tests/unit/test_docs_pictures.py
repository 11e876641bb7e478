"""The pictures drawn at docs build time (docs/hooks/pictures.py) follow the code and are linked.

Rendering itself (loaded, not clipped, labels inside their boxes) is checked in Chromium by
tests/integration/docs/test_docs_pictures_browser.py.
"""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "docs" / "hooks" / "pictures.py"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def pictures():
    spec = importlib.util.spec_from_file_location("docs_pictures_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as mkdocs does: its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _boxes(svg: str) -> list[tuple[str, list[str]]]:
    root = ET.fromstring(svg)
    return [(g.get("data-name"), [t.text for t in g.iter(f"{SVG}text")])
            for g in root.iter(f"{SVG}g") if g.get("class") == "box"]


def test_every_picture_is_an_svg_that_scales_and_stays_in_its_viewbox(pictures) -> None:
    drawn = pictures.pictures()
    assert set(drawn) == {"pipeline.svg", "concepts/image-layers.svg", "concepts/batching.svg"}
    for uri, text in drawn.items():
        root = ET.fromstring(text)
        assert root.tag == f"{SVG}svg" and root.get("width") == "100%", uri
        _, _, width, height = (float(v) for v in root.get("viewBox").split())
        for el in root.iter():
            if el.tag == f"{SVG}rect":
                x, y, w, h = (float(el.get(k)) for k in ("x", "y", "width", "height"))
                assert x >= 0 and x + w <= width and y >= 0 and y + h <= height, (uri, el.attrib)
            for attr, limit in (("x", width), ("cx", width), ("y", height), ("cy", height)):
                if el.get(attr) is not None:
                    assert 0 <= float(el.get(attr)) <= limit, (uri, el.tag, attr, el.get(attr))


def test_pipeline_shows_the_six_stages_in_order(pictures) -> None:
    names = [name for name, _ in _boxes(pictures.pipeline_svg())]
    assert names == ["model source", "model store", "service", "vts", "image", "server"]
    texts = [line for _, lines in _boxes(pictures.pipeline_svg()) for line in lines]
    assert "vtsserving build" in texts and "vtsserving containerize" in texts


def test_image_layers_follow_the_template_blocks(pictures) -> None:
    blocks = pictures.template_blocks()
    names = [name for name, _ in blocks]
    assert set(names) == set(pictures.BLOCKS), "describe new blocks of templates/base.j2 in BLOCKS (or drop old ones)"
    assert len(names) == len(set(names))  # the example block in the template's comment is not counted
    drawn = [name for name, _ in _boxes(pictures.image_layers_svg())]
    top_level = [n for n, parent in blocks if parent is None and n not in ("header", "builder")]
    builder = [n for n, parent in blocks if parent == "builder"]
    assert drawn == [*reversed(top_level), *builder]  # the stack drawn top layer first, then the builder stage
    # the order the docs promise: dependencies, then models, then vtsserving, then code
    order = [top_level.index(n) for n in ("base_image", "final", "models", "vtsserving", "code")]
    assert order == sorted(order)


def test_template_blocks_reads_nesting_and_skips_comments(pictures, tmp_path: Path) -> None:
    template = tmp_path / "t.j2"
    template.write_text("{# {% block fake %}{% endblock %} #}{% block a %}{% block b %}x{% endblock %}"
                        "{%- endblock %}\n{% block c -%}{%- endblock %}")
    assert pictures.template_blocks(template) == [("a", None), ("b", "a"), ("c", None)]


def test_batching_states_the_runner_defaults(pictures) -> None:
    from vtsserving.runner.runner import DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_LATENCY_MS

    root = ET.fromstring(pictures.batching_svg())
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert f"max_batch_size rows (default {DEFAULT_MAX_BATCH_SIZE})" in text
    assert f"max_latency_ms (default {DEFAULT_MAX_LATENCY_MS:,} ms)" in text
    calls = [lines[0] for name, lines in _boxes(pictures.batching_svg())]
    assert calls == ["A: 1 row", "B-E: 4 rows", "F-J: 5 rows", "K-L: 2 rows"]
    assert calls == [pictures.call_label(c) for c in pictures.TIMELINE]
    for before, after in zip(pictures.TIMELINE, pictures.TIMELINE[1:], strict=False):  # one call at a time
        assert before.end <= after.start
        assert all(arrived <= after.start for _, arrived in after.requests)


@pytest.mark.parametrize(("page", "picture"), [
    ("index.md", "pipeline.svg"),
    ("concepts/images.md", "image-layers.svg"),
    ("concepts/runners.md", "batching.svg"),
])
def test_pages_show_their_picture_and_no_ascii_diagram(page: str, picture: str) -> None:
    text = (ROOT / "docs" / page).read_text()
    assert f"]({picture})" in text
    assert "▶" not in text and "──" not in text  # the box-drawing diagram the picture replaced


def test_mkdocs_runs_the_hook() -> None:
    import yaml

    assert "docs/hooks/pictures.py" in yaml.safe_load((ROOT / "mkdocs.yml").read_text())["hooks"]
