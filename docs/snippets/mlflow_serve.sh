# Serve an imported model with no service code, as `mlflow models serve` would.
vtsserving serve mlflow-model:my_sklearn_model:latest --port 5000 &
until curl -sf http://127.0.0.1:5000/ping >/dev/null; do sleep 1; done

# MLflow's scoring protocol: the same bodies, the same answers.
curl -s http://127.0.0.1:5000/invocations -H 'Content-Type: application/json' \
     -d '{"dataframe_split": {"columns": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
                              "data": [[5.1, 3.5, 1.4, 0.2]]}}'
# -> {"predictions": [0]}
curl -s http://127.0.0.1:5000/invocations -H 'Content-Type: text/csv' \
     --data-binary $'sepal_length,sepal_width,petal_length,petal_width\n6.7,3.0,5.2,2.3\n'
# -> {"predictions": [2]}
curl -s http://127.0.0.1:5000/version
# the MLflow version, e.g. 3.17.2
