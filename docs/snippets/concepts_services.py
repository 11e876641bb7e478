"""A service with three APIs, served in-process for the check (docs: concepts/services.md)."""

import time

# --8<-- [start:imports]
import numpy as np
import pandas as pd
from pydantic import BaseModel

# --8<-- [end:imports]
from sklearn.datasets import load_iris  # noqa: E402 - not part of the shown code
from sklearn.linear_model import LogisticRegression  # noqa: E402

import vtsserving
from vtsserving.io import JSON, NumpyNdarray, PandasDataFrame

X, y = load_iris(return_X_y=True, as_frame=True)
vtsserving.sklearn.save_model(
    "iris_clf",
    LogisticRegression(max_iter=1000).fit(X.to_numpy(), y),
    signatures={"predict": {"batchable": True}, "predict_proba": {"batchable": True}},
)

# --8<-- [start:service]
iris_runner = vtsserving.models.get("iris_clf:latest").to_runner()

svc = vtsserving.Service("iris_classifier", runners=[iris_runner])


@svc.api(input=NumpyNdarray(dtype="float64", shape=(-1, 4), enforce_shape=True), output=NumpyNdarray())
def predict(rows: np.ndarray) -> np.ndarray:
    """Class index for each row of four measurements."""
    return iris_runner.predict.run(rows)


COLUMNS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


@svc.api(input=PandasDataFrame(orient="records", columns=COLUMNS), output=NumpyNdarray())
async def predict_proba(df: pd.DataFrame) -> np.ndarray:
    """Class probabilities for each record; async APIs await the runner."""
    return await iris_runner.predict_proba.async_run(df[COLUMNS].to_numpy())


class Flower(BaseModel):
    sepal_length: float
    sepal_width: float
    petal_length: float
    petal_width: float


@svc.api(input=JSON(pydantic_model=Flower), output=JSON(), route="/v1/classify")
def classify(flower: Flower) -> dict:
    """One flower as a JSON object in, its species name out."""
    row = np.array([[flower.sepal_length, flower.sepal_width, flower.petal_length, flower.petal_width]])
    species = ["setosa", "versicolor", "virginica"][int(iris_runner.predict.run(row)[0])]
    return {"species": species}
# --8<-- [end:service]

# --8<-- [start:example]
described = NumpyNdarray(dtype="float64", shape=[-1, 4], enforce_shape=True, example=[[5.1, 3.5, 1.4, 0.2]])
# --8<-- [end:example]
assert described.openapi_content()["application/json"]["example"] == [[5.1, 3.5, 1.4, 0.2]]

# Check the APIs over the real ASGI app, in this process.
from starlette.testclient import TestClient  # noqa: E402

from vtsserving.server.app import create_app  # noqa: E402

with TestClient(create_app(svc)) as client:
    assert client.get("/livez").status_code == 200
    deadline = time.monotonic() + 60
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "service not ready"
        time.sleep(0.2)
    assert client.post("/predict", json=[[5.1, 3.5, 1.4, 0.2]]).json() == [0]
    records = [dict(zip(COLUMNS, [6.7, 3.0, 5.2, 2.3], strict=True))]
    proba = client.post("/predict_proba", json=records).json()
    assert np.argmax(proba[0]) == 2
    flower = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
    assert client.post("/v1/classify", json=flower).json() == {"species": "setosa"}
    bad = client.post("/predict", json=[[1, 2, 3]])
    assert bad.status_code == 400, bad.text
    assert "shape" in bad.text, bad.text
    assert "/v1/classify" in client.get("/docs.json").json()["paths"]
