# The manifests of a vts, for the image your CI pushed (a tag or a digest is required).
vtsserving deploy kubernetes iris_classifier:latest \
    --image registry.example.com/ml/iris_classifier:1.0.0 | kubectl apply -f -
kubectl rollout status deployment/iris-classifier
kubectl port-forward service/iris-classifier 3000:80

# The same as a kustomize tree: base/, components/ and overlays/{staging,production}.
vtsserving deploy kubernetes iris_classifier:latest \
    --image registry.example.com/ml/iris_classifier:1.0.0 --output-dir k8s/
kubectl apply -k k8s/overlays/production
