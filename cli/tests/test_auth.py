"""``pragma auth``: login checks the token with the server and stores it per context."""

from __future__ import annotations

import json
import stat
import uuid

import pytest

from testing.fixtures.server import RunningServer, new_tenant_token

from .running import SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)


def test_login_whoami_logout_across_contexts(pragma: Pragma, engine_server: RunningServer) -> None:
    credentials = pragma.home / ".config" / "pragma" / "credentials"
    url = engine_server.url

    refused = pragma("auth", "login", "--api-url", url, "--token", "prg_not-a-real-token")
    assert refused.code == 1
    line = refused.error_line()
    assert "HTTP 401" in line
    assert "pragma auth login" in line
    assert not credentials.exists()

    logged_in = pragma.ok("auth", "login", "--api-url", url, stdin=engine_server.token + "\n")
    assert "as admin@localhost" in logged_in.out
    assert credentials.read_text() == f"default={engine_server.token}\n"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    table = pragma.ok("auth", "whoami").out
    assert "admin@localhost" in table
    assert url in table
    me = json.loads(pragma.ok("auth", "whoami", "-o", "json").out)
    assert set(me) == {"user_id", "email", "organization_id", "organization_name"}
    assert me["organization_name"] == "default"

    # A second organization in its own context; --context and --token may follow the subcommand.
    organization = f"org-{uuid.uuid4().hex[:8]}"
    other = new_tenant_token(engine_server, organization, "dev@acme.example")
    pragma.ok("auth", "login", "--context", "acme", "--api-url", url, "--token", other)
    assert (
        json.loads(pragma.ok("auth", "whoami", "-c", "acme", "-o", "yaml", "-o", "json").out)[
            "organization_name"
        ]
        == organization
    )
    assert json.loads(pragma.ok("auth", "whoami", "-o", "json").out)["organization_name"] == "default"

    # An unknown (expired, revoked, mistyped) token given for one command.
    expired = pragma("auth", "whoami", "--token", "prg_expired-token")
    assert expired.code == 1
    assert "Invalid API token (HTTP 401)" in expired.error_line()

    pragma.ok("auth", "logout")
    assert credentials.read_text() == f"acme={other}\n"
    after = pragma("auth", "whoami")
    assert after.code == 1
    assert "not logged in" in after.error_line()

    # The SDK's environment variables work without any login.
    from_env = pragma.ok(
        "auth", "whoami", "-o", "json", env={"PRAGMA_AUTH_TOKEN": engine_server.token, "PRAGMA_API_URL": url}
    )
    assert json.loads(from_env.out)["email"] == "admin@localhost"
