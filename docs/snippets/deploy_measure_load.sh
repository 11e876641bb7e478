# Measure the load time: seconds from `docker run` to the first /readyz 200.
docker run -d --name load-probe -p 127.0.0.1:3000:3000 registry.example.com/ml/ranker:2.3.0
start=$(date +%s)
until curl -sf http://127.0.0.1:3000/readyz >/dev/null; do sleep 1; done
echo "load time: $(( $(date +%s) - start )) s"
docker rm -f load-probe

# The startup probe then allows 3 x that (at least 60 s).
vtsserving deploy kubernetes ranker:latest --values deploy-values.yaml --load-time 140 --output-dir k8s/
