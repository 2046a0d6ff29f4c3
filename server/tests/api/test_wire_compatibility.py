"""Our API against the reference OpenAPI description: same paths, methods, parameters, fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from testing.fixtures.server import RunningServer

REFERENCE = json.loads((Path(__file__).parents[1] / "reference" / "pragma-api-openapi.json").read_text())

# Grows as issues land; every reference operation listed here must exist on our server.
IMPLEMENTED = [
    ("get", "/health"),
    ("get", "/auth/me"),
    ("post", "/resources/apply"),
    ("get", "/resources/"),
    ("get", "/resources/{resource_id}"),
    ("get", "/resources/{resource_id}/status"),
    ("delete", "/resources/{resource_id}"),
    ("get", "/resources/types"),
    ("get", "/resources/{resource_id}/health"),
    ("get", "/resources/{resource_id}/logs"),
    ("get", "/ops/dead-letter"),
    ("delete", "/ops/dead-letter"),
    ("get", "/ops/dead-letter/{event_id}"),
    ("delete", "/ops/dead-letter/{event_id}"),
    ("post", "/ops/dead-letter/{event_id}/retry"),
    ("post", "/ops/dead-letter/retry-all"),
    ("get", "/providers/"),
    ("post", "/providers/{provider_id}/push"),
    ("get", "/providers/{provider_id}/builds"),
    ("get", "/providers/{provider_id}/builds/{version}"),
    ("get", "/providers/{provider_id}/builds/{version}/logs"),
    ("get", "/providers/{provider_id}/versions/{version}"),
    ("post", "/providers/{provider_id}/deploy"),
    ("get", "/providers/{provider_id}/deployment"),
    ("delete", "/providers/{provider_id}"),
    ("post", "/files/{name}/upload"),
    ("get", "/files/{name}/download"),
    ("get", "/files/{name}/url"),
    ("head", "/files/{name}"),
    ("delete", "/files/{name}"),
]


@pytest.fixture(scope="module")
def ours(server: RunningServer) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{server.url}/openapi.json").json()
    return document


@pytest.mark.parametrize(("method", "path"), IMPLEMENTED)
def test_operation_exists_with_the_reference_parameters(ours: dict[str, Any], method: str, path: str) -> None:
    reference = REFERENCE["paths"][path][method]
    assert method in ours["paths"].get(path, {}), f"{method.upper()} {path} missing"
    mine = ours["paths"][path][method]
    wanted = {(p["name"], p["in"]) for p in reference.get("parameters", [])}
    present = {(p["name"], p["in"]) for p in mine.get("parameters", [])}
    assert wanted <= present


def _properties(document: dict[str, Any], name: str) -> set[str]:
    return set(document["components"]["schemas"][name]["properties"])


@pytest.mark.parametrize(
    "schema",
    [
        "Resource",
        "UserInfo",
        "ResourceStatus",
        "ResourceDefinition",
        "ResourceHealth",
        "ProviderInfo",
        "BuildInfo",
        "PushResponse",
        "ProviderStatus",
        "ProviderDeleteResult",
        "DeployRequest",
        "FileMetadata",
        "SignedUrlResponse",
    ],
)
def test_response_models_keep_every_reference_field(ours: dict[str, Any], schema: str) -> None:
    names = {"Resource": "ResourceDocument", "PushResponse": "PushResult"}
    assert _properties(REFERENCE, schema) <= _properties(ours, names.get(schema, schema))


def test_push_takes_the_archive_in_the_multipart_field_code(ours: dict[str, Any]) -> None:
    body = ours["paths"]["/providers/{provider_id}/push"]["post"]["requestBody"]["content"]
    reference = REFERENCE["components"]["schemas"]["Body_providers-push_provider"]
    (schema_ref,) = (content["schema"]["$ref"] for content in body.values())
    mine = ours["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(body) == {"multipart/form-data"}
    assert mine["required"] == reference["required"] == ["code"]


def test_upload_takes_the_file_in_the_multipart_field_file(ours: dict[str, Any]) -> None:
    body = ours["paths"]["/files/{name}/upload"]["post"]["requestBody"]
    reference = REFERENCE["components"]["schemas"]["Body_files-upload_file"]
    assert body["required"] is True
    assert set(body["content"]) == {"multipart/form-data"}
    mine = body["content"]["multipart/form-data"]["schema"]
    assert mine["required"] == reference["required"] == ["file"]
    assert mine["properties"]["file"] == reference["properties"]["file"]
