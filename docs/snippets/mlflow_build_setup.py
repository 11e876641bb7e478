"""Prepare a build context for mlflow_build.sh: an imported MLflow model, a service, a vtsfile."""

import shutil
from pathlib import Path

import mlflow.sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True)
mlflow.sklearn.save_model(LogisticRegression(max_iter=1000).fit(X, y), "saved_model")
vtsserving.mlflow.import_model("my_sklearn_model", "saved_model")
shutil.rmtree("saved_model")

Path("service.py").write_text(
    """\
import vtsserving
from vtsserving.io import NumpyNdarray

runner = vtsserving.mlflow.get("my_sklearn_model:latest").to_runner()
svc = vtsserving.Service("my_service", runners=[runner])


@svc.api(input=NumpyNdarray(), output=NumpyNdarray())
def predict(rows):
    return runner.predict.run(rows)
"""
)
# The vtsfile the guide shows: requirements taken from the MLflow model's folder.
shutil.copy(Path(__file__).with_name("mlflow_requirements.vtsfile.yaml"), "vtsfile.yaml")
