"""Run a docs page as a reader would: its shell blocks in one terminal, its Python blocks in one
Python session, in order, stopping at the first block that fails.

What a reader sees is what runs: the page is expanded with the same `pymdownx.snippets` settings
as `mkdocs.yml` (so `--8<--` includes and their sections are exactly the rendered blocks), and
each fenced block is taken in document order:

- ```` ```bash ````: run in the reader's terminal (`bash -e -o pipefail`). The terminal keeps its
  folder and exported variables from one block to the next (`cd`, `. .venv/bin/activate`,
  `export ...`), as one terminal window does; jobs a block starts with `&` keep running.
  A line `# -> TEXT` after a command is the output the page promises: TEXT must appear in the
  block's output (whitespace ignored).
- a block that runs a server in the foreground (`vtsserving serve ...` or `docker run ...` without
  `-d` or `&`): the page says to leave it running and go on "in another terminal". It is started,
  the test waits until `GET /readyz` (or `/ping`) on its port answers 200, and the next blocks run;
  it is stopped with Ctrl-C (SIGINT) before the next server block, as a reader would, and at the end.
- ```` ```python title="NAME" ```` (also yaml): a file the reader has or saves under NAME in the
  terminal's folder: when it exists its content must be the block's, otherwise it is written.
- ```` ```python ```` without a title: run in one Python session (`python` of the terminal,
  started in the terminal's folder at the first such block), like a notebook: names defined by
  one block are there for the next.
- ```` ```text ```` and untitled YAML: shown, not run.

Blocks that need a Docker engine (`docker ...`, `vtsserving containerize`) are skipped only when no
engine is reachable and CI is not set; in CI they run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.M | re.S,
)
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')
_HEADING = re.compile(r"^#{1,6} +(?P<text>.+)$", re.M)


@dataclass
class Block:
    page: str
    index: int  # 1-based, among the page's blocks
    lang: str
    code: str
    title: str | None
    heading: str

    def describe(self) -> str:
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        what = f"{self.lang} block {self.index}"
        if self.title:
            what += f' (title="{self.title}")'
        return f'{self.page}, {what} under "{self.heading}": {first.strip()[:100]}'


def expand(page: Path) -> str:
    """The page's Markdown with its `--8<--` includes expanded as mkdocs does (mkdocs.yml settings)."""
    import markdown

    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={
            "pymdownx.snippets": {
                "base_path": [str(ROOT), str(ROOT / "docs" / "snippets")],
                "check_paths": True,
                "dedent_subsections": True,
            }
        },
    )
    lines = page.read_text(encoding="utf-8").splitlines()
    for name in ("snippet",):
        lines = md.preprocessors[name].run(lines)
    return "\n".join(lines) + "\n"


def page_blocks(page: Path) -> list[Block]:
    text = expand(page)
    rel = str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else str(page)
    blocks = []
    # Headings are looked for outside the blocks (a `# comment` in a block is not one).
    prose = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in _FENCE.finditer(text):
        headings = [h["text"] for h in _HEADING.finditer(prose, 0, match.start())]
        title = _TITLE.search(match["attrs"])
        body = textwrap.dedent(match["body"])
        blocks.append(
            Block(
                page=rel,
                index=len(blocks) + 1,
                lang=match["lang"] or "text",
                code=body,
                title=title["title"] if title else None,
                heading=headings[-1] if headings else "(top)",
            )
        )
    return blocks


# --- the reader's terminal -------------------------------------------------------------------


def reader_env(home: Path) -> dict[str, str]:
    """A reader's shell on this machine: its PATH without this checkout's venvs, nothing MLflow or
    AWS related inherited from other tests, and a VTSSERVING_HOME of its own (the machine's store
    stays untouched). The machine's pip settings (index, cache, certificates) stay."""
    drop = ("MLFLOW_", "AWS_", "VIRTUAL_ENV", "PYTHONPATH", "VTSSERVING_", "PYTEST_", "CONDA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and not p.startswith(str(ROOT))
    )
    env["VTSSERVING_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def docker_problem() -> str | None:
    """Why no Docker engine can be used here, or None."""
    if not shutil.which("docker"):
        return "no docker client on PATH"
    proc = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
    return None if proc.returncode == 0 else "no Docker engine is reachable (docker info failed)"


def needs_docker(block: Block) -> bool:
    return block.lang == "bash" and bool(
        re.search(r"(^|[\s;&|(])(docker\s|vtsserving\s+containerize\b)", block.code, re.M)
    )


def _commands(code: str) -> list[str]:
    joined = code.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def server_port(block: Block) -> int | None:
    """The port of the server this block runs in the foreground, or None when it runs none."""
    if block.lang != "bash":
        return None
    for cmd in _commands(block.code):
        if cmd.endswith("&") or not cmd.startswith(("vtsserving serve", "docker run")):
            continue
        try:
            words = shlex.split(cmd, comments=True)
        except ValueError:  # a quote that the next lines close: not a server line anyway
            words = cmd.split()
        if words[:2] == ["vtsserving", "serve"]:
            if "--port" in words:
                return int(words[words.index("--port") + 1])
            return 3000
        if words[:2] == ["docker", "run"] and not {"-d", "--detach"} & set(words):
            for i, word in enumerate(words):
                if word in ("-p", "--publish"):
                    host_side = words[i + 1].rsplit(":", 1)[0]
                    return int(host_side.rsplit(":", 1)[-1])
            return 3000
    return None


def docker_run_images(blocks: list[Block]) -> set[str]:
    """The images the blocks `docker run`."""
    takes_value = {"-p", "--publish", "--name", "-e", "--env", "-v", "--volume", "--network", "-u", "--user"}
    images = set()
    for block in blocks:
        if block.lang != "bash":
            continue
        for cmd in _commands(block.code):
            words = cmd.split()
            if words[:2] != ["docker", "run"]:
                continue
            rest = iter(words[2:])
            for word in rest:
                if word in takes_value:
                    next(rest, None)
                elif not word.startswith("-"):
                    images.add(word)
                    break
    return images


def remove_containers(images: set[str]) -> None:
    """Containers of these images left running (a page that failed before its `docker rm`)."""
    for image in images:
        proc = subprocess.run(["docker", "ps", "-aq", "--filter", f"ancestor={image}"], capture_output=True, text=True, timeout=60)
        ids = proc.stdout.split()
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)


