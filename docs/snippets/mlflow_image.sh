export VTSSERVING_MLFLOW_MODEL_PATH=$(vtsserving models get my_sklearn_model:latest -o path)
vtsserving build --version 1.0.0
vtsserving containerize iris_classifier:1.0.0
