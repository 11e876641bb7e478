# Three containers of the image, on three hosts (or three ports of one host).
vtsserving deploy haproxy --bind 0.0.0.0:80 \
    --server host-a:3000 --server host-b:3000 --server host-c:3000 | tee /etc/haproxy/haproxy.cfg

# Replace them one at a time: start the new container, wait for /readyz, let HAProxy mark it up
# (2 checks, 1 s apart), then stop an old one with SIGTERM and a timeout above 20 s.
docker stop -t 30 iris-old
