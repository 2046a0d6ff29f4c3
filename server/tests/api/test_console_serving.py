"""The web console's page at / and its assets under /console/assets, served without a token."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import FastAPI

from pragma_os.api.console import install_console
from testing.fixtures.server import RunningServer


def test_the_console_page_and_its_assets_need_no_token_and_the_api_stays_put(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        page = anonymous.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        scripts = re.findall(r'src="(/console/assets/[^"]+\.js)"', page.text)
        assert scripts, "the built console's page names its script (run make setup to build it)"
        asset = anonymous.get(scripts[0])
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        assert anonymous.get("/console/assets/no-such-file.js").status_code == 404
        assert anonymous.get("/resources/").status_code == 401  # the API is where it was
        assert "/" not in anonymous.get("/openapi.json").json()["paths"]


async def test_without_a_build_the_page_says_to_run_make_setup(tmp_path: Path) -> None:
    app = FastAPI()
    install_console(app, tmp_path / "not-built")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert "make setup" in page.text
        assert (await client.get("/console/assets/index.js")).status_code == 404
