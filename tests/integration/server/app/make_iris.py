"""Save the iris LogisticRegression with MLflow and import it into VtsServing (tests and bench).

    python make_iris.py OUT_DIR   # prints the MLflow model folder and the imported tag
"""

from __future__ import annotations

import sys
from pathlib import Path


def make_iris(out_dir: str | Path, name: str = "iris", batchable: bool = True) -> tuple[str, str]:
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import vtsserving

    data = load_iris(as_frame=True)
    X = data.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    model = LogisticRegression(max_iter=500).fit(X, data.target)
    path = Path(out_dir) / "mlflow_iris"
    mlflow.sklearn.save_model(
        model, str(path), signature=infer_signature(X, model.predict(X)), serialization_format="cloudpickle"
    )
    imported = vtsserving.mlflow.import_model(name, str(path), signatures={"predict": {"batchable": batchable}})
    return str(path), str(imported.tag)


def make_iris_clf(out_dir: str | Path) -> tuple[str, str]:
    """The iris model under the name the quickstart service uses."""
    return make_iris(out_dir, name="iris_clf")


if __name__ == "__main__":
    print(*make_iris(sys.argv[1]))
