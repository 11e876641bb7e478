"""Every code block of the docs is tested: the blocks come from files, and each file is run or checked.

Rules the docs follow (checked here):
- a fenced block in a page holds only `--8<--` includes, except `text` blocks (trees, output);
- every included file exists;
- Python snippets run to the end (their hidden lines assert the results) in a temporary folder,
  with their own VTSSERVING_HOME and MLflow tracking store;
- shell snippets are valid bash, every `vtsserving` command line in them parses against the
  real CLI, and those that can run here (no Docker, registry or cluster) are run;
- YAML snippets parse: vtsfiles with the vtsfile schema, Kubernetes and CI files by structure.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import jinja2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SNIPPETS = DOCS / "snippets"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "snippets" not in p.parts)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
_INCLUDE = re.compile(r'^\s*--8<--\s+"(?P<path>[^"]+)"\s*$')

# Python files that only prepare a folder for a shell snippet; no page shows them.
SETUP_ONLY = {"mlflow_build_setup.py"}
# Shell snippets that run here: the Python snippet that prepares the folder, and a word the
# output must contain.
SHELL_RUNS = {
    "mlflow_models_list.sh": ("mlflow_pytorch.py", "mlflow_pytorch_mnist"),
    "concepts_models.sh": ("concepts_models.py", "iris_clf"),
    "mlflow_build.sh": ("mlflow_build_setup.py", "my_service"),
}


def _blocks() -> list[tuple[Path, str, str]]:
    return [(page, m["lang"], m["body"]) for page in PAGES for m in _FENCE.finditer(page.read_text())]


def _included_paths() -> list[tuple[str, str]]:
    found = []
    for _page, lang, body in _blocks():
        for line in body.splitlines():
            match = _INCLUDE.match(line)
            if match:
                found.append((lang, match["path"].split(":")[0]))
    return found


def _resolve(path: str) -> Path:
    for base in (ROOT, SNIPPETS):
        if (base / path).is_file():
            return base / path
    raise FileNotFoundError(path)


def test_pages_have_code_blocks_only_as_includes() -> None:
    blocks = _blocks()
    assert len(blocks) > 30
    for page, lang, body in blocks:
        if lang == "text":
            continue
        lines = [line for line in body.splitlines() if line.strip()]
        assert lines, f"{page.relative_to(ROOT)}: empty ```{lang} block"
        literal = [line for line in lines if not _INCLUDE.match(line)]
        assert not literal, (
            f"{page.relative_to(ROOT)}: ```{lang} block has inline code {literal[:2]}; "
            "put it in docs/snippets/ (or an example) and include it with --8<--"
        )


def test_every_include_exists_and_every_snippet_is_used() -> None:
    used = {_resolve(path) for _lang, path in _included_paths()}
    assert used
    for snippet in SNIPPETS.iterdir():
        if snippet.name in SETUP_ONLY or snippet.name == "__pycache__":
            continue
        assert snippet in used, f"docs/snippets/{snippet.name} is not included by any page"


def test_include_languages_match_files() -> None:
    suffix_langs = {".py": {"python"}, ".sh": {"bash"}, ".yaml": {"yaml"}, ".j2": {"jinja"}, ".txt": {"text"}}
    for lang, path in _included_paths():
        expected = suffix_langs.get(Path(path).suffix)
        assert expected and lang in expected, f"{path} is included in a ```{lang} block"


# --- Python ----------------------------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    """A reader's shell: nothing MLflow-related inherited from other tests' servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "AWS_"))}
    env["VTSSERVING_HOME"] = str(tmp_path / "vtsserving_home")
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run_python(snippet: Path, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, str(snippet)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{snippet.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc.stdout


def _python_snippets() -> list[str]:
    return sorted(p.name for p in SNIPPETS.glob("*.py") if p.name not in SETUP_ONLY)


@pytest.mark.slow
@pytest.mark.parametrize("name", _python_snippets())
def test_python_snippet_runs(name: str, tmp_path: Path) -> None:
    _run_python(SNIPPETS / name, tmp_path, _env(tmp_path))


# --- shell -----------------------------------------------------------------------------------


def _shell_snippets() -> list[Path]:
    return sorted(SNIPPETS.glob("*.sh"))


def _vtsserving_lines(script: str) -> list[list[str]]:
    """The argument lists of every `vtsserving ...` command in a script, `$(...)` ones included."""
    joined = script.replace("\\\n", " ")
    commands = []
    for match in re.finditer(r"(?:^|[\s($;&|])vtsserving\s+([^\n;&|)]*)", joined):
        args = shlex.split(match.group(1), comments=True)
        commands.append(args)
    return commands


def _parse_cli(args: list[str]) -> None:
    from vtsserving.cli import cli

    group: click.Command = cli
    ctx = click.Context(cli, info_name="vtsserving")
    path = ["vtsserving"]
    while isinstance(group, click.Group) and args and not args[0].startswith("-"):
        name = args.pop(0)
        sub = group.get_command(ctx, name)
        assert sub is not None, f"`{' '.join(path)} {name}`: no such command"
        path.append(name)
        group = sub
        ctx = click.Context(sub, info_name=name, parent=ctx)
    if "--help" in args or "--version" in args:
        return
    # Raises click.UsageError on an unknown option, a bad choice or a missing argument.
    try:
        group.make_context(path[-1], list(args), parent=ctx.parent)
    except click.BadParameter as exc:
        if "does not exist" not in exc.format_message():  # files the snippet makes earlier
            raise


@pytest.mark.parametrize("snippet", _shell_snippets(), ids=lambda p: p.name)
def test_shell_snippet_is_valid(snippet: Path) -> None:
    bash = shutil.which("bash")
    assert bash
    proc = subprocess.run([bash, "-n", str(snippet)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for args in _vtsserving_lines(snippet.read_text()):
        try:
            _parse_cli(list(args))
        except click.UsageError as exc:
            pytest.fail(f"{snippet.name}: `vtsserving {shlex.join(args)}`: {exc.format_message()}")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHELL_RUNS))
def test_shell_snippet_runs(name: str, tmp_path: Path) -> None:
    setup, expected = SHELL_RUNS[name]
    env = _env(tmp_path)
    _run_python(SNIPPETS / setup, tmp_path, env)
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", str(SNIPPETS / name)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert expected in proc.stdout + proc.stderr


# --- YAML and templates ----------------------------------------------------------------------


def _fake_mlflow_model(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    (folder / "mlflow_model").mkdir(parents=True)
    (folder / "mlflow_model" / "requirements.txt").write_text("scikit-learn\n")
    (folder / "mlflow_model" / "conda.yaml").write_text("dependencies: [python=3.11]\n")
    return folder


@pytest.mark.parametrize("snippet", sorted(SNIPPETS.glob("*.vtsfile.yaml")), ids=lambda p: p.name)
def test_vtsfile_snippet_validates(snippet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vtsserving.builder.config import VtsfileConfig

    monkeypatch.setenv("VTSSERVING_MLFLOW_MODEL_PATH", str(_fake_mlflow_model(tmp_path)))
    (tmp_path / "setup.sh").write_text("echo setup\n")
    shutil.copy(SNIPPETS / "images_template.j2", tmp_path / "Dockerfile.template")
    config = VtsfileConfig.from_dict(yaml.safe_load(snippet.read_text()), snippet.name)
    resolved = config.resolved(tmp_path, snippet.name)
    assert resolved.service == "service:svc"


def test_vtsfile_snippet_with_unknown_key_is_refused() -> None:
    from vtsserving.builder.config import VtsfileConfig
    from vtsserving.exceptions import VtsServingError

    data = yaml.safe_load((SNIPPETS / "concepts_vts.vtsfile.yaml").read_text())
    data["python"]["requirement_txt"] = "typo.txt"
    with pytest.raises(VtsServingError, match="python.requirement_txt"):
        VtsfileConfig.from_dict(data, "vtsfile.yaml")


def test_kubernetes_manifest_has_probes_on_health_routes() -> None:
    docs = list(yaml.safe_load_all((SNIPPETS / "deploy_kubernetes.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    assert {"Deployment", "Service"} <= set(kinds)  # generated: tests/unit/test_deploy_docs.py
    deployment, service = kinds["Deployment"], kinds["Service"]
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 3000}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_github_workflow_builds_and_pushes() -> None:
    workflow = yaml.safe_load((SNIPPETS / "deploy_github_actions.yaml").read_text())
    assert workflow["name"] and workflow[True]["push"]["branches"] == ["main"]  # `on:` parses as True
    steps = workflow["jobs"]["image"]["steps"]
    script = "\n".join(step.get("run", "") for step in steps)
    assert "vtsserving build" in script and "--push" in script
    for args in _vtsserving_lines(re.sub(r"\$\{\{[^}]*\}\}", "X", script)):
        _parse_cli(list(args))


def test_dockerfile_template_snippet_parses() -> None:
    source = (SNIPPETS / "images_template.j2").read_text()
    ast = jinja2.Environment().parse(source)
    assert ast.find(jinja2.nodes.Extends) is not None
    base = (ROOT / "templates" / "base.j2").read_text()
    for block in re.findall(r"{%\s*block\s+(\w+)", source):
        assert re.search(rf"{{%-?\s*block\s+{block}\b", base), f"base.j2 has no block {block!r}"
