"""A custom Runnable, a Runner around it, and a model's own runner (docs: concepts/runners.md)."""

import asyncio

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving


# --8<-- [start:runnable]
class Doubler(vtsserving.Runnable):
    """Doubles its input; rows from concurrent calls may arrive together along axis 0."""

    def __init__(self, factor: float = 2.0) -> None:
        self.factor = factor

    @vtsserving.Runnable.method(batchable=True, batch_dim=0)
    def scale(self, batch: np.ndarray) -> np.ndarray:
        return batch * self.factor


doubler = vtsserving.Runner(Doubler, name="doubler", runnable_init_params={"factor": 2.0})
doubler.init_local()  # runs in this process: handy in notebooks and tests
print(doubler.scale.run(np.array([[1.0, 2.0]])))  # [[2. 4.]]
# --8<-- [end:runnable]
assert doubler.scale.run(np.array([[1.0, 2.0]])).tolist() == [[2.0, 4.0]]

X, y = load_iris(return_X_y=True)
vtsserving.sklearn.save_model(
    "iris_clf", LogisticRegression(max_iter=1000).fit(X, y), signatures={"predict": {"batchable": True}}
)

# --8<-- [start:model-runner]
iris_runner = vtsserving.models.get("iris_clf:latest").to_runner(
    max_batch_size=64,  # at most 64 rows per model call
    max_latency_ms=20,  # never hold a request longer than this waiting for a batch to fill
)
iris_runner.init_local()
print(iris_runner.predict.run(X[:2]))  # [0 0]


async def predict_async(rows: np.ndarray) -> np.ndarray:
    # In an async API function, await the runner instead of blocking the event loop.
    return await iris_runner.predict.async_run(rows)


print(asyncio.run(predict_async(X[-2:])))  # [2 2]
# --8<-- [end:model-runner]
assert iris_runner.predict.run(X[:2]).tolist() == [0, 0]
assert asyncio.run(predict_async(X[-2:])).tolist() == [2, 2]
