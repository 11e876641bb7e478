"""Lock Python requirements with pip-compile (pip-tools); the same inputs reuse the last lock."""

from __future__ import annotations

import importlib.metadata
import logging
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from ..exceptions import BuildError
from ._cache import cache_dir, hash_of, write_atomic

logger = logging.getLogger("vtsserving.build")

_TIMEOUT_S = 900


def _wheel_fingerprint(path: str) -> tuple[str, int, int]:
    stat = Path(path).stat()
    return Path(path).name, stat.st_size, int(stat.st_mtime)


def lock_key(input_text: str, constraints: list[str], find_links: list[str], wheels: list[str],
             pip_args: str | None) -> str:
    """What decides a lock: the input file, local wheels, pip args, interpreter and pip-tools."""
    return hash_of({
        "input": input_text,
        "constraints": constraints,
        "find_links": find_links,
        "wheels": [_wheel_fingerprint(w) for w in wheels],
        "pip_args": pip_args,
        "python": platform.python_version_tuple()[:2],
        "platform": sys.platform,
        "pip_tools": importlib.metadata.version("pip-tools"),
    })


def compile_lock(input_text: str, *, constraints: list[str], find_links: list[str], wheels: list[str],
                 pip_args: str | None) -> str:
    """The lock file's text for `input_text`; the same inputs reuse the cached lock."""
    key = lock_key(input_text, constraints, find_links, wheels, pip_args)
    cached = cache_dir("locks") / f"{key}.txt"
    if cached.is_file():
        logger.debug("reusing the cached lock %s", cached)
        return cached.read_text()
    text = _run_pip_compile(input_text, constraints, find_links, wheels, pip_args)
    write_atomic(cached, text.encode())
    return text


def _run_pip_compile(input_text: str, constraints: list[str], find_links: list[str],
                     wheels: list[str], pip_args: str | None) -> str:
    with tempfile.TemporaryDirectory(prefix="vts-lock-") as tmp:
        src, out = Path(tmp) / "requirements.in", Path(tmp) / "requirements.lock.txt"
        if constraints:
            (Path(tmp) / "constraints.txt").write_text("\n".join(constraints) + "\n")
            input_text = "-c constraints.txt\n" + input_text
        src.write_text(input_text)
        cmd = [sys.executable, "-m", "piptools", "compile", "--quiet", "--no-header",
               "--strip-extras", "--allow-unsafe", "--no-emit-find-links",
               "--resolver=backtracking", "--output-file", out.name, src.name]
        for link in find_links + sorted({str(Path(w).parent) for w in wheels}):
            cmd += ["--find-links", link]
        if pip_args:
            cmd += ["--pip-args", pip_args]
        logger.info("locking Python requirements: %s", " ".join(cmd))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise BuildError(f"python.lock_packages: pip-compile took over {_TIMEOUT_S} s") from None
        if proc.returncode != 0 or not out.is_file():
            raise BuildError(f"python.lock_packages: pip-compile failed: {_reason(proc.stderr or proc.stdout)}")
        return out.read_text()


def _reason(output: str) -> str:
    """The lines of pip-compile's output that say why it failed."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip() and not ln.startswith("WARNING: Location")]
    errors = [ln for ln in lines if "error" in ln.lower() or "could not" in ln.lower() or "conflict" in ln.lower()]
    picked = errors[-3:] if errors else lines[-3:]
    return " | ".join(picked) or "no output"
