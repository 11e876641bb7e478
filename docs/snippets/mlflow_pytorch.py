"""Log a PyTorch model in a run, import it, and run it three ways (docs: guides/mlflow.md)."""

# --8<-- [start:log-import]
import mlflow
import numpy as np
import torch
from torch import nn

import vtsserving

torch.manual_seed(0)
# Any network on 1x28x28 images will do here; examples/mlflow/pytorch trains a real one.
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10)).eval()
test_input_arr = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)

with mlflow.start_run():
    mlflow.pytorch.log_model(
        model,
        artifact_path="pytorch-model",
        input_example=test_input_arr[:2],
        serialization_format="pickle",  # load back as an nn.Module (see the note below)
    )

    model_uri = mlflow.get_artifact_uri("pytorch-model")
    vts_model = vtsserving.mlflow.import_model(
        "mlflow_pytorch_mnist",
        model_uri,
        signatures={"predict": {"batchable": True}},
    )
# --8<-- [end:log-import]
assert vts_model.info.signatures["predict"].batchable

# --8<-- [start:native]
device = "cuda" if torch.cuda.is_available() else "cpu"

vts_model = vtsserving.mlflow.get("mlflow_pytorch_mnist:latest")
mlflow_model_path = vts_model.path_of(vtsserving.mlflow.MLFLOW_MODEL_FOLDER)

loaded_pytorch_model = mlflow.pytorch.load_model(mlflow_model_path)
loaded_pytorch_model.to(device)
loaded_pytorch_model.eval()
with torch.no_grad():
    input_tensor = torch.from_numpy(test_input_arr).to(device)
    predictions = loaded_pytorch_model(input_tensor)
# --8<-- [end:native]
assert tuple(predictions.shape) == (4, 10)

# --8<-- [start:pyfunc]
pyfunc_model: mlflow.pyfunc.PyFuncModel = vtsserving.mlflow.load_model("mlflow_pytorch_mnist:latest")
predictions = pyfunc_model.predict(test_input_arr)
# --8<-- [end:pyfunc]
assert np.allclose(np.asarray(predictions), loaded_pytorch_model(torch.from_numpy(test_input_arr)).detach().numpy(), atol=1e-5)

# --8<-- [start:runner]
runner = vtsserving.mlflow.get("mlflow_pytorch_mnist:latest").to_runner()
runner.init_local()
runner.predict.run(test_input_arr)
# --8<-- [end:runner]
assert np.asarray(runner.predict.run(test_input_arr)).shape == (4, 10)
