# KServe's Open Inference Protocol (V2): one tensor per signature column.
curl -s http://127.0.0.1:5000/v2/models/my_sklearn_model
# {"name":"my_sklearn_model","versions":["..."],"platform":"mlflow",
#  "inputs":[{"name":"sepal_length","datatype":"FP64","shape":[-1]}, ...],
#  "outputs":[{"name":"predictions","datatype":"INT64","shape":[-1]}]}
curl -s http://127.0.0.1:5000/v2/models/my_sklearn_model/infer -H 'Content-Type: application/json' -d '{
  "inputs": [
    {"name": "sepal_length", "shape": [1], "datatype": "FP64", "data": [5.1]},
    {"name": "sepal_width",  "shape": [1], "datatype": "FP64", "data": [3.5]},
    {"name": "petal_length", "shape": [1], "datatype": "FP64", "data": [1.4]},
    {"name": "petal_width",  "shape": [1], "datatype": "FP64", "data": [0.2]}]}'
# -> "outputs":[{"name":"predictions","datatype":"INT64","shape":[1],"data":[0]}]
