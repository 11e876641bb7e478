"""MkDocs hook: draw the package's layer order from the import-linter contract, so it cannot drift.

The `layers` contract in pyproject.toml (`[tool.importlinter]`, container `vtsserving`) becomes
`concepts/architecture-layers.svg` in the built site: one row per layer, top layer first, the
modules of a layer side by side, an arrow down between rows. `lint-imports` checks the same
contract against the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
CONTAINER = "vtsserving"
SVG_URI = "concepts/architecture-layers.svg"

# Geometry, in viewBox units (the picture is scaled to the page width).
WIDTH = 760
PAD = 20
ROW_HEIGHT = 40
ARROW_GAP = 30
BOX_GAP = 16
MAX_BOX = 170
GROUP_PAD = 6
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"


@dataclass(frozen=True)
class Layer:
    modules: tuple[str, ...]
    independent: bool  # `a | b`: may not import each other; `a : b`: may


def parse_layer(text: str) -> Layer:
    """One entry of a `layers` list: `a`, `a | b` (independent) or `a : b` (not independent)."""
    sep = "|" if "|" in text else ":"
    modules = tuple(name.strip().strip("()").strip() for name in text.split(sep))
    if not all(modules):
        raise ValueError(f"empty module name in layer {text!r}")
    return Layer(modules, independent=sep == "|")


def read_layers(pyproject: Path = PYPROJECT, container: str = CONTAINER) -> list[Layer]:
    """The layers of the contract whose container is `container`, top layer first."""
    data = tomllib.loads(Path(pyproject).read_text())
    contracts = data.get("tool", {}).get("importlinter", {}).get("contracts", [])
    for contract in contracts:
        if contract.get("type") == "layers" and contract.get("containers") == [container]:
            return [parse_layer(entry) for entry in contract["layers"]]
    raise ValueError(f"{pyproject}: no import-linter `layers` contract with containers = [{container!r}]")


def layers_svg(layers: list[Layer], container: str = CONTAINER) -> str:
    """The layer stack as a standalone SVG document (scales to 100% of its box's width)."""
    body: list[str] = []
    y = PAD
    rows_top: list[int] = []
    for index, layer in enumerate(layers):
        if index:
            body.append(_arrow(y + _margin(layers[index - 1]), y + ARROW_GAP - _margin(layer)))
            y += ARROW_GAP
        rows_top.append(y)
        body += _row(index, layer, container, y)
        y += ROW_HEIGHT
    y += 28
    body += _legend(y)
    height = y + 3 * 22 + PAD - 8
    title = f"Import layers of {container}, top layer first (from pyproject.toml)"
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="{FONT}">',
        f"  <title>{escape(title)}</title>",
        "  <defs>",
        '    <marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">',
        '      <path d="M 0 0 L 10 5 L 0 10 z" fill="#5c6bc0"/>',
        "    </marker>",
        "  </defs>",
        *body,
        "</svg>",
        "",
    ])


def architecture_svg(pyproject: Path = PYPROJECT) -> str:
    return layers_svg(read_layers(pyproject))


def _row(index: int, layer: Layer, container: str, top: int) -> list[str]:
    n = len(layer.modules)
    gap = BOX_GAP if layer.independent else BOX_GAP + 8
    box = min(MAX_BOX, (WIDTH - 2 * PAD - 2 * GROUP_PAD - (n - 1) * gap) // n)
    total = n * box + (n - 1) * gap
    left = (WIDTH - total) // 2
    kind = "single" if n == 1 else "independent" if layer.independent else "mutual"
    out = [f'  <g class="layer" data-layer="{index}" data-kind="{kind}">']
    if n > 1 and not layer.independent:
        out.append(
            f'    <rect class="group" x="{left - GROUP_PAD}" y="{top - GROUP_PAD}" '
            f'width="{total + 2 * GROUP_PAD}" height="{ROW_HEIGHT + 2 * GROUP_PAD}" rx="10" '
            'fill="none" stroke="#7986cb" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    for i, module in enumerate(layer.modules):
        x = left + i * (box + gap)
        name = escape(module)
        out += [
            f'    <rect class="box" data-module="{name}" x="{x}" y="{top}" width="{box}" '
            f'height="{ROW_HEIGHT}" rx="6" fill="#e8eaf6" stroke="#3f51b5" stroke-width="1.5">'
            f"<title>{escape(container)}.{name}</title></rect>",
            f'    <text class="module" x="{x + box // 2}" y="{top + ROW_HEIGHT // 2}" '
            f'text-anchor="middle" dominant-baseline="central" font-size="15" '
            f'fill="#1a237e">{name}</text>',
        ]
    out.append("  </g>")
    return out


def _margin(layer: Layer) -> int:
    """How far a row's drawing reaches past its boxes (the dashed group of `a : b`)."""
    return GROUP_PAD if len(layer.modules) > 1 and not layer.independent else 0


def _arrow(y1: int, y2: int) -> str:
    x = WIDTH // 2
    return (f'  <line class="arrow" x1="{x}" y1="{y1 + 3}" x2="{x}" y2="{y2 - 3}" '
            'stroke="#5c6bc0" stroke-width="2" marker-end="url(#arrowhead)"/>')


def _legend(top: int) -> list[str]:
    lines = [
        ("arrow", "imports point down: a module imports only from the rows below its own"),
        ("independent", "boxes side by side: independent, neither imports the other"),
        ("mutual", "dashed group: siblings that may import each other"),
    ]
    out = ['  <g class="legend" font-size="14" fill="#37474f">']
    for i, (kind, text) in enumerate(lines):
        y = top + i * 22
        if kind == "arrow":
            out.append(f'    <line x1="{PAD + 14}" y1="{y - 8}" x2="{PAD + 14}" y2="{y + 6}" '
                       'stroke="#5c6bc0" stroke-width="2" marker-end="url(#arrowhead)"/>')
        elif kind == "independent":
            out += [f'    <rect x="{PAD + 2 + 15 * j}" y="{y - 7}" width="11" height="14" rx="2" '
                    'fill="#e8eaf6" stroke="#3f51b5"/>' for j in range(2)]
        else:
            out.append(f'    <rect x="{PAD}" y="{y - 9}" width="28" height="18" rx="4" fill="none" '
                       'stroke="#7986cb" stroke-width="1.5" stroke-dasharray="4 3"/>')
        out.append(f'    <text x="{PAD + 40}" y="{y}" dominant-baseline="central">{escape(text)}</text>')
    out.append("  </g>")
    return out


# --- MkDocs events ---------------------------------------------------------------------------


def _pyproject(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent / "pyproject.toml"


def on_files(files: Any, config: Any) -> Any:
    """Add the picture as a generated file, so the page's relative image link validates."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, SVG_URI, content=architecture_svg(_pyproject(config))))
    return files


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """`mkdocs serve` redraws the picture when the contract changes."""
    server.watch(str(_pyproject(config)))
    return server
