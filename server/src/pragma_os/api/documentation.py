"""The interactive API documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``), served with
scripts and styles installed with the server, so it works on a machine without internet access.

FastAPI's own pages load them from a CDN; the files here come from the ``fastapi-offline``
package, which ships Swagger UI 5 and ReDoc 2.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install_documentation(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` from local files; ``app`` must have its own pages turned off."""
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_PATH, StaticFiles(directory=_ASSETS), name="documentation-assets")

    # Plain routes, as FastAPI adds its own pages: not API routes, and not in the schema.
    async def swagger_ui(_: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )

    async def redoc(_: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
