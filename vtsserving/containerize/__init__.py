"""Turn a vts into a container image: render the Dockerfile, run a build backend."""
