"""Every route checks its parameters: percent-decoded to UTF-8 without NUL, else a 422 naming it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from pragma_os.api.app import create_app
from pragma_os.api.routing import CheckedRoute
from pragma_os.settings import Settings


def test_every_route_is_a_checked_route(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    routers = [route.original_router for route in app.routes if hasattr(route, "original_router")]
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) > 30
    assert [route.path for route in routes if not isinstance(route, CheckedRoute)] == []


@pytest.mark.parametrize(
    ("method", "url", "field", "rule"),
    [
        ("GET", "/resources/?provider=a%00", "provider", "NUL"),
        ("GET", "/resources/?tags=a%00b", "tags", "NUL"),
        ("GET", "/resources/?cursor=%00", "cursor", "NUL"),
        ("GET", "/resources/?tags=%FF", "tags", "UTF-8"),
        ("GET", "/resources/?provider=%ED%A0%80", "provider", "UTF-8"),
        ("GET", "/resources/resource:a%FF/status", "resource_id", "UTF-8"),
        ("GET", "/ops/dead-letter/a%00b", "event_id", "NUL"),
        ("DELETE", "/ops/dead-letter/a%00b", "event_id", "NUL"),
        ("GET", "/providers/a%00b/builds", "provider_id", "NUL"),
        ("GET", "/workers/events/e%00/resources/resource:a_b_c?worker_id=w", "event_id", "NUL"),
        ("GET", "/workers/events/e1/resources/resource:a_b_c?worker_id=w%00", "worker_id", "NUL"),
    ],
)
def test_parameters_with_nul_or_bytes_that_are_not_utf8_are_422(
    http: httpx.Client, method: str, url: str, field: str, rule: str
) -> None:
    response = http.request(method, url)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]["field"] == field
    assert rule in response.json()["detail"]["message"]
    assert http.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("OPTIONS", "/files/report.pdf", "DELETE, HEAD"),
        ("POST", "/files/report.pdf", "DELETE, HEAD"),
        ("OPTIONS", "/resources/resource:a_b_c", "DELETE, GET"),
        ("PUT", "/ops/dead-letter", "DELETE, GET"),
        ("POST", "/health", "GET"),
        # Paths with more segments than a {name:path} parameter's one.
        ("DELETE", "/files/report.pdf/url", "GET"),
        ("HEAD", "/files/report.pdf/download", "GET"),
        # Paths without parameters are not taken for a parameter's value.
        ("DELETE", "/resources/types", "GET"),
        ("GET", "/resources/apply", "POST"),
        ("GET", "/ops/dead-letter/retry-all", "POST"),
    ],
)
def test_a_method_the_path_does_not_have_is_405_allowing_all_it_has(
    http: httpx.Client, method: str, url: str, allow: str
) -> None:
    response = http.request(method, url)
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    if method != "HEAD":
        assert response.json() == {"detail": {"message": "Method Not Allowed"}}


def test_a_file_name_is_one_segment_and_an_encoded_slash_reaches_its_rule(http: httpx.Client) -> None:
    assert http.delete("/files/a/b").status_code == 404
    encoded = http.delete("/files/a%2Fb")
    assert encoded.status_code == 422
    assert encoded.json()["detail"]["field"] == "name"
