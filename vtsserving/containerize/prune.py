"""Packages that the MLflow loading stack installs but serving a model never imports.

mlflow-skinny requires them for tracking, Git metadata and Databricks sign-in: GitPython (with
gitdb and smmap), python-dotenv, and databricks-sdk's google-auth (with cryptography, cffi,
pycparser, pyasn1, pyasn1-modules, rsa); skops requires prettytable (and wcwidth) for model
cards: together about 35 MB. Loading a pyfunc model, `predict`, MLflow's scoring-server parsers
and `skops.io.load` import none of them (checked in the image: tests/e2e). The builder stage
uninstalls each one that no requirement of the vts names and no other installed package (but
those below) requires; `docker.prune_packages: false` keeps them all.
"""

from __future__ import annotations

UNUSED_BY_SERVING = (
    "gitpython", "gitdb", "smmap", "python-dotenv", "google-auth", "cryptography", "cffi",
    "pycparser", "pyasn1", "pyasn1-modules", "rsa", "prettytable", "wcwidth",
)
# Their requirement on the packages above is ignored (serving never takes the code path that
# imports them); any other installed package that requires one keeps it.
IGNORED_REQUIRERS = ("mlflow-skinny", "databricks-sdk", "skops")
