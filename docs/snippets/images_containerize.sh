vtsserving build
vtsserving containerize iris_classifier:latest
vtsserving containerize iris_classifier:latest -t registry.example.com/ml/iris:1.0.0 --push
