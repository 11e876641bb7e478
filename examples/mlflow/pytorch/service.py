"""Serve the imported digits CNN: a batch of 1x28x28 float32 images in, ten scores per image out."""

import numpy as np

import vtsserving

mnist_runner = vtsserving.mlflow.get("mlflow_pytorch_mnist:latest").to_runner()

svc = vtsserving.Service("mlflow_pytorch_mnist", runners=[mnist_runner])

input_spec = vtsserving.io.NumpyNdarray(
    dtype="float32",
    shape=[-1, 1, 28, 28],
    enforce_shape=True,
    enforce_dtype=True,
)


@svc.api(input=input_spec, output=vtsserving.io.NumpyNdarray())
def predict(input_arr: np.ndarray) -> np.ndarray:
    """One row of ten class scores (logits) per image; the digit is the argmax."""
    return mnist_runner.predict.run(input_arr)
