export VTSSERVING_MLFLOW_MODEL_PATH=$(vtsserving models get logistic_regression_model:latest -o path)
vtsserving build
vtsserving containerize iris_logistic_regression:latest -t iris_logistic_regression:dev
