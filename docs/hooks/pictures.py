"""MkDocs hook: draw the pipeline, the image's layer stack and adaptive batching as SVG.

Each picture is written when the docs are built, from what this file states and, where the
code knows better, from the code itself:

* `pipeline.svg` (home page): model source -> model store -> service -> vts -> image -> server,
  each stage with what it is and the call or command that makes it.
* `concepts/image-layers.svg`: the image's layers bottom to top, in the order of the blocks of
  `templates/base.j2` (read at build time), and the builder stage that is not shipped.
* `concepts/batching.svg`: requests arriving over time and the model calls they are merged
  into; `max_batch_size` and `max_latency_ms` defaults come from `vtsserving.runner`.

Every box is a `<g class="box">` holding its `<rect>` and `<text>`s, so a browser test can check
that each label stays inside its box (tests/integration/docs/test_docs_pictures_browser.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASE_TEMPLATE = ROOT / "templates" / "base.j2"
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
INK, MUTED, ACCENT = "#263238", "#546e7a", "#3949ab"

PIPELINE_URI = "pipeline.svg"
LAYERS_URI = "concepts/image-layers.svg"
BATCHING_URI = "concepts/batching.svg"


# --- shared drawing --------------------------------------------------------------------------


def _svg(width: int, height: int, title: str, body: list[str], arrow: str = MUTED) -> str:
    """A standalone SVG document that scales to 100% of its box's width."""
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT}">',
        f"  <title>{escape(title)}</title>",
        "  <defs>",
        '    <marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse">',
        f'      <path d="M 0 0 L 10 5 L 0 10 z" fill="{arrow}"/>',
        "    </marker>",
        "  </defs>",
        *body,
        "</svg>",
        "",
    ])


def _text(x: float, y: float, text: str, *, size: int = 13, anchor: str = "middle", fill: str = INK,
          weight: str = "normal", cls: str = "") -> str:
    extra = f' class="{cls}"' if cls else ""
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (f'<text{extra} x="{x:g}" y="{y:g}" text-anchor="{anchor}" dominant-baseline="central" '
            f'font-size="{size}"{bold} fill="{fill}">{escape(text)}</text>')


def _box(x: float, y: float, w: float, h: float, lines: list[tuple[str, int, str, str]], *, fill: str,
         stroke: str, dash: bool = False, name: str = "", rx: int = 6) -> str:
    """A rounded box with centred lines of (text, size, colour, weight), as one `g.box`."""
    dashed = ' stroke-dasharray="6 4"' if dash else ""
    out = [f'  <g class="box" data-name="{escape(name)}">',
           f'    <rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{rx}" fill="{fill}" stroke="{stroke}" '
           f'stroke-width="1.5"{dashed}/>']
    step = 17
    top = y + h / 2 - step * (len(lines) - 1) / 2
    for i, (text, size, colour, weight) in enumerate(lines):
        out.append("    " + _text(x + w / 2, top + i * step, text, size=size, fill=colour, weight=weight))
    out.append("  </g>")
    return "\n".join(out)


def _arrow(points: list[tuple[float, float]], colour: str = MUTED, dash: bool = False) -> str:
    d = " ".join(f"{'M' if i == 0 else 'L'} {x:g} {y:g}" for i, (x, y) in enumerate(points))
    dashed = ' stroke-dasharray="5 4"' if dash else ""
    return (f'  <path class="arrow" d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dashed} '
            'marker-end="url(#arrowhead)"/>')


# --- the pipeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    name: str
    what: str
    how: str  # how you get there: the call or command that makes this stage


STAGES = [
    Stage("model source", "MLflow, sklearn, PyTorch", "your training code"),
    Stage("model store", "$VTSSERVING_HOME/models", "import_model, save_model"),
    Stage("service", "APIs that call runners", "you write service.py"),
    Stage("vts", "versioned bundle", "vtsserving build"),
    Stage("image", "OCI, non-root, port 3000", "vtsserving containerize"),
    Stage("server", "/predict /docs /metrics", "docker run, Kubernetes"),
]


