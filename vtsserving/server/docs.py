"""The Swagger UI page at `/`, served from the installed `swagger-ui-bundle` package (offline)."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_PREFIX = "/static_content"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>{title} - VtsServing</title>
  <link rel="stylesheet" type="text/css" href="{static}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{static}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js" charset="UTF-8"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "/docs.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
    }});
  </script>
</body>
</html>
"""


def swagger_routes(title: str) -> list[Route | Mount]:
    """`/` (the page), `/docs` (redirect to it) and the static files it loads."""
    from swagger_ui_bundle import swagger_ui_path

    page = _PAGE.format(title=html.escape(title), static=STATIC_PREFIX)

    async def index(request: Request) -> Response:
        return HTMLResponse(page)

    async def docs(request: Request) -> Response:
        return RedirectResponse("/")

    return [
        Route("/", index, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Mount(STATIC_PREFIX, app=StaticFiles(directory=swagger_ui_path), name="static"),
    ]
