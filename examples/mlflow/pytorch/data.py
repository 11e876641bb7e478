"""Digits as 1x28x28 float32 images: scikit-learn's bundled 8x8 digits, scaled up and padded."""

import numpy as np
from sklearn.datasets import load_digits


def load_mnist_like() -> tuple[np.ndarray, np.ndarray]:
    """Images of shape (n, 1, 28, 28) with values in [0, 1], and their labels."""
    digits = load_digits()
    images = digits.images.astype("float32") / 16.0  # (n, 8, 8)
    images = np.kron(images, np.ones((3, 3), dtype="float32"))  # (n, 24, 24)
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))  # (n, 28, 28)
    return images[:, None, :, :], digits.target.astype("int64")
