vtsserving deploy kserve iris_classifier:latest \
    --image registry.example.com/ml/iris_classifier:1.0.0 | kubectl apply -f -
kubectl get inferenceservice iris-classifier
