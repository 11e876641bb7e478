"""The Runnable behind `vtsserving.mlflow.get(tag).to_runner()`: one pyfunc `predict`."""

from __future__ import annotations

from typing import Any

from ...models import Model
from ...runner import Runnable
from ._inputs import prepare_input
from ._schema import columns_of, tensor_of


def get_runnable(model: Model) -> type[Runnable]:
    """A Runnable class whose `predict` loads the pyfunc model once and calls it."""
    from ._import import get, load_model

    model = get(model)

    class MLflowPyfuncRunnable(Runnable):
        SUPPORTED_RESOURCES = ("cpu",)
        SUPPORTS_CPU_MULTI_THREADING = True

        def __init__(self) -> None:
            self.model = load_model(model)
            signature = self.model.metadata.signature
            schema = signature.inputs if signature is not None else None
            self.columns = columns_of(schema)
            self.tensor = tensor_of(schema)

    def predict(self: MLflowPyfuncRunnable, data: Any) -> Any:
        return self.model.predict(prepare_input(data, self.columns, self.tensor))

    signature = model.info.signatures.get("predict")
    MLflowPyfuncRunnable.add_method(
        predict,
        "predict",
        batchable=bool(signature and signature.batchable),
        batch_dim=signature.batch_dim if signature else 0,
        input_spec=signature.input_spec if signature else None,
        output_spec=signature.output_spec if signature else None,
    )
    return MLflowPyfuncRunnable
