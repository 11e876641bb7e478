"""A user service whose runner is an imported MLflow model (iris): input checked by its signature."""

import vtsserving
from vtsserving.io import JSON, NumpyNdarray, PandasDataFrame

runner = vtsserving.mlflow.get("iris:latest").to_runner()
svc = vtsserving.Service("iris_user", runners=[runner])


@svc.api(input=NumpyNdarray(dtype="float64"), output=NumpyNdarray())
async def classify(rows):
    return await runner.predict.async_run(rows)


@svc.api(input=PandasDataFrame(orient="records"), output=JSON())
def classify_table(frame):
    return runner.predict.run(frame)
