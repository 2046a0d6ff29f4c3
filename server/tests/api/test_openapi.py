"""The OpenAPI document: every operation declares its errors with their bodies, and the rules of
its parameters (``test_schemathesis`` checks the running server against it)."""

from __future__ import annotations

from typing import Any

import pytest

from pragma_os.api.app import create_app
from pragma_os.files import FILE_NAME_PATTERN
from pragma_os.settings import Settings
from pragma_sdk.models import BUILD_VERSION, PROVIDER, RESOURCE_ID

ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
VALIDATION_FAILURE = {"$ref": "#/components/schemas/ValidationFailure"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    openapi: dict[str, Any] = create_app(Settings(data_dir=tmp_path_factory.mktemp("data"))).openapi()
    return openapi


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def body_schema(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema")


def test_every_operation_declares_its_error_bodies(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        responses = operation["responses"]
        statuses = {"422", "431", "500"} | ({"401"} if operation.get("security") else set())
        assert statuses <= set(responses), (method, path)
        if method == "head":
            assert all("content" not in response for response in responses.values()), path
            continue
        assert body_schema(responses["422"]) == VALIDATION_FAILURE, (method, path)
        errors = [status for status in responses if status.startswith(("4", "5")) and status != "422"]
        if path != "/health":  # its 503 is {"status": "unavailable"}
            assert all(body_schema(responses[status]) == ERROR for status in errors), (method, path)


def test_a_422_is_either_shape(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["ValidationFailure"]["anyOf"] == [
        {"$ref": "#/components/schemas/HTTPValidationError"},
        {"$ref": "#/components/schemas/ErrorResponse"},
    ]
    assert schemas["ErrorDetail"]["required"] == ["message"]
    assert schemas["ErrorDetail"]["additionalProperties"] is True


def test_user_routes_declare_403_for_worker_tokens(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        takes_api_token = any("HTTPBearer" in requirement for requirement in operation.get("security", []))
        if takes_api_token and not path.startswith("/workers/"):
            assert "403" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("provider_id", PROVIDER.json_schema),
        ("resource_id", RESOURCE_ID.json_schema),
        ("version", BUILD_VERSION.json_schema),
        ("name", {"pattern": FILE_NAME_PATTERN, "maxLength": 255}),
    ],
)
def test_path_parameters_carry_their_rules(document: dict[str, Any], name: str, rule: dict[str, Any]) -> None:
    schemas = [
        parameter["schema"]
        for _, path, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == name and not path.endswith("/reveal")
    ]
    assert schemas
    assert all(rule.items() <= schema.items() for schema in schemas)


def test_only_a_secret_id_reveals(document: dict[str, Any]) -> None:
    (parameter,) = document["paths"]["/resources/{resource_id}/reveal"]["post"]["parameters"]
    assert parameter["schema"]["pattern"] == "^(?:resource:pragma_secret_[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$"


def test_streams_and_downloads_declare_their_media_types(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(paths["/resources/watch"]["get"]["responses"]["200"]["content"]) == {"text/event-stream"}
    assert set(paths["/resources/{resource_id}/logs"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/event-stream",
    }
    for path in ("/providers/{provider_id}/logs", "/providers/{provider_id}/builds/{version}/logs"):
        assert set(paths[path]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    download = paths["/files/{name}/download"]["get"]["responses"]["200"]
    assert set(download["content"]) == {"*/*"}
    assert "X-Checksum-Sha256" in download["headers"]
    assert "X-Checksum-Sha256" in paths["/files/{name}"]["head"]["responses"]["200"]["headers"]


def test_the_bearer_token_is_declared(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token, sent as Authorization: Bearer <token>",
    }
    assert "security" not in document["paths"]["/health"]["get"]
    # A signed URL downloads without a token.
    assert document["paths"]["/files/{name}/download"]["get"]["security"] == [{"HTTPBearer": []}, {}]


def test_metrics_take_their_own_optional_token(document: dict[str, Any]) -> None:
    operation = document["paths"]["/metrics"]["get"]
    assert operation["security"] == [{"MetricsToken": []}, {}]
    assert document["components"]["securitySchemes"]["MetricsToken"]["scheme"] == "bearer"
    assert set(operation["responses"]["200"]["content"]) == {"text/plain"}
    assert body_schema(operation["responses"]["401"]) == ERROR
