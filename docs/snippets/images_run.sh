docker run --rm -p 3000:3000 iris_classifier:1.0.0
docker run --rm -p 8080:8080 -e PORT=8080 iris_classifier:1.0.0
docker run --rm iris_classifier:1.0.0 --help
