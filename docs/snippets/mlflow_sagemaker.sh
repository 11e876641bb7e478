# SageMaker starts a model image with the argument `serve` and calls port 8080.
docker run -d --name iris -p 8080:8080 iris_classifier:1.0.0 serve
until curl -sf http://127.0.0.1:8080/ping >/dev/null; do sleep 1; done
curl -s http://127.0.0.1:8080/invocations -H 'Content-Type: application/json' \
     -d '{"inputs": {"sepal_length": [5.1], "sepal_width": [3.5], "petal_length": [1.4], "petal_width": [0.2]}}'
# -> {"predictions": [0]}
docker rm -f iris
