# The vts and its image in one step; reuse the registry's layer cache, refresh it, push.
vtsserving build --containerize -t registry.example.com/ml/iris:1.0.0 \
  --cache-from registry.example.com/ml/iris:buildcache \
  --cache-to registry.example.com/ml/iris:buildcache \
  --sbom iris.cdx.json --push
# Print the Dockerfile and the exact build and push commands; build nothing.
vtsserving containerize iris_classifier:latest --dry-run --cache-from registry.example.com/ml/iris
# Only the base stage (the user, Python, system packages), pulling a fresh base image.
vtsserving containerize iris_classifier:latest --target vts-base --pull -t iris-base:dev
