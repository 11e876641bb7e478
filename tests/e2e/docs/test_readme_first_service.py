"""README's "A first service" is the quickstart's example, so a reader who followed the quickstart
has its model (`logistic_regression_model`, which the example's train.py imports into the reader's
own store) and the code it shows is code that is run (tests/e2e/docs/test_docs_run.py)."""

from __future__ import annotations

import ast
import re

import yaml
from _reader import ROOT

EXAMPLE = ROOT / "examples" / "mlflow" / "sklearn_logistic_regression"


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _code(source: str) -> str:
    """The module without its docstring and comments, normalised."""
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
        tree.body = tree.body[1:]
    return ast.unparse(tree)


def test_readme_first_service_is_the_quickstart_example() -> None:
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "A first service")
    (python,) = re.findall(r"```python\n(.*?)```", section, re.S)
    (vtsfile,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert _code(python) == _code((EXAMPLE / "service.py").read_text(encoding="utf-8"))

    model_name = re.search(r'MODEL_NAME = "([^"]+)"', (EXAMPLE / "train.py").read_text()).group(1)
    assert f'"{model_name}:latest"' in python
    assert f"vtsserving models get {model_name}:latest -o path" in section

    shown = yaml.safe_load(vtsfile)
    example = yaml.safe_load((EXAMPLE / "vtsfile.yaml").read_text(encoding="utf-8"))
    assert {k: example[k] for k in shown} == shown
    assert f"vtsserving containerize {example['name']}:latest" in section


def test_readme_names_no_tool_its_install_lacks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/mkdocs" not in readme
    assert 'pip install -e ".[docs]"' in readme
