"""The web console: ``GET /`` answers its page, ``/console/assets/...`` its scripts and styles.

The console is a static single-page application built from ``console/`` (``make setup`` runs
the build) into ``pragma_os/console_assets``; it signs in client-side and talks to the public
API, so neither its page nor its assets need a token. Built asset names carry a content hash,
so they may be cached for good; the page itself is always revalidated.
"""

from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_DIR = Path(__file__).resolve().parent.parent / "console_assets"

MISSING_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pragma console</title></head>
<body><main><h1>The console is not built</h1>
<p>Run <code>make setup</code> in the repository to build the web console, then reload this page.
The API itself works without it.</p></main></body></html>
"""

_PAGE_HEADERS = {"Cache-Control": "no-cache"}
_IMMUTABLE = "public, max-age=31536000, immutable"


class _HashedAssets(StaticFiles):
    """Static files whose names carry a content hash: cacheable for a year."""

    async def check_config(self) -> None:
        # Not built yet: every asset is a 404 (Starlette's check would make it a 500).
        if self.directory is not None and await anyio.Path(self.directory).is_dir():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = _IMMUTABLE
        return response


def install_console(app: FastAPI, assets_dir: Path = ASSETS_DIR) -> None:
    """Serve the console's page at ``/`` and its built assets under ``/console/assets``."""

    # A plain Starlette route, not an API route: the page is no part of the API or its document.
    async def console_page(_: Request) -> HTMLResponse:
        index = anyio.Path(assets_dir / "index.html")
        try:
            return HTMLResponse(await index.read_text(encoding="utf-8"), headers=_PAGE_HEADERS)
        except FileNotFoundError:
            return HTMLResponse(MISSING_BUILD_PAGE, headers=_PAGE_HEADERS)

    app.router.add_route("/", console_page, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount(
        "/console/assets",
        _HashedAssets(directory=assets_dir / "assets", check_dir=False),
        name="console-assets",
    )
