"""Secrets inside ``${...}`` interpolations: the handler gets the whole string, nobody else does."""

from __future__ import annotations

import base64
import functools
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from pragma_sdk import PragmaClient, ResourceFailedError
from testing.fixtures import waiting
from testing.fixtures.db import make_database_url
from testing.fixtures.secrets import (
    apply_and_wait,
    config_body,
    failed_for_good,
    secret_body,
    stored_bytes,
    watched,
)
from testing.fixtures.server import ENGINE_ARGS, ENGINE_ENV, RunningServer, start_server
from testing.providers.testkit_provider import echo_digest

REDACTED = "[redacted]"
SEALED_MARK = "$sealed"


def secret_in(name: str) -> str:
    return f"${{pragma/secret/{name}.outputs.api_key}}"


def echo_body(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "echo", "name": name, "config": config}


# These tests wait on the engine alone: a shorter bound, polled more often.
eventually = functools.partial(waiting.eventually, seconds=30, interval=0.05)


def test_the_handler_gets_the_interpolated_string_and_nobody_else_sees_it(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    plaintext = f"sk{unique}plain"  # no "-": the echo handler splits its text there
    secret = secret_in(f"{unique}-key")
    region = f"${{pragma/config/{unique}-cfg.outputs.region}}"
    client.apply_resource(secret_body(f"{unique}-key", api_key=plaintext))
    client.apply_resource(config_body(f"{unique}-cfg", region="eu"))
    with watched(engine_server, provider="testkit") as stream:
        client.apply_resource(
            echo_body(
                f"{unique}-echo",
                text=f"pre-{secret}-post",
                items=[f"a-{secret}-b", "plain", secret],
                fields={"mixed": f"{region}-{secret}", "twice": f"{secret}-{secret}"},
            )
        )
        echo = client.wait_ready("testkit", "echo", f"{unique}-echo", timeout=30)
        # The echoed string, interpolated once more: still sealed, and the secret in it still known.
        client.apply_resource(
            echo_body(f"{unique}-chain", text=f"x-${{testkit/echo/{unique}-echo.outputs.text}}")
        )
        chain = client.wait_ready("testkit", "echo", f"{unique}-chain", timeout=30)
    assert isinstance(echo, dict)
    assert isinstance(chain, dict)

    assert echo["outputs"]["digest"] == echo_digest(
        f"pre-{plaintext}-post",
        [f"a-{plaintext}-b", "plain", plaintext],
        {"mixed": f"eu-{plaintext}", "twice": f"{plaintext}-{plaintext}"},
    )
    assert echo["resolved_config"] == {
        "text": REDACTED,
        "items": [REDACTED, "plain", REDACTED],
        "fields": {"mixed": REDACTED, "twice": REDACTED},
    }
    assert echo["outputs"]["text"] == REDACTED
    assert echo["outputs"]["parts"] == ["pre", REDACTED, "post"]
    assert echo["outputs"]["items"] == [REDACTED, "plain", REDACTED]
    assert chain["outputs"]["digest"] == echo_digest(f"x-pre-{plaintext}-post", [], {})
    assert chain["outputs"]["parts"] == ["x", "pre", REDACTED, "post"]

    assert any(f'"name":"{unique}-echo"' in line for line in stream)
    seen = [
        json.dumps(client.get_resource("testkit", "echo", f"{unique}-echo")),
        json.dumps(client.get_resource("testkit", "echo", f"{unique}-chain")),
        json.dumps(client.list_resources(provider="testkit", resource="echo")),
        *stream,
    ]
    for text in seen:
        assert plaintext not in text
        assert SEALED_MARK not in text
    assert plaintext not in engine_server.log()
    if engine_server.database_url.startswith("sqlite"):
        assert plaintext.encode() not in stored_bytes(engine_server)


def test_an_error_quoting_an_interpolated_secret_shows_it_redacted(
    engine_server: RunningServer, client: PragmaClient, unique: str
) -> None:
    plaintext = f"sk{unique}refused"
    client.apply_resource(secret_body(f"{unique}-key", api_key=plaintext))
    client.apply_resource(
        echo_body(f"{unique}-bad", text=f"pre-{secret_in(f'{unique}-key')}-post", fail=True)
    )
    failed, letter = failed_for_good(client, "testkit", "echo", f"{unique}-bad", error="refused")
    # Both the whole string and the secret alone, as the handler quoted them.
    assert failed["error"] == f"ValueError: refused {REDACTED} (parts: pre, {REDACTED}, post)"
    assert letter["error_message"] == failed["error"]
    assert letter["payload"]["config"]["text"] == REDACTED
    for text in (json.dumps(letter), json.dumps(failed), engine_server.log()):
        assert plaintext not in text
        assert SEALED_MARK not in text


def test_changing_an_interpolated_secret_updates_the_dependent(client: PragmaClient, unique: str) -> None:
    first, rotated = f"sk{unique}first", f"sk{unique}rotated"
    client.apply_resource(secret_body(f"{unique}-key", api_key=first))
    ready = apply_and_wait(client, echo_body(f"{unique}-echo", text=f"pre-{secret_in(f'{unique}-key')}-post"))
    assert ready["outputs"]["digest"] == echo_digest(f"pre-{first}-post", [], {})

    # Sealing is deterministic: the same value again leaves the dependent alone.
    client.apply_resource(secret_body(f"{unique}-key", api_key=first))
    time.sleep(1)
    unchanged = client.get_resource("testkit", "echo", f"{unique}-echo")
    assert isinstance(unchanged, dict)
    assert (unchanged["lifecycle_state"], unchanged["updated_at"]) == ("ready", ready["updated_at"])

    client.apply_resource(secret_body(f"{unique}-key", api_key=rotated))
    eventually(
        lambda: (
            client.get_resource("testkit", "echo", f"{unique}-echo")["outputs"].get("digest")  # type: ignore[index]
            == echo_digest(f"pre-{rotated}-post", [], {})
        ),
        "the rotated secret to reach the dependent",
    )
    updated = client.get_resource("testkit", "echo", f"{unique}-echo")
    assert isinstance(updated, dict)
    assert updated["outputs"]["handler"] == "on_update"
    assert updated["outputs"]["text"] == REDACTED


def test_an_interpolated_secret_sealed_under_a_lost_key_fails_saying_so(tmp_path: Path) -> None:
    database_url = make_database_url("sqlite", tmp_path)
    plaintext, secret = "sk-before-the-key-was-lost", secret_in("key")

    def serve() -> RunningServer:
        key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        env = {**ENGINE_ENV, "PRAGMA_SECRET_KEY": key}
        return start_server(tmp_path, database_url, extra_args=ENGINE_ARGS, extra_env=env)

    def client_of(server: RunningServer) -> PragmaClient:
        return server.client(timeout=30)

    server = serve()
    try:
        with client_of(server) as client:
            client.apply_resource(secret_body("key", api_key=plaintext))
            client.wait_ready("pragma", "secret", "key", timeout=30)
    finally:
        server.stop()

    server = serve()  # the same database, another key
    try:
        with client_of(server) as client:
            client.apply_resource(echo_body("echo", text=f"pre-{secret}-post"))
            with pytest.raises(
                ResourceFailedError, match="cannot be opened with this server's key; apply the secret"
            ):
                client.wait_ready("testkit", "echo", "echo", timeout=30)
            client.apply_resource(secret_body("key", api_key=plaintext))
            client.wait_ready("pragma", "secret", "key", timeout=30)
            client.apply_resource(echo_body("echo", text=f"pre-{secret}-post"))
            repaired = client.wait_ready("testkit", "echo", "echo", timeout=30)
            assert isinstance(repaired, dict)
            assert repaired["outputs"]["digest"] == echo_digest(f"pre-{plaintext}-post", [], {})
    finally:
        server.stop()
