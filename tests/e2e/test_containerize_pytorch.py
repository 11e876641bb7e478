"""End to end: a PyTorch model logged with MLflow -> vts -> image -> prediction (issue 6, item 8).

The model's requirements.txt pins `torch==2.13.0+cpu`, which PyPI does not serve: the vtsfile
ships the CPU wheel lying on this machine (/opt/wheels) with `python.wheels`, as a user of a
`+cpu` build would. The service uses the seed's NumpyNdarray input spec.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from _containerize_flow import build_vts, containerize, run
from _containerize_helpers import free_port, post_predict, remove_images, running, wait_http

pytestmark = [pytest.mark.docker, pytest.mark.slow]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

TRAIN = """
import json
import mlflow, numpy as np, torch
import vtsserving

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 26 * 26, 10)
).eval()
example = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
mlflow.set_tracking_uri("sqlite:///mlflow.db")
reqs = [f"torch=={torch.__version__}", f"mlflow=={mlflow.__version__}", f"numpy=={np.__version__}"]
with mlflow.start_run():
    mlflow.pytorch.log_model(model, name="pytorch-model", serialization_format="pickle", pip_requirements=reqs)
    model_uri = mlflow.get_artifact_uri("pytorch-model")
    vtsserving.mlflow.import_model("mlflow_pytorch_mnist", model_uri, signatures={"predict": {"batchable": True}})
with torch.no_grad():
    expected = model(torch.from_numpy(example)).numpy()
json.dump({"input": example.tolist(), "output": expected.tolist()}, open("expected.json", "w"))
"""

SERVICE = """
import vtsserving

mnist_runner = vtsserving.mlflow.get('mlflow_pytorch_mnist:latest').to_runner()

svc = vtsserving.Service('mlflow_pytorch_mnist', runners=[ mnist_runner ])

input_spec = vtsserving.io.NumpyNdarray(
    dtype="float32",
    shape=[-1, 1, 28, 28],
    enforce_shape=True,
    enforce_dtype=True,
)

@svc.api(input=input_spec, output=vtsserving.io.NumpyNdarray())
def predict(input_arr):
    return mnist_runner.predict.run(input_arr)
"""

VTSFILE = """
service: "service:svc"
include: ["service.py"]
python:
  requirements_txt: $VTSSERVING_MLFLOW_MODEL_PATH/mlflow_model/requirements.txt
  lock_packages: false
  wheels: ["{wheel}"]
docker:
  base_image: {base}
"""


def _torch_wheel() -> str:
    wheels = sorted(glob.glob("/opt/wheels/torch-*+cpu-*.whl"))
    if not wheels:
        message = "no CPU torch wheel in /opt/wheels (the image cannot get torch+cpu from PyPI)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return wheels[0]


@pytest.fixture(scope="module")
def torch_image(tmp_path_factory: pytest.TempPathFactory, docker_engine: str) -> Iterator[tuple[dict, dict]]:
    wheel = _torch_wheel()
    root = tmp_path_factory.mktemp("torch_project")
    env = {"VTSSERVING_HOME": str(root / "home")}
    (root / "train.py").write_text(TRAIN)
    (root / "service.py").write_text(SERVICE)
    (root / "vtsfile.yaml").write_text(VTSFILE.format(wheel=wheel, base=docker_engine))
    run([sys.executable, "train.py"], env, root)
    tag = build_vts(root, env, "mlflow_pytorch_mnist:latest")
    result, _ = containerize(tag, env, root)
    yield result, json.loads((root / "expected.json").read_text())
    remove_images(*result["tags"])


def test_pytorch_image_predicts_like_the_model(torch_image: tuple[dict, dict]) -> None:
    result, expected = torch_image
    port = free_port()
    with running(result["tags"][0], env={"PORT": str(port)}) as container:
        wait_http(f"http://127.0.0.1:{port}/healthz", container, timeout=180)
        response = post_predict(port, expected["input"], timeout=120)
        assert response.status_code == 200, response.text
        np.testing.assert_allclose(np.array(response.json()), np.array(expected["output"]), rtol=1e-4, atol=1e-5)
        wrong = post_predict(port, [[1.0, 2.0]], timeout=120)
        assert 400 <= wrong.status_code < 500, wrong.text
