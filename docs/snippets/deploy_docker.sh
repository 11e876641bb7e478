# Build the image, then run it in the background on port 3000.
vtsserving containerize iris_classifier:latest -t iris_classifier:1.0.0
docker run -d --name iris -p 3000:3000 iris_classifier:1.0.0

# Wait until the models are loaded, then ask for a prediction.
until curl -sf http://127.0.0.1:3000/readyz >/dev/null; do sleep 1; done
curl -s -X POST http://127.0.0.1:3000/predict \
     -H 'Content-Type: application/json' -d '[[5.1, 3.5, 1.4, 0.2]]'

# Stop it: SIGTERM, in-flight requests finish first.
docker stop iris && docker rm iris
