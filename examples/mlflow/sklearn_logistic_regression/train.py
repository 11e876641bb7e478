"""Train a logistic regression on iris, log it with MLflow and import the logged model."""

import mlflow
import mlflow.sklearn
import sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

MODEL_NAME = "logistic_regression_model"


def main() -> None:
    X, y = load_iris(return_X_y=True)
    lr = LogisticRegression(max_iter=1000)
    lr.fit(X, y)

    with mlflow.start_run():
        logged_model = mlflow.sklearn.log_model(
            lr,
            name="model",
            signature=infer_signature(X, lr.predict(X)),
            # Naming the requirements skips MLflow's slow inference of them.
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        )
        print(f"Model saved in run {mlflow.active_run().info.run_id}")

    # `model_uri` of the logged model: a `models:/m-...` URI in MLflow 3, `runs:/...` before.
    vts_model = vtsserving.mlflow.import_model(MODEL_NAME, logged_model.model_uri)
    print(f"Model imported to VtsServing: {vts_model}")


if __name__ == "__main__":
    main()
