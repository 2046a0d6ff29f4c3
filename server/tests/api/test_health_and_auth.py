"""Health, authentication and tenant isolation over HTTP against a running server."""

from __future__ import annotations

import re

import httpx
import pytest

from testing.fixtures.server import RunningServer, admin, new_tenant_token


def test_health_is_exactly_ok_with_plain_json_content_type(server: RunningServer) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["content-type"] == "application/json"


def test_openapi_docs_are_served(server: RunningServer) -> None:
    assert httpx.get(f"{server.url}/docs").status_code == 200
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert {"/resources/apply", "/resources/", "/resources/{resource_id}", "/auth/me"} <= set(paths)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_documentation_loads_nothing_from_other_hosts(server: RunningServer, page: str) -> None:
    html = httpx.get(f"{server.url}{page}")
    assert html.status_code == 200
    # Every script, style and icon the page loads is served by the server itself.
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html.text) + re.findall(r"url: '([^']+)'", html.text)
    assert loaded
    assert [url for url in loaded if not url.startswith("/")] == []
    for url in loaded:
        assert httpx.get(f"{server.url}{url}").status_code == 200, url
    assert "fonts.googleapis" not in html.text


def test_me_returns_the_bootstrap_admin(http: httpx.Client) -> None:
    me = http.get("/auth/me").json()
    assert me["email"] == "admin@localhost"
    assert me["organization_name"] == "default"
    assert me["user_id"].startswith("usr_")
    assert me["organization_id"].startswith("org_")


def test_missing_token_is_401_saying_how_to_log_in(server: RunningServer) -> None:
    response = httpx.get(f"{server.url}/resources/")
    assert response.status_code == 401
    assert "pragma auth login" in response.json()["detail"]["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_token_is_401(server: RunningServer) -> None:
    for header in ("Bearer prg_not-a-real-token", "Bearer nonsense", "Basic abc"):
        response = httpx.get(f"{server.url}/auth/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert "PRAGMA_AUTH_TOKEN" in response.json()["detail"]["message"]


def test_tokens_are_stored_hashed(server: RunningServer) -> None:
    if not server.database_url.startswith("sqlite"):
        return  # the hash check reads the SQLite file directly; the API tests cover Postgres
    import sqlite3

    path = server.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as connection:
        stored = [row[0] for row in connection.execute("SELECT token_hash FROM api_tokens")]
    assert server.token not in stored
    assert all(len(value) == 64 for value in stored)


def test_another_tenant_cannot_see_or_touch_resources(
    server: RunningServer, http: httpx.Client, provider_name: str
) -> None:
    body = {"provider": provider_name, "resource": "bucket", "name": "private", "config": {"a": 1}}
    assert http.post("/resources/apply", json=body).status_code == 200
    token = new_tenant_token(server, f"org-{provider_name}", "someone@example.com")
    assert token.startswith("prg_")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as other:
        assert other.get("/auth/me").json()["organization_name"] == f"org-{provider_name}"
        resource_id = f"resource:{provider_name}_bucket_private"
        assert other.get(f"/resources/{resource_id}").status_code == 404
        assert other.get(f"/resources/{resource_id}/status").status_code == 404
        assert other.get("/resources/", params={"provider": provider_name}).json() == []
        assert other.delete(f"/resources/{resource_id}").status_code == 204
        # The same name in another tenant is a different resource.
        theirs = other.post("/resources/apply", json={**body, "config": {"a": 2}})
        assert theirs.status_code == 200
    mine = http.get(f"/resources/{resource_id}")
    assert mine.json()["config"] == {"a": 1}, mine.text


def test_admin_commands_report_errors_in_one_line(server: RunningServer) -> None:
    duplicate = admin(server, "create-org", "default")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip() == "error: Organization 'default' already exists."
    missing = admin(server, "create-token", "--org", "no-such-org", "--email", "a@b.c")
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