def expected_outputs(code: str) -> list[str]:
    return [line.split("# ->", 1)[1].strip() for line in code.splitlines() if line.strip().startswith("# ->")]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class BlockFailed(AssertionError):
    pass


@dataclass
class Terminal:
    """One terminal window: a folder and exported variables that carry from block to block."""

    cwd: Path
    env: dict[str, str]
    logs: Path
    procs: list[subprocess.Popen] = field(default_factory=list)  # each leads its process group
    server: subprocess.Popen | None = None
    session: subprocess.Popen | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state = self.logs / "terminal.state"
        if not self.state.exists():
            lines = [f"cd {shlex.quote(str(self.cwd))}"]
            lines += [f"export {k}={shlex.quote(v)}" for k, v in self.env.items() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k)]
            self.state.write_text("\n".join(lines) + "\n")

    def fork(self, cwd: Path, logs: Path, **env: str) -> Terminal:
        """A new window that starts where this one is (its variables), in `cwd`."""
        state = self.current_env()
        state.update(env)
        return Terminal(cwd=cwd, env=state, logs=logs)

    def current_env(self) -> dict[str, str]:
        proc = subprocess.run(
            ["bash", "-c", f"source {shlex.quote(str(self.state))} >/dev/null 2>&1; env -0; printf '\\0%s' \"$PWD\""],
            capture_output=True, env={"PATH": "/usr/bin:/bin"}, timeout=30,
        )
        *items, _cwd = proc.stdout.decode().split("\0")
        env = dict(item.split("=", 1) for item in items if "=" in item)
        for k in ("PWD", "OLDPWD", "SHLVL", "_"):
            env.pop(k, None)
        return env

    def current_cwd(self) -> Path:
        proc = subprocess.run(
            ["bash", "-c", f"source {shlex.quote(str(self.state))} >/dev/null 2>&1; pwd"],
            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=30,
        )
        return Path(proc.stdout.strip())

    # -- shell ----------------------------------------------------------------------------------

    def _script(self, code: str) -> str:
        state = shlex.quote(str(self.state))
        return (
            f"source {state}\n"
            f'__vts_save() {{ __rc=$?; {{ echo "cd $(printf %q "$PWD")"; export -p; }} > {state}; exit $__rc; }}\n'
            "trap __vts_save EXIT\n"
            "set -e -o pipefail\n"
            f"{code}\n"
        )

    def run_shell(self, block: Block, timeout: float = 900) -> str:
        if server_port(block) is not None:
            self.start_server(block)
            return ""
        log = self.logs / f"block{block.index:02d}.log"
        script = self.logs / f"block{block.index:02d}.sh"
        script.write_text(self._script(block.code))
        started = time.monotonic()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                ["bash", str(script)], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")},
                start_new_session=True,
            )
            self.procs.append(proc)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                raise BlockFailed(f"{block.describe()}\ntimed out after {timeout:.0f} s\n{_tail(log)}") from None
        self.timings.append((block.describe(), time.monotonic() - started))
        output = log.read_text(errors="replace")
        if rc != 0:
            raise BlockFailed(f"{block.describe()}\nexited {rc}:\n{_tail(log)}")
        for want in expected_outputs(block.code):
            if _squash(want) not in _squash(output):
                raise BlockFailed(f"{block.describe()}\nthe page promises {want!r}; the output was:\n{_tail(log)}")
        return output

    def start_server(self, block: Block, timeout: float = 240) -> None:
        self.stop_server()
        port = server_port(block)
        log = self.logs / f"block{block.index:02d}.server.log"
        script = self.logs / f"block{block.index:02d}.sh"
        # A foreground server keeps its terminal: the state is not saved (the reader comes back to
        # this terminal after Ctrl-C, as it was before).
        script.write_text(f"source {shlex.quote(str(self.state))}\nset -e\n{block.code}\n")
        started = time.monotonic()
        out = log.open("wb")
        self.server = subprocess.Popen(
            ["bash", str(script)], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}, start_new_session=True,
        )
        self.procs.append(self.server)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BlockFailed(f"{block.describe()}\nthe server exited {self.server.returncode}:\n{_tail(log)}")
            for path in ("/readyz", "/ping"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as resp:
                        if resp.status == 200:
                            self.timings.append((block.describe() + " (until ready)", time.monotonic() - started))
                            return
                except Exception:
                    pass
            time.sleep(0.5)
        raise BlockFailed(f"{block.describe()}\nnot ready on port {port} after {timeout:.0f} s:\n{_tail(log)}")

    def stop_server(self) -> None:
        """Ctrl-C in the server's terminal."""
        if self.server is None:
            return
        _stop_group(self.server.pid, self.server)
        self.server = None

    # -- files and the Python session -------------------------------------------------------------

    def file_block(self, block: Block) -> None:
        assert block.title
        path = self.current_cwd() / block.title
        if path.exists():
            have = path.read_text(encoding="utf-8")
            if have.strip() != block.code.strip():
                raise BlockFailed(f"{block.describe()}\n{path} is not what the page shows")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.code, encoding="utf-8")

    def run_python(self, block: Block, timeout: float = 600) -> None:
        if self.session is None:
            env = self.current_env()
            python = shutil.which("python", path=env.get("PATH", ""))
            assert python, "no `python` on the terminal's PATH"
            driver = self.logs / "python_session.py"
            driver.write_text(_DRIVER)
            self.session_log = self.logs / "python_session.log"
            self.session = subprocess.Popen(
                [python, str(driver)], cwd=self.current_cwd(), env=env, stdin=subprocess.PIPE,
                stdout=self.session_log.open("wb"), stderr=subprocess.STDOUT, text=True, start_new_session=True,
            )
            self.procs.append(self.session)
        code = self.logs / f"block{block.index:02d}.py"
        code.write_text(block.code)
        result = Path(str(code) + ".result")
        started = time.monotonic()
        assert self.session.stdin is not None
        self.session.stdin.write(f"{code}\n")
        self.session.stdin.flush()
        deadline = started + timeout
        while not result.exists():
            if self.session.poll() is not None:
                raise BlockFailed(f"{block.describe()}\nthe Python session exited:\n{_tail(self.session_log)}")
            if time.monotonic() > deadline:
                raise BlockFailed(f"{block.describe()}\ntimed out after {timeout:.0f} s\n{_tail(self.session_log)}")
            time.sleep(0.1)
        self.timings.append((block.describe(), time.monotonic() - started))
        outcome = json.loads(result.read_text())
        if not outcome["ok"]:
            raise BlockFailed(f"{block.describe()}\n{outcome['error']}\n{_tail(self.session_log)}")

    def close(self) -> None:
        self.stop_server()
        if self.session is not None and self.session.stdin is not None:
            with contextlib.suppress(OSError):
                self.session.stdin.close()
        for proc in self.procs:
            _stop_group(proc.pid, proc)


