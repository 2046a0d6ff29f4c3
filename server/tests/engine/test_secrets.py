"""Secrets end to end: sealed at rest, redacted everywhere, real only inside the handler."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

import httpx
import pytest

from pragma_sdk import PragmaClient
from testing.fixtures import waiting
from testing.fixtures.secrets import apply_and_wait, config_body, failed_for_good, secret_body, stored_bytes
from testing.fixtures.server import RunningServer

REDACTED = "[redacted]"


def model_body(name: str, secret: str, model_id: str = "claude-sonnet-4-5-20250929") -> dict[str, Any]:
    """The guide's field-reference example."""
    return {
        "provider": "agno",
        "resource": "anthropic-model",
        "name": name,
        "lifecycle_state": "pending",
        "config": {
            "model_id": model_id,
            "api_key": {
                "provider": "pragma",
                "resource": "secret",
                "name": secret,
                "field": "outputs.api_key",
            },
        },
    }


# These tests wait on the engine alone: a shorter bound, polled more often.
eventually = functools.partial(waiting.eventually, seconds=30, interval=0.05)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def test_a_provider_gets_the_secret_and_nobody_else_sees_it(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    plaintext = f"sk-ant-{unique}-do-not-leak"
    secret = apply_and_wait(client, secret_body(f"{unique}-key", api_key=plaintext))
    assert secret["config"]["data"] == {"api_key": REDACTED}
    assert secret["outputs"] == {"api_key": REDACTED}

    model = apply_and_wait(client, model_body(f"{unique}-claude", f"{unique}-key"))
    assert model["outputs"]["model_name"] == f"claude-sonnet-4-5-20250929#{digest(plaintext)}"
    assert model["resolved_config"]["api_key"] == REDACTED

    agent = {
        "provider": "agno",
        "resource": "agent",
        "name": f"{unique}-agent",
        "config": {
            "model": {
                "__dependency__": True,
                "provider": "agno",
                "resource": "anthropic-model",
                "name": f"{unique}-claude",
            },
            "instructions": "Be brief.",
        },
    }
    ready_agent = apply_and_wait(client, agent)
    assert ready_agent["outputs"]["agent_id"] == f"agent-using-claude-sonnet-4-5-20250929#{digest(plaintext)}"

    # A new value reaches the model by itself; re-applying the same value changes nothing.
    rotated = f"sk-ant-{unique}-rotated"
    before = client.get_resource("pragma", "secret", f"{unique}-key")
    client.apply_resource(secret_body(f"{unique}-key", api_key=plaintext))
    assert client.get_resource("pragma", "secret", f"{unique}-key")["generation"] == before["generation"]  # type: ignore[index]
    client.apply_resource(secret_body(f"{unique}-key", api_key=rotated))
    eventually(
        lambda: (
            client.get_resource("agno", "anthropic-model", f"{unique}-claude")["outputs"]  # type: ignore[index]
            .get("model_name", "")
            .endswith(digest(rotated))
        ),
        "the rotated key to reach the model",
    )

    # Everywhere a person or a log can look: API answers, lists, the watch stream, the server log.
    headers = {"Authorization": f"Bearer {engine_server.token}"}
    seen = [
        httpx.get(f"{engine_server.url}/resources/", headers=headers).text,
        httpx.get(f"{engine_server.url}/resources/resource:pragma_secret_{unique}-key", headers=headers).text,
        json.dumps(client.list_resources(provider="agno")),
    ]
    with httpx.stream("GET", f"{engine_server.url}/resources/watch", headers=headers, timeout=10) as stream:
        for line in stream.iter_lines():
            seen.append(line)
            if line.startswith(": watching"):
                break
    for text in [*seen, engine_server.log()]:
        assert plaintext not in text
        assert rotated not in text
    if engine_server.database_url.startswith("sqlite"):
        stored = stored_bytes(engine_server)
        assert plaintext.encode() not in stored
        assert rotated.encode() not in stored


def test_errors_and_dead_letters_never_show_the_secret(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    plaintext = f"sk-ant-{unique}-rejected"
    client.apply_resource(secret_body(f"{unique}-key", api_key=plaintext))
    client.apply_resource(model_body(f"{unique}-bad", f"{unique}-key", model_id="reject-key"))
    failed, letter = failed_for_good(client, "agno", "anthropic-model", f"{unique}-bad", error="rejected key")
    assert failed["error"] == f"ValueError: the API rejected key {REDACTED}"
    assert letter["payload"]["config"]["api_key"] == REDACTED
    assert plaintext not in json.dumps(letter)
    assert plaintext not in engine_server.log()


def test_revealing_a_secret_is_explicit_and_audited(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    plaintext = f"hunter2-{unique}"
    client.apply_resource(secret_body(f"{unique}-pw", password=plaintext))
    client.wait_ready("pragma", "secret", f"{unique}-pw", timeout=30)
    headers = {"Authorization": f"Bearer {engine_server.token}"}
    revealed = httpx.post(
        f"{engine_server.url}/resources/resource:pragma_secret_{unique}-pw/reveal", headers=headers
    )
    assert revealed.status_code == 200
    assert revealed.json()["data"] == {"password": plaintext}
    assert client.reveal_secret(f"{unique}-pw")["data"] == {"password": plaintext}
    log = engine_server.log()
    assert f"secret revealed: organization=default resource=resource:pragma_secret_{unique}-pw" in log
    assert plaintext not in log

    client.apply_resource(config_body(f"{unique}-cfg", a="b"))
    refused = httpx.post(
        f"{engine_server.url}/resources/resource:pragma_config_{unique}-cfg/reveal", headers=headers
    )
    assert refused.status_code == 422


def test_config_values_are_plain_and_propagate(client: PragmaClient, unique: str) -> None:
    ready = apply_and_wait(client, config_body(f"{unique}-cfg", region="eu"))
    assert ready["outputs"] == {"region": "eu"}
    item = {
        "provider": "testkit",
        "resource": "item",
        "name": f"{unique}-item",
        "config": {
            "echo": {
                "provider": "pragma",
                "resource": "config",
                "name": f"{unique}-cfg",
                "field": "config.data.region",
            }
        },
    }
    first = apply_and_wait(client, item)
    assert first["outputs"]["echo"] == "eu"
    client.apply_resource(config_body(f"{unique}-cfg", region="us"))
    eventually(
        lambda: client.get_resource("testkit", "item", f"{unique}-item")["outputs"].get("echo") == "us",  # type: ignore[index]
        "the new value to reach the dependent",
    )


def test_builtin_types_are_listed_with_schemas(client: PragmaClient) -> None:
    types = {entry["resource"]: entry for entry in client.list_resource_types("pragma")}
    assert set(types) == {"secret", "config", "file"}
    assert types["file"]["outputs_schema"]["required"] == [
        "url",
        "public_url",
        "size",
        "checksum",
        "content_type",
    ]
    assert types["secret"]["description"]


def test_a_file_resource_tracks_an_upload_and_deleting_it_deletes_the_file(
    client: PragmaClient, unique: str
) -> None:
    name = f"{unique}-data"
    client.apply_resource({"provider": "pragma", "resource": "file", "name": name, "config": {}})
    with pytest.raises(Exception, match="upload it first"):
        client.wait_ready("pragma", "file", name, timeout=30)

    content = b'{"prompt": "hi"}\n' * 100
    uploaded = client.upload_file(name=name, content=content, content_type="application/jsonl")
    assert uploaded["checksum"] == hashlib.sha256(content).hexdigest()
    ready = apply_and_wait(
        client,
        {
            "provider": "pragma",
            "resource": "file",
            "name": name,
            "config": {"content_type": "application/jsonl"},
        },
    )
    outputs = ready["outputs"]
    assert (outputs["size"], outputs["checksum"], outputs["content_type"]) == (
        len(content),
        hashlib.sha256(content).hexdigest(),
        "application/jsonl",
    )
    assert outputs["url"].endswith(f"/files/{name}/download")
    assert httpx.get(outputs["public_url"]).content == content  # no token needed

    client.delete_resource("pragma", "file", name)
    eventually(
        lambda: name not in {r["name"] for r in client.list_resources(provider="pragma", resource="file")},
        "the file resource to be deleted",
    )
    with pytest.raises(httpx.HTTPStatusError) as gone:
        client.download_file(name)
    assert gone.value.response.status_code == 404


def test_a_failed_handlers_traceback_is_kept_without_the_secret(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    plaintext = f"tok-{unique}-in-a-traceback"
    client.apply_resource(secret_body(f"{unique}-key", token=plaintext))
    client.apply_resource(
        {
            "provider": "testkit",
            "resource": "item",
            "name": f"{unique}-bad",
            "config": {
                "echo": {
                    "provider": "pragma",
                    "resource": "secret",
                    "name": f"{unique}-key",
                    "field": "outputs.token",
                },
                "fail_on_echo": "tok-",
                "permanent": True,
            },
        }
    )
    failed, letter = failed_for_good(client, "testkit", "item", f"{unique}-bad", error="refusing echo")
    trace = failed["error_traceback"]
    # Python's own layout, from the handler's frame down to the function that raised.
    assert trace.startswith("Traceback (most recent call last):\n")
    assert "in on_create" in trace
    assert "in _refuse" in trace
    assert trace.rstrip().endswith(f"ValueError: refusing echo '{REDACTED}'")
    assert letter["error_traceback"] == trace
    assert client.get_dead_letter_event(letter["event_id"])["error_traceback"] == trace
    assert plaintext not in json.dumps(letter)
    assert plaintext not in json.dumps(failed)
    assert plaintext not in engine_server.log()
