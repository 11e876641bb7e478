"""Code blocks of the seed guide (`seed_mlflow_integration.rst`, a copy of the spec)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

SEED = Path(__file__).with_name("seed_mlflow_integration.rst")
_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\. code-block::\s*(?P<lang>\S*)\s*$")


def blocks(lang: str) -> list[str]:
    """Every `.. code-block:: <lang>` body of the seed, dedented, in document order."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    found: list[str] = []
    for i, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if not match or match["lang"] != lang:
            continue
        indent = len(match["indent"])
        body: list[str] = []
        for nxt in lines[i + 1 :]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt)
        found.append(textwrap.dedent("\n".join(body)).strip("\n") + "\n")
    return found


def block(lang: str, contains: str) -> str:
    """The one block of `lang` holding `contains`."""
    matches = [b for b in blocks(lang) if contains in b]
    assert len(matches) == 1, f"{len(matches)} {lang} blocks contain {contains!r}"
    return matches[0]


def adapt(code: str, old: str, new: str) -> str:
    """Replace text that must be in the block (so a change of the seed is noticed)."""
    assert old in code, f"{old!r} not in block:\n{code}"
    return code.replace(old, new)
