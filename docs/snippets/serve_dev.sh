vtsserving serve service:svc --port 3000
