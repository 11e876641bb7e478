export VTSSERVING_MLFLOW_MODEL_PATH=$(vtsserving models get my_sklearn_model:latest -o path)
vtsserving build
