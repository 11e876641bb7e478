"""Import an MLflow model saved to a local folder (docs: guides/mlflow.md, "Import")."""

import os

# --8<-- [start:import]
import mlflow
import sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True, as_frame=True)
X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
model = LogisticRegression(max_iter=1000).fit(X, y)

mlflow.sklearn.save_model(
    model,
    "./my_model",
    signature=infer_signature(X, model.predict(X)),
    # What the model needs to run: MLflow otherwise infers it from every package it sees loaded.
    pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
)
vtsserving.mlflow.import_model("my_sklearn_model", model_uri="./my_model")
# --8<-- [end:import]

imported = vtsserving.mlflow.get("my_sklearn_model:latest")
assert imported.info.module == "vtsserving.mlflow"
assert os.path.isfile(os.path.join(imported.path_of(vtsserving.mlflow.MLFLOW_MODEL_FOLDER), "MLmodel"))
