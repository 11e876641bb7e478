"""Point MLflow at the tracking server that guides/mlflow.md starts (mlflow_tracking_server.sh)."""

import mlflow

# --8<-- [start:uri]
mlflow.set_tracking_uri("http://127.0.0.1:5050")
# --8<-- [end:uri]
assert mlflow.get_tracking_uri() == "http://127.0.0.1:5050"