_DRIVER = '''\
import json, os, sys, traceback
sys.path.insert(0, "")
namespace = {"__name__": "__main__"}
for line in sys.stdin:
    path = line.strip()
    with open(path) as f:
        code = f.read()
    try:
        exec(compile(code, path, "exec"), namespace)
        outcome = {"ok": True}
    except BaseException:
        outcome = {"ok": False, "error": traceback.format_exc()}
    sys.stdout.flush(); sys.stderr.flush()
    with open(path + ".result.tmp", "w") as f:
        json.dump(outcome, f)
    os.replace(path + ".result.tmp", path + ".result")
'''


def _stop_group(pgid: int, proc: subprocess.Popen) -> None:
    """Ctrl-C to a process group (the block's shell and what it started), then harder."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        proc.poll()  # reap the leader: a zombie still counts as a member of its group
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def _tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no output)"


def run_page(blocks: list[Block], terminal: Terminal, *, docker: str | None) -> list[Block]:
    """Run the blocks in order; the first failure raises BlockFailed. Returns the blocks skipped
    for want of a Docker engine (never in CI)."""
    skipped: list[Block] = []
    for block in blocks:
        if needs_docker(block) and docker is not None:
            if ci():
                raise BlockFailed(f"{block.describe()}\nneeds Docker, and in CI it must run: {docker}")
            skipped.append(block)
            continue
        if block.title:
            terminal.file_block(block)
        elif block.lang == "bash":
            terminal.run_shell(block)
        elif block.lang == "python":
            terminal.run_python(block)
    return skipped


__all__ = ["Block", "BlockFailed", "Terminal", "ci", "docker_problem", "page_blocks", "reader_env", "run_page"]
