"""The HTTP server: ASGI app, worker processes, health and metrics."""
