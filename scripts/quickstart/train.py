"""Train an iris classifier, save it as an MLflow model, and import it into VtsServing."""

import mlflow
import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import vtsserving

X, y = load_iris(return_X_y=True, as_frame=True)
model = LogisticRegression(max_iter=1000).fit(X, y)

# Name the requirements: MLflow's inference would record whatever else this process imported.
mlflow.sklearn.save_model(
    model,
    "iris_model",
    input_example=X.head(2),
    serialization_format="cloudpickle",
    pip_requirements=[
        f"mlflow=={mlflow.__version__}",
        f"scikit-learn=={sklearn.__version__}",
        f"numpy=={np.__version__}",
        f"pandas=={pd.__version__}",
    ],
)
vts_model = vtsserving.mlflow.import_model(
    "iris_clf", "./iris_model", signatures={"predict": {"batchable": True}}
)
print(f"imported ./iris_model as {vts_model.tag}")
