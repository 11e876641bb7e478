"""The catalogue of `vtsserving` commands: name -> "module:attribute" of its click command.

Data only, at the bottom of the stack: the CLI imports each command from it lazily, and the
image entrypoint (rendered by `containerize`) needs the names to route `docker run IMAGE CMD`.
"""

from __future__ import annotations

COMMANDS = {
    "env": "vtsserving.cli.env:env",
    "models": "vtsserving.cli.models:models",
    "serve": "vtsserving.cli.serve:serve",
    "build": "vtsserving.cli.build:build",
    "list": "vtsserving.cli.vts:list_vts",
    "get": "vtsserving.cli.vts:get_vts",
    "delete": "vtsserving.cli.vts:delete_vts",
    "export": "vtsserving.cli.vts:export_vts",
    "import": "vtsserving.cli.vts:import_vts",
    "containerize": "vtsserving.cli.containerize:containerize",
    "deploy": "vtsserving.cli.deploy:deploy",
}
