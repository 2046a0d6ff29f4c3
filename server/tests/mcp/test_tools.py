"""The MCP server at /mcp through the official ``mcp`` client over Streamable HTTP, against a
running server with the testkit provider's workers: the tools, their results and errors,
the bearer gate and the organization's walls."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mcp import ClientSession

from testing.fixtures.db import DATABASES
from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import (
    ENGINE_ARGS,
    ENGINE_ENV,
    RunningServer,
    new_tenant_token,
    serving,
    worker_token,
)

from .sessions import call, mcp_session, refused

WAIT_SECONDS = 60
BUILD_SECONDS = 240

PUBLIC_TOOLS = {
    "get_me",
    "list_resource_types",
    "list_resources",
    "get_resource",
    "get_resource_status",
    "apply_resource",
    "delete_resource",
    "list_providers",
    "push_provider",
    "list_builds",
    "get_build_status",
    "get_build_logs",
    "deploy_provider",
    "delete_provider",
    "list_dead_letters",
    "get_dead_letter",
    "retry_dead_letter",
    "retry_all_dead_letters",
    "delete_dead_letter",
}
OUR_TOOLS = {
    "plan_resources",
    "get_resource_history",
    "get_resource_graph",
    "get_deployment_status",
    "reveal_secret",
}


@pytest.fixture(scope="module", params=DATABASES)
def mcp_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server with the testkit provider's workers and reveal_secret turned on."""
    root = tmp_path_factory.mktemp(f"mcp-{request.param}")
    env = {**ENGINE_ENV, "PRAGMA_MCP_REVEAL_SECRETS": "true"}
    with serving(root, request.param, extra_args=ENGINE_ARGS, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def other_token(mcp_server: RunningServer) -> str:
    """A user's token of a second organization."""
    return new_tenant_token(mcp_server, f"other-{uuid.uuid4().hex[:8]}", "someone@other.example")


@dataclass(frozen=True)
class DeployedProvider:
    """A provider pushed, built and deployed through the MCP tools."""

    provider_id: str
    version: str
    logs: dict[str, Any]
    deployment: dict[str, Any]


@pytest.fixture(scope="module")
def deployed(mcp_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> DeployedProvider:
    """Push a widget provider as files, follow its build log to the end, deploy it (once per module)."""
    provider_id = f"w{uuid.uuid4().hex[:8]}"
    project = widget_project(tmp_path_factory.mktemp("widget"), provider_id)
    files = {
        path.relative_to(project).as_posix(): path.read_text()
        for path in project.rglob("*")
        if path.is_file()
    }

    async def push_and_deploy() -> DeployedProvider:
        async with mcp_session(mcp_server) as session:
            pushed = await call(session, "push_provider", provider_id=provider_id, files=files)
            assert pushed["status"] == "pending"
            logs = await call(
                session,
                "get_build_logs",
                provider_id=provider_id,
                version=pushed["version"],
                wait_seconds=BUILD_SECONDS,
            )
            assert logs["complete"], logs
            assert logs["status"] == "success", logs
            started = await call(session, "deploy_provider", provider_id=provider_id)
            assert started["status"] in ("progressing", "available"), started
            deployment = await until(
                session,
                "get_deployment_status",
                lambda status: status["status"] != "progressing",
                provider_id=provider_id,
            )
            return DeployedProvider(provider_id, pushed["version"], logs, deployment)

    return asyncio.run(push_and_deploy())


async def until(session: ClientSession, tool: str, done: Any, **arguments: Any) -> dict[str, Any]:
    """The first result of ``tool`` that ``done`` accepts, asked again for at most WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        result = await call(session, tool, **arguments)
        if done(result):
            return result
        assert time.monotonic() < deadline, f"{tool} never got there: {result}"
        await asyncio.sleep(0.1)


def settled(status: dict[str, Any]) -> bool:
    return status["lifecycle_state"] in ("ready", "failed")


async def test_the_public_tools_and_ours_are_listed_described_and_typed(mcp_server: RunningServer) -> None:
    async with mcp_session(mcp_server) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == PUBLIC_TOOLS | OUR_TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 40, tool.name
        assert (tool.outputSchema or {}).get("type") == "object", tool.name
        for name, argument in tool.inputSchema.get("properties", {}).items():
            assert argument.get("description"), f"{tool.name}({name}) has no description"
    assert tools["get_resource"].inputSchema["required"] == ["resource_id"]
    assert tools["list_resources"].annotations is not None
    assert tools["list_resources"].annotations.readOnlyHint
    assert tools["delete_resource"].annotations is not None
    assert tools["delete_resource"].annotations.destructiveHint


async def test_reveal_secret_is_not_offered_unless_the_server_turns_it_on(server: RunningServer) -> None:
    async with mcp_session(server) as session:
        names = {tool.name for tool in (await session.list_tools()).tools}
    assert names >= PUBLIC_TOOLS
    assert "reveal_secret" not in names


def test_without_a_valid_user_token_the_endpoint_answers_as_the_api(mcp_server: RunningServer) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    missing = httpx.post(f"{mcp_server.url}/mcp", json=request, headers=headers, timeout=30)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["detail"]["message"].startswith("Missing API token.")
    invalid = httpx.post(
        f"{mcp_server.url}/mcp",
        json=request,
        headers={**headers, "Authorization": "Bearer prg_nope"},
        timeout=30,
    )
    assert invalid.status_code == 401
    assert invalid.json()["detail"]["message"].startswith("Invalid API token.")
    worker = {**headers, "Authorization": f"Bearer {worker_token(mcp_server, ['testkit'])}"}
    refused_worker = httpx.post(f"{mcp_server.url}/mcp", json=request, headers=worker, timeout=30)
    assert refused_worker.status_code == 403
    # Stateless: nothing to stream to the client (GET) and no session to end (DELETE).
    admin = {**headers, "Authorization": f"Bearer {mcp_server.token}"}
    for method in ("GET", "DELETE"):
        other_method = httpx.request(method, f"{mcp_server.url}/mcp", headers=admin, timeout=30)
        assert other_method.status_code == 405
        assert other_method.headers["allow"] == "POST"
    assert "worker token" in refused_worker.json()["detail"]["message"]


async def test_apply_follow_to_ready_read_history_and_delete(mcp_server: RunningServer) -> None:
    name = f"i{uuid.uuid4().hex[:8]}"
    async with mcp_session(mcp_server) as session:
        me = await call(session, "get_me")
        assert me["organization_name"] == "default"
        types = await call(session, "list_resource_types", provider="testkit")
        item_type = next(t for t in types["resource_types"] if t["resource"] == "item")
        assert "value" in item_type["schema"]["properties"]

        document = {
            "provider": "testkit",
            "resource": "item",
            "name": name,
            "config": {"value": "hello"},
            "tags": ["mcp-test"],
        }
        plan = await call(session, "plan_resources", apply=[document])
        assert plan["entries"][0]["action"] == "create"
        applied = await call(session, "apply_resource", **document, plan_token=plan["token"])
        resource_id = applied["id"]
        assert resource_id == f"resource:testkit_item_{name}"
        assert applied["lifecycle_state"] in ("pending", "processing", "ready")
        status = await until(session, "get_resource_status", settled, resource_id=resource_id)
        assert status == {"resource_id": resource_id, "lifecycle_state": "ready", "error": None}

        document = await call(session, "get_resource", resource_id=resource_id)
        assert document["outputs"]["value"] == "hello"
        listed = await call(session, "list_resources", provider="testkit", tags=["mcp-test"])
        assert resource_id in [resource["id"] for resource in listed["resources"]]
        history = await call(session, "get_resource_history", resource_id=resource_id)
        assert history["entries"][0]["to_state"] == "ready"
        assert {"apply", "success"} <= {entry["cause"] for entry in history["entries"]}
        reader = await call(
            session,
            "apply_resource",
            provider="testkit",
            resource="item",
            name=f"{name}-reader",
            config={"value": "reads"},
            dependencies=[f"testkit/item/{name}"],
            lifecycle_state="draft",
        )
        graph = await call(session, "get_resource_graph", resource_id=resource_id)
        assert [(node["id"], node["lifecycle_state"]) for node in graph["nodes"]] == [
            (resource_id, "ready"),
            (reader["id"], "draft"),
        ]
        assert graph["edges"] == [{"from": reader["id"], "to": resource_id, "kind": "dependency"}]
        assert graph["truncated"] is False
        await call(session, "delete_resource", resource_id=reader["id"])

        deleted = await call(session, "delete_resource", resource_id=resource_id)
        assert deleted["already_gone"] is False
        assert deleted["resource"]["id"] == resource_id
        await until(
            session,
            "list_resources",
            lambda page: resource_id not in [r["id"] for r in page["resources"]],
            provider="testkit",
            tags=["mcp-test"],
        )
        again = await call(session, "delete_resource", resource_id=resource_id)
        assert again == {"resource_id": resource_id, "already_gone": True, "resource": None}


async def test_a_failed_resource_is_retried_from_the_dead_letters(mcp_server: RunningServer) -> None:
    name = f"f{uuid.uuid4().hex[:8]}"
    healed_at = time.time() + 1.0
    async with mcp_session(mcp_server) as session:
        applied = await call(
            session,
            "apply_resource",
            provider="testkit",
            resource="item",
            name=name,
            config={"value": "v", "fail_until": healed_at, "permanent": True},
        )
        resource_id = applied["id"]
        failed = await until(session, "get_resource_status", settled, resource_id=resource_id)
        assert failed["lifecycle_state"] == "failed"
        assert failed["error"] == "ValueError: bad item on attempt 1"

        letters = (await call(session, "list_dead_letters", provider="testkit"))["dead_letters"]
        letter = next(letter for letter in letters if letter["resource_id"] == resource_id)
        assert letter["event_type"] == "CREATE"
        assert letter["attempt_count"] == 1
        assert (await call(session, "get_dead_letter", event_id=letter["event_id"]))["error"] == failed[
            "error"
        ]

        await asyncio.sleep(max(0.0, healed_at - time.time()))
        retried = await call(session, "retry_dead_letter", event_id=letter["event_id"])
        assert retried["resource_id"] == resource_id
        assert retried["status"] == "pending"
        ready = await until(session, "get_resource_status", settled, resource_id=resource_id)
        assert ready["lifecycle_state"] == "ready"
        gone = await refused(session, "get_dead_letter", event_id=letter["event_id"])
        assert f"Dead letter event '{letter['event_id']}' not found." in gone
        assert await call(session, "delete_dead_letter", event_id=letter["event_id"]) == {
            "event_id": letter["event_id"],
            "deleted": True,
        }


async def test_retry_all_and_discard_dead_letters(mcp_server: RunningServer) -> None:
    names = [f"g{uuid.uuid4().hex[:8]}" for _ in range(2)]
    async with mcp_session(mcp_server) as session:
        ids = []
        for name in names:
            config = {"fail_until": time.time() + 600, "permanent": True}
            applied = await call(
                session, "apply_resource", provider="testkit", resource="item", name=name, config=config
            )
            ids.append(applied["id"])
        for resource_id in ids:
            assert (await until(session, "get_resource_status", settled, resource_id=resource_id))[
                "lifecycle_state"
            ] == "failed"
        retried = await call(session, "retry_all_dead_letters")
        assert retried["retried_count"] >= 2
        # They fail again (fail_until is far off): discard their dead letters for good.
        for resource_id in ids:
            await until(
                session,
                "list_dead_letters",
                lambda page, rid=resource_id: any(
                    dead["resource_id"] == rid for dead in page["dead_letters"]
                ),
                provider="testkit",
            )
        letters = (await call(session, "list_dead_letters", provider="testkit"))["dead_letters"]
        for letter in [letter for letter in letters if letter["resource_id"] in ids]:
            await call(session, "delete_dead_letter", event_id=letter["event_id"])
        left = (await call(session, "list_dead_letters", provider="testkit"))["dead_letters"]
        assert not [letter for letter in left if letter["resource_id"] in ids]


async def test_errors_are_tool_errors_with_the_apis_message(mcp_server: RunningServer) -> None:
    async with mcp_session(mcp_server) as session:
        missing = await refused(session, "get_resource", resource_id="resource:testkit_item_nothing-here")
        assert "Resource 'resource:testkit_item_nothing-here' not found." in missing
        bad_id = await refused(session, "get_resource_status", resource_id="not an id")
        assert "resource_id: " in bad_id
        bad_name = await refused(
            session, "apply_resource", provider="testkit", resource="item", name="Not_A_Name"
        )
        assert "name: " in bad_name
        assert "lowercase" in bad_name
        bad_config = await refused(
            session,
            "apply_resource",
            provider="testkit",
            resource="item",
            name="typed",
            config={"fail_attempts": "many"},
        )
        assert "fail_attempts" in bad_config
        assert "must be the base64 of a gzipped tarball" in await refused(
            session, "push_provider", provider_id="nothing", code="not base64!"
        )
        assert "must be a gzipped tarball" in await refused(
            session, "push_provider", provider_id="nothing", code="aGVsbG8="
        )
        assert "exactly one of code" in await refused(session, "push_provider", provider_id="nothing")
        assert "Provider 'nothing-here' not found." in await refused(
            session, "list_builds", provider_id="nothing-here"
        )
        missing_argument = await refused(session, "get_resource")
        assert "Invalid arguments for tool get_resource: resource_id: Field required" in missing_argument
        # Arguments of the wrong type are named, their value never echoed (it may be a secret).
        secret = f"s3cret-{uuid.uuid4().hex}"
        wrong_type = await refused(
            session, "apply_resource", provider="testkit", resource="item", name="typed", config=secret
        )
        assert "config: " in wrong_type
        assert secret not in wrong_type


async def test_push_build_logs_and_deploy_a_provider(
    mcp_server: RunningServer, deployed: DeployedProvider
) -> None:
    assert deployed.deployment["status"] == "available", deployed.deployment
    assert deployed.deployment["healthy"], deployed.deployment
    assert deployed.deployment["version"] == deployed.version
    assert deployed.logs["lines"], "the build log is empty"
    async with mcp_session(mcp_server) as session:
        build = await call(
            session, "get_build_status", provider_id=deployed.provider_id, version=deployed.version
        )
        assert build["status"] == "success"
        builds = await call(session, "list_builds", provider_id=deployed.provider_id)
        assert [b["version"] for b in builds["builds"]] == [deployed.version]
        tail = await call(
            session, "get_build_logs", provider_id=deployed.provider_id, version=deployed.version, tail=2
        )
        assert tail["lines"] == deployed.logs["lines"][-2:]
        providers = (await call(session, "list_providers"))["providers"]
        mine = next(p for p in providers if p["provider_id"] == deployed.provider_id)
        assert mine["current_version"] == deployed.version
        assert mine["deployment_status"] == "available"
        types = await call(session, "list_resource_types", provider=deployed.provider_id)
        assert [t["resource"] for t in types["resource_types"]] == ["widget"]
        widget = await call(
            session,
            "apply_resource",
            provider=deployed.provider_id,
            resource="widget",
            name="w1",
            config={"size": 3},
        )
        ready = await until(session, "get_resource_status", settled, resource_id=widget["id"])
        assert ready["lifecycle_state"] == "ready", ready
        outputs = (await call(session, "get_resource", resource_id=widget["id"]))["outputs"]
        assert outputs["size"] == 3


async def test_another_organizations_token_sees_none_of_it(
    mcp_server: RunningServer, other_token: str, deployed: DeployedProvider
) -> None:
    name = f"o{uuid.uuid4().hex[:8]}"
    async with mcp_session(mcp_server) as session:
        applied = await call(
            session,
            "apply_resource",
            provider="testkit",
            resource="item",
            name=name,
            config={"fail_until": time.time() + 600, "permanent": True},
        )
        resource_id = applied["id"]
        await until(session, "get_resource_status", settled, resource_id=resource_id)
        letters = (await call(session, "list_dead_letters", provider="testkit"))["dead_letters"]
        event_id = next(letter["event_id"] for letter in letters if letter["resource_id"] == resource_id)
    async with mcp_session(mcp_server, other_token) as other:
        me = await call(other, "get_me")
        assert me["email"] == "someone@other.example"
        assert me["organization_name"] != "default"
        assert (await call(other, "list_resources"))["resources"] == []
        assert (await call(other, "list_dead_letters"))["dead_letters"] == []
        assert (await call(other, "list_providers"))["providers"] == []
        assert "not found" in await refused(other, "get_resource", resource_id=resource_id)
        assert "not found" in await refused(other, "get_resource_status", resource_id=resource_id)
        assert "not found" in await refused(other, "get_resource_history", resource_id=resource_id)
        assert "not found" in await refused(other, "get_dead_letter", event_id=event_id)
        assert "not found" in await refused(other, "retry_dead_letter", event_id=event_id)
        assert (await call(other, "retry_all_dead_letters"))["retried_count"] == 0
        assert "not found" in await refused(other, "reveal_secret", resource_id=resource_id)
        assert "not found" in await refused(
            other, "get_build_status", provider_id=deployed.provider_id, version=deployed.version
        )
        assert "not found" in await refused(other, "deploy_provider", provider_id=deployed.provider_id)
        assert "not found" in await refused(other, "delete_provider", provider_id=deployed.provider_id)
        # Applying the same name in its own organization makes its own resource.
        own = await call(
            other,
            "apply_resource",
            provider="pragma",
            resource="config",
            name=name,
            config={"data": {"k": "v"}},
        )
        assert own["id"] == f"resource:pragma_config_{name}"
    async with mcp_session(mcp_server) as session:
        still = await call(session, "get_dead_letter", event_id=event_id)
        assert still["resource_id"] == resource_id
        assert "not found" in await refused(session, "get_resource", resource_id=own["id"])


async def test_reveal_secret_answers_the_values_and_is_audited(mcp_server: RunningServer) -> None:
    name = f"s{uuid.uuid4().hex[:8]}"
    value = f"v-{uuid.uuid4().hex}"
    async with mcp_session(mcp_server) as session:
        applied = await call(
            session,
            "apply_resource",
            provider="pragma",
            resource="secret",
            name=name,
            config={"data": {"password": value}},
        )
        assert value not in str(applied)
        await until(session, "get_resource_status", settled, resource_id=applied["id"])
        assert value not in str(await call(session, "get_resource", resource_id=applied["id"]))
        revealed = await call(session, "reveal_secret", resource_id=applied["id"])
        assert revealed == {"id": applied["id"], "name": name, "data": {"password": value}}
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {mcp_server.token}"}) as http:
        audit = await http.get(f"{mcp_server.url}/audit", params={"action": "secret.reveal"}, timeout=30)
    assert audit.status_code == 200, audit.text
    assert applied["id"] in [event["target"] for event in audit.json()]
    assert value not in mcp_server.log()
