"""Train an iris classifier, log it with MLflow, and import it into the VtsServing store."""

import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True, as_frame=True)
model = LogisticRegression(max_iter=1000).fit(X, y)

with mlflow.start_run():
    logged = mlflow.sklearn.log_model(model, name="model", input_example=X.head(2))

vts_model = vtsserving.mlflow.import_model(
    "iris_clf", logged.model_uri, signatures={"predict": {"batchable": True}}
)
print(f"imported {logged.model_uri} as {vts_model.tag}")
