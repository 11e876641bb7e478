"""Small models for the MLflow tests: iris LogisticRegression, a tiny net on 1x28x28 digits."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def iris_data() -> tuple[Any, Any]:
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True, as_frame=True)


def iris_model() -> Any:
    from sklearn.linear_model import LogisticRegression

    X, y = iris_data()
    return LogisticRegression(max_iter=300).fit(X, y)


def digits_data() -> tuple[Any, Any]:
    """sklearn's 8x8 digits upscaled to 1x28x28 float32 images (MNIST's shape)."""
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    images = np.kron(X.reshape(-1, 8, 8), np.ones((3, 3))) / 16.0
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return images[:, None, :, :].astype("float32"), y


def torch_model() -> Any:
    import torch
    from torch import nn

    torch.manual_seed(0)
    X, y = digits_data()
    net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xs, ys = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(60):
        opt.zero_grad()
        nn.functional.cross_entropy(net(xs), ys).backward()
        opt.step()
    return net.eval()


def store_leftovers(home: Path) -> list[str]:
    """Anything left in the model store: stored versions and temporary folders."""
    models = home / "models"
    if not models.exists():
        return []
    return sorted(
        str(p.relative_to(models)) for p in models.rglob("*") if p.name not in (".lock", ".tmp")
    )
