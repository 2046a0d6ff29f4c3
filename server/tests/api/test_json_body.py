"""JSON bodies are read strictly: what the store would not keep as sent is a 422 naming where.

Each refused body is sent on the test's keep-alive connection, and the next request on that
same connection must work (a 500 used to leave it reset).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

JSON = {"Content-Type": "application/json"}


def apply_raw(http: httpx.Client, provider: str, config: str, extra: str = "") -> httpx.Response:
    body = f'{{"provider": "{provider}", "resource": "thing", "name": "one", {extra}"config": {config}}}'
    return http.post("/resources/apply", content=body.encode(), headers=JSON)


def connection(response: httpx.Response) -> Any:
    return response.extensions["network_stream"].get_extra_info("client_addr")


def assert_refused_and_connection_usable(
    http: httpx.Client, response: httpx.Response, provider: str, field: str, rule: str
) -> None:
    opened = connection(response)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["field"] == field
    assert detail["message"].startswith(f"{field}: ")
    assert rule in detail["message"]
    listed = http.get("/resources/", params={"provider": provider})
    assert listed.status_code == 200
    assert listed.json() == []
    assert connection(listed) == opened


@pytest.mark.parametrize(
    ("config", "field", "rule"),
    [
        ('{"x": "\\ud800"}', "config.x", "lone surrogate"),
        ('{"x": "\\udc00 and more"}', "config.x", "lone surrogate"),
        ('{"\\ud800": 1}', "config.\\ud800", "lone surrogate"),
        ('{"x": "a\\u0000b"}', "config.x", "NUL"),
        ('{"x": 1180591620717411303424}', "config.x", "from -9223372036854775808 to 18446744073709551615"),
        ('{"x": 18446744073709551616}', "config.x", "send larger numbers as strings"),
        ('{"x": -9223372036854775809}', "config.x", "64-bit"),
        ('{"x": [1, 2, {"y": 1' + "0" * 5000 + "}]}", "config.x.2.y", "64-bit"),
        ('{"x": NaN}', "config.x", "finite number"),
        ('{"x": Infinity}', "config.x", "finite number"),
        ('{"x": -Infinity}', "config.x", "finite number"),
        ('{"x": 1e400}', "config.x", "finite number"),
        ('{"a": {"k": 1, "k": 2}}', "config.a.k", "more than once"),
        ("[" * 101 + "]" * 101, "body", "100 levels"),
    ],
)
def test_values_the_store_would_not_keep_are_422_naming_the_field(
    http: httpx.Client, provider_name: str, config: str, field: str, rule: str
) -> None:
    response = apply_raw(http, provider_name, config)
    assert_refused_and_connection_usable(http, response, provider_name, field, rule)


def test_a_duplicate_key_is_422_not_the_last_one_winning(http: httpx.Client, provider_name: str) -> None:
    response = apply_raw(http, provider_name, "{}", extra='"name": "dup2", ')
    assert_refused_and_connection_usable(http, response, provider_name, "name", "more than once")


def test_a_body_that_is_not_utf8_is_not_valid_json(http: httpx.Client, provider_name: str) -> None:
    body = f'{{"provider": "{provider_name}", "resource": "thing", "name": "one", "config": {{"x": "\xff"}}}}'
    response = http.post("/resources/apply", content=body.encode("latin-1"), headers=JSON)
    assert response.status_code == 422
    assert "not valid JSON (not UTF-8" in response.json()["detail"][0]["msg"]
    assert http.get("/resources/", params={"provider": provider_name}).json() == []


def test_worker_routes_read_bodies_strictly_too(http: httpx.Client) -> None:
    response = http.post(
        "/workers/lease", content=b'{"worker_id": "w", "providers": ["p"], "wait_seconds": NaN}', headers=JSON
    )
    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "wait_seconds"


def test_numbers_at_the_limits_and_unicode_come_back_as_sent(http: httpx.Client, provider_name: str) -> None:
    config = (
        '{"min": -9223372036854775808, "max": 18446744073709551615, "tenth": 0.1, '
        '"largest": 1.7976931348623157e308, "smallest": 5e-324, "text": "\\ud83d\\ude00 \\u00e9"}'
    )
    response = apply_raw(http, provider_name, config, extra='"lifecycle_state": "draft", ')
    assert response.status_code == 200, response.text
    stored = http.get(f"/resources/{response.json()['id']}").json()["config"]
    assert stored == {
        "min": -(2**63),
        "max": 2**64 - 1,
        "tenth": 0.1,
        "largest": 1.7976931348623157e308,
        "smallest": 5e-324,
        "text": "\U0001f600 é",
    }
