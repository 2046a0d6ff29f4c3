"""The organization's audit over HTTP and the SDK: who applied, deleted and revealed what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pragma_sdk import PragmaClient
from pragma_sdk.models import AuditAction
from testing.fixtures.secrets import secret_body
from testing.fixtures.server import RunningServer, new_tenant_token, worker_token


def _entries(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = http.get("/audit", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def _of(entries: list[dict[str, Any]], target: str) -> list[dict[str, Any]]:
    return [entry for entry in entries if entry["target"] == target]


def test_applies_that_change_a_resource_and_its_deletion_are_audited_with_who(
    http: httpx.Client, provider_name: str, unique: str
) -> None:
    body = {"provider": provider_name, "resource": "bucket", "name": unique, "config": {"size": 1}}
    resource_id = http.post("/resources/apply", json=body).json()["id"]
    http.post("/resources/apply", json=body)  # identical: changes nothing, so not audited
    http.post("/resources/apply", json={**body, "config": {"size": 2}})
    assert http.delete(f"/resources/{resource_id}").status_code in (200, 204)

    entries = _of(_entries(http), resource_id)
    assert [entry["action"] for entry in entries] == ["resource.delete", "resource.apply", "resource.apply"]
    delete, update, create = entries
    assert create["detail"] == {"created": True, "generation": 1}
    assert update["detail"] == {"created": False, "generation": 2}
    assert delete["id"] > update["id"] > create["id"]
    for entry in entries:
        assert entry["user"] == "admin@localhost"
        assert entry["token_name"]
    # Configs stay out of the audit: it says who changed what, the history says how.
    assert "size" not in str(entries)


def test_a_reveal_is_audited_and_the_secret_never_appears(
    client: PragmaClient, http: httpx.Client, unique: str
) -> None:
    plaintext = f"hunter2-{unique}"
    client.apply_resource(secret_body(unique, password=plaintext))
    assert client.reveal_secret(unique)["data"] == {"password": plaintext}

    reveals = client.list_audit_events(AuditAction.SECRET_REVEAL)
    mine = [event for event in reveals if event.target == f"resource:pragma_secret_{unique}"]
    assert len(mine) == 1
    assert mine[0].action is AuditAction.SECRET_REVEAL
    assert mine[0].user == "admin@localhost"
    assert all(event.action is AuditAction.SECRET_REVEAL for event in reveals)
    assert plaintext not in http.get("/audit", params={"limit": 1000}).text


def test_pages_walk_the_audit_newest_first_once_each(
    http: httpx.Client, client: PragmaClient, provider_name: str, unique: str
) -> None:
    for index in range(5):
        http.post(
            "/resources/apply",
            json={"provider": provider_name, "resource": "page", "name": f"{unique}-{index}", "config": {}},
        )
    walked: list[dict[str, Any]] = []
    cursor = None
    while len(walked) < 5:
        response = http.get("/audit", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        walked.extend(response.json())
        cursor = response.headers.get("X-Next-Cursor")
        assert cursor
    ids = [entry["id"] for entry in walked]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    assert [entry["target"] for entry in walked[:5]] == [
        f"resource:{provider_name}_page_{unique}-{index}" for index in reversed(range(5))
    ]
    assert [event.id for event in client.list_audit_events(limit=5)] == ids[:5]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "99999999999999999999"}, "cursor"),
        ({"cursor": "9999999999999999999"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"action": "resource.explode"}, "action"),
    ],
)
def test_bad_paging_or_filters_are_refused_naming_the_field(
    http: httpx.Client, params: dict[str, Any], field: str
) -> None:
    response = http.get("/audit", params=params)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_the_audit_is_the_callers_organizations_and_not_a_workers(
    server: RunningServer, http: httpx.Client, provider_name: str, unique: str
) -> None:
    body = {"provider": provider_name, "resource": "bucket", "name": unique, "config": {}}
    resource_id = http.post("/resources/apply", json=body).json()["id"]
    other = {"Authorization": f"Bearer {new_tenant_token(server, f'audit-{unique}', f'{unique}@x.io')}"}
    with httpx.Client(base_url=server.url, headers=other) as stranger:
        assert _of(_entries(stranger), resource_id) == []
    worker = {"Authorization": f"Bearer {worker_token(server, [provider_name])}"}
    assert http.get("/audit", headers=worker).status_code == 403
