"""The HTTP server: ASGI app, worker processes, serve targets, health and metrics.

Nothing is imported here: a spawned worker imports `vtsserving.server.worker` and must set up
its metrics folder before prometheus-client is imported.
"""
