"""Log an iris classifier with MLflow, load its scikit-learn flavor back and save it natively.

A native scikit-learn model in VtsServing keeps every method of the estimator: this one serves
both `predict` and `predict_proba`.
"""

import mlflow
import mlflow.sklearn
import sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import vtsserving

MODEL_NAME = "iris_clf"


def main() -> None:
    X, y = load_iris(return_X_y=True)
    clf = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)

    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            clf,
            name="model",
            signature=infer_signature(X, clf.predict(X)),
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            # MLflow 3 saves scikit-learn models with skops, which loads tree models only
            # when their node storage type is declared trusted (it is: we just made it).
            skops_trusted_types=["sklearn.tree._tree.Tree"],
        )

    # Load the original flavor back and save it with VtsServing's scikit-learn support.
    loaded_model = mlflow.sklearn.load_model(info.model_uri)
    vts_model = vtsserving.sklearn.save_model(
        MODEL_NAME,
        loaded_model,
        signatures={
            "predict": {"batchable": True},
            "predict_proba": {"batchable": True},
        },
    )
    print(f"Model saved to VtsServing: {vts_model}")


if __name__ == "__main__":
    main()
