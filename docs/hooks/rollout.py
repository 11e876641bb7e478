"""MkDocs hook: draw one step of a rolling update and the probes, from the numbers in the code.

`guides/deployment-rollout.svg` shows a new pod starting (startup probe on `/readyz` while the
models load), joining the Service once ready, and then an old pod leaving: out of the Service,
the preStop pause, SIGTERM and the server's graceful shutdown, all inside the grace period. The
durations and rules come from `vtsserving.deploy` (sizing, defaults) and the server's config.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

SVG_URI = "guides/deployment-rollout.svg"
WIDTH, HEIGHT = 760, 352
LEFT, RIGHT = 120, 745
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
COLORS = {"loading": "#ffe0b2", "serving": "#c8e6c9", "draining": "#cfd8dc", "stopping": "#eceff1"}
STROKE = {"loading": "#ef6c00", "serving": "#2e7d32", "draining": "#546e7a", "stopping": "#90a4ae"}


@dataclass(frozen=True)
class Numbers:
    """The durations and rules the picture states, read from vtsserving."""

    period: int
    startup_factor: int
    min_startup: int
    prestop: int
    graceful: float
    margin: int
    grace: int
    liveness_period: int


def numbers() -> Numbers:
    from vtsserving.deploy import DeployOptions, sizing
    from vtsserving.server.config import ApiServerConfig

    prestop = DeployOptions.model_fields["prestop_sleep"].default
    graceful = ApiServerConfig().graceful_shutdown_timeout
    return Numbers(period=sizing.PROBE_PERIOD_S, startup_factor=sizing.STARTUP_FACTOR, min_startup=sizing.MIN_STARTUP_S,
                   prestop=prestop, graceful=graceful, margin=sizing.TERMINATION_MARGIN_S,
                   grace=sizing.grace_period(graceful, prestop), liveness_period=10)


def rollout_svg(n: Numbers | None = None) -> str:
    """The picture as a standalone SVG document (scales to 100% of its box's width)."""
    n = n or numbers()
    ready_x, term_x, exit_x, start_x = 330, 440, 660, 150
    body = [
        _lane_label(62, "old pod"),
        _segment("serving", LEFT, 62, ready_x - LEFT, "serving: /readyz 200"),
        _segment("draining", ready_x, 62, term_x - ready_x, f"preStop {n.prestop} s"),
        _segment("stopping", term_x, 62, exit_x - term_x, "SIGTERM: finish in-flight"),
        _text(exit_x + 8, 80, "exit 0", anchor="start"),
        _bracket(ready_x, exit_x, 104, f"terminationGracePeriodSeconds {n.grace} s",
                 f"= {n.prestop} s preStop + {n.graceful:g} s graceful shutdown + {n.margin} s"),
        _lane_label(160, "new pod"),
        _segment("loading", start_x, 160, ready_x - start_x, "loading: /readyz 503"),
        _segment("serving", ready_x, 160, RIGHT - ready_x, "ready: in the Service, serving"),
        _text(start_x, 148, "container starts", anchor="start", size=11),
        *_probes(start_x, ready_x),
        f'  <line class="ready" x1="{ready_x}" y1="40" x2="{ready_x}" y2="236" stroke="#1a237e" '
        'stroke-width="1.5" stroke-dasharray="5 4"/>',
        _text(WIDTH // 2, 24, "new pod ready: then an old pod leaves the Service (maxSurge 1, maxUnavailable 0)",
              size=12),
        f'  <line class="axis" x1="{LEFT}" y1="250" x2="{RIGHT}" y2="250" stroke="#37474f" stroke-width="1.5" '
        'marker-end="url(#arrowhead)"/>',
        _text(RIGHT, 266, "time", anchor="end", size=11),
        *_legend(290, n),
    ]
    title = "One step of a rolling update: a new pod starts and becomes ready, then an old pod drains and stops"
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT}">',
        f"  <title>{escape(title)}</title>",
        "  <defs>",
        '    <marker id="arrowhead" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse">',
        '      <path d="M 0 0 L 10 5 L 0 10 z" fill="#37474f"/>',
        "    </marker>",
        "  </defs>",
        *body,
        "</svg>",
        "",
    ])


def _segment(kind: str, x: int, y: int, width: int, label: str) -> str:
    return (f'  <g class="segment" data-kind="{kind}"><rect x="{x}" y="{y}" width="{width}" height="36" rx="5" '
            f'fill="{COLORS[kind]}" stroke="{STROKE[kind]}" stroke-width="1.5"/>'
            f'{_text(x + width // 2, y + 18, label, size=12, indent="")}</g>')


def _probes(start_x: int, ready_x: int) -> list[str]:
    """The new pod's probes as dots: /readyz answers 503 (hollow) while the models load, then 200;
    /livez is probed only once the startup probe has passed."""
    out = [_text(LEFT - 12, 212, "/readyz", anchor="end", size=11), _text(LEFT - 12, 230, "/livez", anchor="end", size=11)]
    for x in range(start_x + 14, RIGHT - 4, 22):
        ok = x > ready_x
        out.append(f'  <circle class="probe" data-probe="readyz" data-status="{200 if ok else 503}" cx="{x}" cy="212" '
                   f'r="4" fill="{STROKE["serving"] if ok else "#ffffff"}" stroke="{STROKE["serving" if ok else "loading"]}" '
                   'stroke-width="1.5"/>')
    for x in range(ready_x + 22, RIGHT - 4, 44):
        out.append(f'  <circle class="probe" data-probe="livez" data-status="200" cx="{x}" cy="230" r="4" '
                   f'fill="{STROKE["serving"]}"/>')
    return out


def _lane_label(y: int, text: str) -> str:
    return _text(LEFT - 12, y + 18, text, anchor="end", size=13)


def _bracket(x1: int, x2: int, y: int, *lines: str) -> str:
    path = (f'  <path class="bracket" d="M {x1} {y - 6} L {x1} {y} L {x2} {y} L {x2} {y - 6}" fill="none" '
            f'stroke="#546e7a" stroke-width="1.2"/>')
    return "\n".join([path, *(_text(x1 + 6, y + 13 + 14 * i, line, anchor="start", size=11) for i, line in enumerate(lines))])


def _legend(top: int, n: Numbers) -> list[str]:
    lines = [
        f"startup probe: GET /readyz every {n.period} s for {n.startup_factor} x the load time (at least "
        f"{n.min_startup} s)",
        f"readiness probe: GET /readyz every {n.period} s: traffic only once every worker has its models",
        f"liveness probe: GET /livez every {n.liveness_period} s after startup: a hung process, not a slow load",
    ]
    return [_text(20, top + 22 * i, line, anchor="start", size=12) for i, line in enumerate(lines)]


def _text(x: int, y: int, text: str, *, anchor: str = "middle", size: int = 13, indent: str = "  ") -> str:
    return (f'{indent}<text x="{x}" y="{y}" text-anchor="{anchor}" dominant-baseline="central" '
            f'font-size="{size}" fill="#263238">{escape(text)}</text>')


# --- MkDocs events ---------------------------------------------------------------------------


def on_files(files: Any, config: Any) -> Any:
    """Add the picture as a generated file, so the page's relative image link validates."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, SVG_URI, content=rollout_svg()))
    return files
