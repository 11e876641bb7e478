"""Save a scikit-learn model natively instead of, or after, importing it (docs: guides/mlflow.md)."""

import mlflow
import mlflow.sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True)  # the page's first block made these

# --8<-- [start:direct]
clf = LogisticRegression(max_iter=1000).fit(X, y)

with mlflow.start_run() as run:
    mlflow.sklearn.log_model(clf, name="model")
    vtsserving.sklearn.save_model("iris_clf", clf)
# --8<-- [end:direct]

# --8<-- [start:reload]
model_uri = f"runs:/{run.info.run_id}/model"
loaded_model = mlflow.sklearn.load_model(model_uri)
vtsserving.sklearn.save_model("iris_clf", loaded_model)
# --8<-- [end:reload]

assert len(vtsserving.models.list("iris_clf")) == 2
assert vtsserving.sklearn.load_model("iris_clf:latest").predict(X[:1]).tolist() == [0]
