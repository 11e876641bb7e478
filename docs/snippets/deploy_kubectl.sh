kubectl apply -f iris-classifier.yaml
kubectl rollout status deployment/iris-classifier
kubectl port-forward service/iris-classifier 3000:80
