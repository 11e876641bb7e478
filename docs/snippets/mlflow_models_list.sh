vtsserving models list mlflow_pytorch_mnist
# -> mlflow_pytorch_mnist