def pipeline_svg(stages: list[Stage] = STAGES) -> str:
    """Two rows of three stages, read left to right, then down to the second row."""
    width, pad, box_w, box_h, gap, row_gap = 800, 20, 216, 76, 56, 58
    per_row = 3
    left = (width - per_row * box_w - (per_row - 1) * gap) / 2
    body: list[str] = []
    pos = []
    for i, stage in enumerate(stages):
        row, col = divmod(i, per_row)
        x, y = left + col * (box_w + gap), pad + row * (box_h + row_gap)
        pos.append((x, y))
        body.append(_box(x, y, box_w, box_h, [(stage.name, 16, "#1a237e", "bold"), (stage.what, 13, INK, "normal"),
                                              (stage.how, 13, ACCENT, "normal")],
                         fill="#e8eaf6", stroke="#3f51b5", name=stage.name))
    for i in range(1, len(stages)):
        (x0, y0), (x1, y1) = pos[i - 1], pos[i]
        if y0 == y1:
            body.append(_arrow([(x0 + box_w + 3, y0 + box_h / 2), (x1 - 3, y1 + box_h / 2)]))
        else:  # down to the start of the next row
            mid = y0 + box_h + row_gap / 2
            body.append(_arrow([(x0 + box_w / 2, y0 + box_h + 3), (x0 + box_w / 2, mid),
                                (x1 + box_w / 2, mid), (x1 + box_w / 2, y1 - 3)]))
    rows = -(-len(stages) // per_row)
    legend_y = pad + rows * box_h + (rows - 1) * row_gap + 24
    body.append("  " + _text(left, legend_y, "each box: the stage, what it is, and (blue) how you get there; "
                             "try each one alone", size=12, anchor="start", fill=MUTED, cls="legend"))
    title = "The pipeline: " + " -> ".join(s.name for s in stages)
    return _svg(width, legend_y + 18, title, body)


# --- the image's layers ----------------------------------------------------------------------

# What each block of templates/base.j2 puts in the image. None: a block that writes no layer.
BLOCKS: dict[str, str | None] = {
    "header": None,
    "base_image": "base image: docker.base_image",
    "base_setup": "ENV: locale, PATH to the venv",
    "python_runtime": "Python runtime (CUDA images only)",
    "system_packages": "docker.system_packages (apt)",
    "user": "non-root user, empty venv folder",
    "setup_script": "docker.setup_script",
    "builder": None,  # the builder stage: drawn beside the stack
    "builder_tools": "uv (or pip) to install with",
    "python_packages": "locked requirements -> venv",
    "final": "venv: your Python dependencies",
    "models": "models: one layer per model",
    "vtsserving": "vtsserving itself (its wheel)",
    "code": "your code: src/ and the vts files",
    "environment": "ENV VTSSERVING_HOME, PORT=3000",
    "runtime": "USER, WORKDIR, EXPOSE, ENTRYPOINT",
    "labels": "LABEL: OCI labels, lock hash",
}
OPTIONAL = {"python_runtime", "system_packages", "setup_script"}
METADATA = {"base_setup", "environment", "runtime", "labels"}  # configuration only: no files
BUILDER = "builder"


def template_blocks(template: Path = BASE_TEMPLATE) -> list[tuple[str, str | None]]:
    """Every `{% block %}` of the template in order, with the name of its enclosing block."""
    found: list[tuple[str, str | None]] = []
    stack: list[str] = []
    text = re.sub(r"{#.*?#}", "", template.read_text(), flags=re.S)  # the comment shows an example block
    for match in re.finditer(r"{%-?\s*(block\s+(\w+)|endblock)\b", text):
        if match.group(2):
            found.append((match.group(2), stack[-1] if stack else None))
            stack.append(match.group(2))
        elif stack:
            stack.pop()
    return found


def image_layers_svg(template: Path = BASE_TEMPLATE) -> str:
    blocks = template_blocks(template)
    stack = [name for name, parent in blocks if parent is None and name not in (BUILDER, "header")]
    builder = [name for name, parent in blocks if parent == BUILDER]
    width, pad, layer_h, gap = 800, 20, 30, 4
    stack_x, stack_w, side_w = 140, 300, 260
    side_x = width - pad - side_w
    top = pad + 24
    body = ["  " + _text(stack_x + stack_w / 2, pad + 6, "the image: last block on top", size=13, fill=MUTED)]
    y_of: dict[str, float] = {}
    for i, name in enumerate(reversed(stack)):  # top of the picture = last block = top layer
        y = top + i * (layer_h + gap)
        y_of[name] = y
        meta = name in METADATA
        body.append(_box(stack_x, y, stack_w, layer_h, [(_label(name), 12, MUTED if meta else INK, "normal")],
                         fill="#fafafa" if meta else _layer_fill(name), stroke="#b0bec5" if meta else "#5c6bc0",
                         dash=name in OPTIONAL or meta, name=name, rx=3))
    # the stages, bracketed on the left
    first_final = stack.index("final") if "final" in stack else len(stack)
    body += _bracket(stack_x - 10, y_of, stack[:first_final], "vts-base stage")
    body += _bracket(stack_x - 10, y_of, stack[first_final:], "final stage")
    # the builder stage beside the stack, and what the final image copies from it
    targets = [n for n in ("vtsserving", "final") if n in y_of]
    if builder and targets:
        g_top, g_bottom = min(y_of[n] for n in targets) - 44, max(y_of[n] for n in targets) + layer_h + 34
        body += [f'  <rect class="stage" x="{side_x}" y="{g_top:g}" width="{side_w}" height="{g_bottom - g_top:g}" '
                 'rx="8" fill="none" stroke="#ef6c00" stroke-width="1.2" stroke-dasharray="6 4"/>',
                 "  " + _text(side_x + side_w / 2, g_top + 16, "vts-builder stage", size=13, fill="#ef6c00"),
                 "  " + _text(side_x + side_w / 2, g_bottom - 16, "not shipped", size=11, fill=MUTED)]
        inner = len(builder) * (layer_h + gap) - gap
        by = (g_top + g_bottom) / 2 - inner / 2
        for i, name in enumerate(builder):
            body.append(_box(side_x + 10, by + i * (layer_h + gap), side_w - 20, layer_h,
                             [(_label(name), 12, INK, "normal")], fill="#fff3e0", stroke="#ef6c00", name=name, rx=3))
        for name in targets:
            y = y_of[name] + layer_h / 2
            body.append(_arrow([(side_x - 3, y), (stack_x + stack_w + 4, y)], colour="#ef6c00", dash=True))
            body.append("  " + _text((side_x + stack_x + stack_w) / 2, y - 10, "COPY --from", size=11,
                                     fill="#ef6c00"))
    legend_y = top + len(stack) * (layer_h + gap) + 16
    lines = [
        "a change rebuilds its own layer and the ones above it: a code change only the top ones,",
        "new requirements the venv and up; everything else comes from the build cache",
        "dashed: only when the vtsfile asks for it, or configuration that adds no files",
    ]
    body += ["  " + _text(pad, legend_y + 19 * i, line, size=13, anchor="start", fill=MUTED, cls="legend")
             for i, line in enumerate(lines)]
    title = "The layers of a vts image, last on top, in the order of templates/base.j2"
    return _svg(width, legend_y + 19 * len(lines) + 6, title, body, arrow="#ef6c00")


def _label(block: str) -> str:
    return BLOCKS.get(block) or f"block {block}"


def _layer_fill(name: str) -> str:
    return {"final": "#c5cae9", "models": "#d1c4e9", "vtsserving": "#b3e5fc", "code": "#c8e6c9"}.get(name, "#e8eaf6")


def _bracket(x: float, y_of: dict[str, float], names: list[str], label: str) -> list[str]:
    ys = [y_of[n] for n in names if n in y_of]
    if not ys:
        return []
    y1, y2 = min(ys), max(ys) + 30
    return [f'  <path class="bracket" d="M {x + 6:g} {y1:g} L {x:g} {y1:g} L {x:g} {y2:g} L {x + 6:g} {y2:g}" '
            f'fill="none" stroke="{MUTED}" stroke-width="1.2"/>',
            "  " + _text(x - 8, (y1 + y2) / 2, label, size=12, anchor="end", fill=MUTED)]


# --- adaptive batching -----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One model call in the timeline: when it starts and ends (ms) and the requests it takes."""

    start: float
    end: float
    requests: list[tuple[str, float]]  # (label, arrival ms)
    note: str = ""


TIMELINE = [
    Call(0.3, 7, [("A", 0)], "1"),
    Call(7, 14.5, [("B", 1.5), ("C", 3), ("D", 4), ("E", 6)], "2"),
    Call(14.5, 22, [("F", 8.5), ("G", 10), ("H", 11), ("I", 12.5), ("J", 13.5)]),
    Call(29, 35, [("K", 26), ("L", 27.5)], "3"),
]


def call_label(call: Call) -> str:
    """`B-E: 4 rows`: the requests a call merges (one row each in this picture)."""
    names = [label for label, _ in call.requests]
    who = names[0] if len(names) == 1 else f"{names[0]}-{names[-1]}"
    return f"{who}: {len(names)} row{'s' if len(names) > 1 else ''}"


def batching_defaults() -> tuple[int, int]:
    from vtsserving.runner.runner import DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_LATENCY_MS

    return DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_LATENCY_MS


def batching_svg(calls: list[Call] = TIMELINE, defaults: tuple[int, int] | None = None) -> str:
    max_batch, max_latency = defaults or batching_defaults()
    width, pad, x0, x1, t_max = 800, 20, 120, 770, 40
    row_h, req_top = 14, 40

    def x(t: float) -> float:
        return x0 + (x1 - x0) * t / t_max

    rows = max(len(c.requests) for c in calls)
    call_y = req_top + rows * row_h + 22
    body = ["  " + _text(x0 - 14, req_top + (rows - 1) * row_h / 2, "requests", size=13, anchor="end"),
            "  " + _text(x0 - 14, call_y + 20, "model calls", size=13, anchor="end")]
    for n, call in enumerate(calls):
        for i, (label, arrived) in enumerate(call.requests):
            y = req_top + i * row_h
            body += [f'  <line class="wait" x1="{x(arrived):g}" y1="{y}" x2="{x(call.start):g}" y2="{y}" '
                     f'stroke="#90a4ae" stroke-width="2"/>',
                     f'  <circle class="request" cx="{x(arrived):g}" cy="{y}" r="4" fill="{ACCENT}"/>',
                     "  " + _text(x(arrived) - 8, y, label, size=11, anchor="end", fill=ACCENT)]
        top = req_top - 6
        body.append(f'  <line class="take" x1="{x(call.start):g}" y1="{top}" x2="{x(call.start):g}" '
                    f'y2="{call_y - 2}" stroke="{ACCENT}" stroke-width="1.2" stroke-dasharray="3 3"/>')
        rows_text = call_label(call)
        body.append(_box(x(call.start), call_y, x(call.end) - x(call.start), 40, [(rows_text, 12, INK, "normal")],
                         fill="#c8e6c9", stroke="#2e7d32", name=f"call {n + 1}", rx=4))
        if call.note:
            body += _marker(x(call.start) + 2, req_top - 22, call.note)
    # the latency of one request, against max_latency_ms
    last = calls[2]
    label, arrived = last.requests[0]
    y = call_y + 52
    body.append(f'  <path class="bracket" d="M {x(arrived):g} {y - 5} L {x(arrived):g} {y} L {x(last.end):g} {y} '
                f'L {x(last.end):g} {y - 5}" fill="none" stroke="#c62828" stroke-width="1.2"/>')
    body.append("  " + _text(x(last.end) + 6, y, f"{label}: wait + call <= max_latency_ms", size=11, anchor="start",
                             fill="#c62828"))
    axis_y = y + 22
    body.append(f'  <line class="axis" x1="{x0}" y1="{axis_y}" x2="{x1}" y2="{axis_y}" stroke="{INK}" '
                'stroke-width="1.5" marker-end="url(#arrowhead)"/>')
    for t in range(0, t_max, 5):
        body += [f'  <line x1="{x(t):g}" y1="{axis_y - 3}" x2="{x(t):g}" y2="{axis_y + 3}" stroke="{INK}"/>',
                 "  " + _text(x(t), axis_y + 13, f"{t} ms", size=11, fill=MUTED)]
    legend = [
        ("1", "the model is idle: the first request's call starts at once"),
        ("2", "while a call runs, requests queue; the next call takes all of them, up to"),
        ("", f"max_batch_size rows (default {max_batch}), and each caller gets back its own rows"),
        ("3", "idle again and requests arriving fast: it waits up to one call's fixed cost"),
        ("", f"for more, never past max_latency_ms (default {max_latency:,} ms); a request that"),
        ("", "cannot be answered within it gets 503 with Retry-After instead of waiting"),
    ]
    top = axis_y + 40
    for i, (mark, line) in enumerate(legend):
        if mark:
            body += _marker(pad + 8, top + 19 * i, mark)
        body.append("  " + _text(pad + 24, top + 19 * i, line, size=13, anchor="start", cls="legend"))
    title = "Adaptive batching: requests that arrive while the model is busy are merged into its next call"
    return _svg(width, top + 19 * len(legend) + 4, title, body, arrow=INK)


def _marker(cx: float, cy: float, label: str) -> list[str]:
    return [f'  <circle class="marker" cx="{cx:g}" cy="{cy:g}" r="8" fill="#1a237e"/>',
            "  " + _text(cx, cy, label, size=11, fill="#ffffff", weight="bold")]


# --- MkDocs events ---------------------------------------------------------------------------


def pictures() -> dict[str, str]:
    """Every picture of this hook: site path -> SVG text."""
    return {PIPELINE_URI: pipeline_svg(), LAYERS_URI: image_layers_svg(), BATCHING_URI: batching_svg()}


def on_files(files: Any, config: Any) -> Any:
    """Add the pictures as generated files, so the pages' relative image links validate."""
    from mkdocs.structure.files import File

    for uri, content in pictures().items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """`mkdocs serve` redraws the layer picture when the template changes."""
    server.watch(str(BASE_TEMPLATE))
    return server
