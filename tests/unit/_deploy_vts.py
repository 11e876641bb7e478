"""A hand-made vts folder for the deploy tests: vts.yaml plus models of a chosen size, no service code."""

from __future__ import annotations

import os
from pathlib import Path

from vtsserving.vts import Vts, VtsInfo

VERSION = "01m8kq2tmg1c5svf"
MODEL = "iris_clf:01m8kq2kd50cnfhb"


def make_vts(root: Path, *, model_bytes: int = 2048, mlflow: bool = True, name: str = "iris_svc") -> Vts:
    """A vts whose one model takes `model_bytes` on disk (a sparse file: big sizes cost nothing)."""
    module = "vtsserving.mlflow" if mlflow else "vtsserving.sklearn"
    methods = ["predict", "pyfunc_predict"] if mlflow else ["predict"]
    model_name, model_version = MODEL.split(":")
    folder = root / "models" / model_name / model_version
    folder.mkdir(parents=True)
    (folder / "model.yaml").write_text(f"name: {model_name}\nversion: {model_version}\n")
    with open(folder / "weights.bin", "wb") as weights:
        weights.truncate(max(0, model_bytes - os.path.getsize(folder / "model.yaml")))
    info = VtsInfo(
        service="service:svc", name=name, version=VERSION,
        models=[{"tag": MODEL, "module": module}],
        runners=[{"name": model_name, "runnable_type": "R", "models": [MODEL], "methods": methods}],
        apis=[{"name": "predict", "route": "/predict", "input": {"id": "x"}, "output": {"id": "y"}}],
    )
    (root / "vts.yaml").write_text(info.to_yaml())
    return Vts.from_path(root)


DOCS_IMAGE = "registry.example.com/ml/iris_classifier:1.0.0"
SNIPPETS = Path(__file__).resolve().parents[2] / "docs" / "snippets"


def doc_snippets(root: Path) -> dict[str, str]:
    """The generated manifests the deployment guide shows, as `vtsserving deploy` prints them."""
    from click.testing import CliRunner

    from vtsserving.cli import cli

    vts = make_vts(root, name="iris_classifier")
    out = {}
    for target, snippet in (("kubernetes", "deploy_kubernetes.yaml"), ("kserve", "deploy_kserve.yaml")):
        result = CliRunner().invoke(cli, ["deploy", target, vts.path, "--image", DOCS_IMAGE])
        assert result.exit_code == 0, result.output
        out[snippet] = result.stdout.replace(f"vts {vts.tag}", "vts iris_classifier:latest")
    return out


if __name__ == "__main__":  # regenerate the snippets: python tests/unit/_deploy_vts.py
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for name, text in doc_snippets(Path(folder)).items():
            (SNIPPETS / name).write_text(text)
            print(f"wrote docs/snippets/{name}")
