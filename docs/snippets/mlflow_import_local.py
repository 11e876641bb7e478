"""Import an MLflow model saved to a local folder (docs: guides/mlflow.md, "Import")."""

import mlflow
import mlflow.sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=1000).fit(X, y)

# --8<-- [start:import]
mlflow.sklearn.save_model(model, "./my_model")
vtsserving.mlflow.import_model("my_sklearn_model", model_uri="./my_model")
# --8<-- [end:import]

imported = vtsserving.mlflow.get("my_sklearn_model:latest")
assert imported.info.module == "vtsserving.mlflow"
import os  # noqa: E402

assert os.path.isfile(os.path.join(imported.path_of(vtsserving.mlflow.MLFLOW_MODEL_FOLDER), "MLmodel"))
