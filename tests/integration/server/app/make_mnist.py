"""Save an (untrained) digits CNN with MLflow and import it as `mlflow_pytorch_mnist` (tests).

    python make_mnist.py OUT_DIR   # prints the imported tag
"""

from __future__ import annotations

import sys
from pathlib import Path


def make_mnist(out_dir: str | Path) -> str:
    import mlflow.pytorch
    import numpy as np
    import torch
    from torch import nn

    import vtsserving

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, kernel_size=5), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 24 * 24, 10)).eval()
    example = np.zeros((1, 1, 28, 28), dtype="float32")
    path = Path(out_dir) / "mlflow_mnist"
    mlflow.pytorch.save_model(model, str(path), input_example=example, serialization_format="pickle",
                              pip_requirements=["torch", "mlflow"])
    imported = vtsserving.mlflow.import_model("mlflow_pytorch_mnist", str(path),
                                              signatures={"predict": {"batchable": True}})
    return str(imported.tag)


if __name__ == "__main__":
    print(make_mnist(sys.argv[1]))
