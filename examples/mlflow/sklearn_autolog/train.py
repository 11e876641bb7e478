"""Train with MLflow autologging, then import the model the last run logged, by `runs:/` URI."""

import mlflow
import numpy as np
from sklearn.linear_model import LinearRegression

import vtsserving

MODEL_NAME = "linear_regression_model"


def main() -> None:
    # Autologging logs params, metrics and the fitted model of every `fit` call.
    mlflow.sklearn.autolog()

    # y = 1 * x0 + 2 * x1 + 3, learned exactly by a linear regression.
    X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    y = np.dot(X, np.array([1, 2])) + 3

    model = LinearRegression()
    model.fit(X, y)

    # Autologging opened and closed a run: find it, and the model logged under "model".
    run_id = mlflow.last_active_run().info.run_id
    artifact_path = "model"
    model_uri = f"runs:/{run_id}/{artifact_path}"
    vts_model = vtsserving.mlflow.import_model(MODEL_NAME, model_uri)
    print(f"Model imported to VtsServing: {vts_model}")

    # Autologging stays on in this Python process until it is turned off.
    mlflow.sklearn.autolog(disable=True)


if __name__ == "__main__":
    main()
