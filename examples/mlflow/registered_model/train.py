"""Train a random forest, log it to a tracking server and register it as a new model version.

Point MLflow at the server first: `export MLFLOW_TRACKING_URI=http://127.0.0.1:5000`.
"""

import mlflow
import mlflow.sklearn
import sklearn
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor

REGISTERED_NAME = "sk-learn-random-forest-reg-model"


def main() -> None:
    X, y = load_diabetes(return_X_y=True)
    model = RandomForestRegressor(n_estimators=20, max_depth=4, random_state=0).fit(X, y)

    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(X, model.predict(X)),
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            # MLflow 3 saves scikit-learn models with skops, which loads tree models only
            # when their node storage type is declared trusted (it is: we just made it).
            skops_trusted_types=["sklearn.tree._tree.Tree"],
            registered_model_name=REGISTERED_NAME,
        )
    version = info.registered_model_version

    # Promote the new version: a stage (older registry API) and an alias (the current one).
    client = MlflowClient()
    client.transition_model_version_stage(REGISTERED_NAME, version, stage="Staging")
    client.set_registered_model_alias(REGISTERED_NAME, "champion", version)
    print(f"Registered {REGISTERED_NAME} version {version} (stage Staging, alias champion)")


if __name__ == "__main__":
    main()
