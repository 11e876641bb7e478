mlflow server --host 127.0.0.1 --port 5050 --backend-store-uri sqlite:///registry.db &
until curl -sf http://127.0.0.1:5050/health >/dev/null; do sleep 1; done
