"""Log a run with tags, params and metrics, then import its model with them attached."""

import mlflow
import mlflow.sklearn
import sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import vtsserving

MODEL_NAME = "wine_svc"


def train_and_log() -> str:
    """Train a classifier in an MLflow run and return the run id."""
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = {"C": 1.0, "kernel": "rbf"}
    model = make_pipeline(StandardScaler(), SVC(**params)).fit(X_train, y_train)

    with mlflow.start_run() as run:
        mlflow.set_tags({"team": "wine-quality", "dataset": "sklearn-wine"})
        mlflow.log_params(params)
        mlflow.log_metric("test_accuracy", model.score(X_test, y_test))
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(X, model.predict(X)),
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        )
    return run.info.run_id


def import_with_metadata(run_id: str) -> vtsserving.models.Model:
    """Import the run's model; its tags become labels, its metrics and params metadata."""
    # --8<-- [start:import]
    run = mlflow.get_run(run_id)
    model_uri = f"{run.info.artifact_uri}/model"
    return vtsserving.mlflow.import_model(
        MODEL_NAME,
        model_uri,
        labels=run.data.tags,
        metadata={
            "metrics": run.data.metrics,
            "params": run.data.params,
        },
    )
    # --8<-- [end:import]


def main() -> None:
    vts_model = import_with_metadata(train_and_log())
    print(f"Model imported to VtsServing: {vts_model}")
    print("labels:", vts_model.info.labels)
    print("metadata:", vts_model.info.metadata)


if __name__ == "__main__":
    main()
