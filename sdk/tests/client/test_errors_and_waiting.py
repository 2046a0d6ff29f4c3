"""What the clients raise for an error answer, and ``wait_ready`` on both clients alike."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pragma_sdk import (
    AsyncPragmaClient,
    ConflictError,
    NotFoundError,
    PragmaAPIError,
    PragmaClient,
    ResourceFailedError,
)
from pragma_sdk.errors import Problem

Wait = Callable[..., Awaitable[Any]]


@pytest.fixture(params=["sync", "async"])
def wait_ready(request: pytest.FixtureRequest, client: PragmaClient, async_client: AsyncPragmaClient) -> Wait:
    """``wait_ready`` of one client or the other, awaitable either way."""
    if request.param == "async":
        return async_client.wait_ready

    async def sync_wait(*args: Any, **kwargs: Any) -> Any:
        return client.wait_ready(*args, **kwargs)

    return sync_wait


def _config(name: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"provider": "pragma", "resource": "config", "name": name, "config": config}


def test_broken_rules_of_a_config_are_every_problem_of_one_error(client: PragmaClient) -> None:
    with pytest.raises(PragmaAPIError) as raised:
        client.apply_resource(_config(f"c{uuid.uuid4().hex[:8]}", {"data": 5, "extra": 1}))
    error = raised.value
    assert isinstance(error, httpx.HTTPStatusError)
    assert error.status == error.response.status_code == 422
    assert error.field == "config"
    assert [problem.field for problem in error.problems] == ["config", "config.data"]
    assert "extra" in error.problems[0].message
    assert isinstance(error.detail, dict)
    assert len(error.detail["errors"]) == 2
    assert error.summary == ""
    assert error.message == "; ".join(str(problem) for problem in error.problems)
    assert error.message in str(error)


async def test_a_request_validation_error_names_its_field(
    async_client: AsyncPragmaClient, provider_name: str
) -> None:
    with pytest.raises(PragmaAPIError) as raised:
        await async_client.apply_resource(
            {"provider": provider_name, "resource": "storage", "name": "Bad_Name"}
        )
    error = raised.value
    assert error.status == 422
    assert error.field == "name"
    assert isinstance(error.detail, list)
    [problem] = error.problems
    assert problem.field == "name"
    assert "lowercase DNS label" in problem.message
    assert error.message == str(problem)


def test_a_batch_refusal_lists_each_refused_document(client: PragmaClient, provider_name: str) -> None:
    good = {"provider": provider_name, "resource": "storage", "name": "fine"}
    with pytest.raises(PragmaAPIError) as raised:
        client.apply_resources([good, _config("bad", {"data": 5}), _config("worse", {"data": "x"})])
    error = raised.value
    assert error.status == 422
    assert error.field == "documents[1].config.data"
    assert [problem.field for problem in error.problems] == [
        "documents[1].config.data",
        "documents[2].config.data",
    ]
    assert error.summary == "2 of 3 document(s) refused, nothing was applied"
    assert str(error.problems[1]) in error.message


async def test_a_missing_resource_is_not_found_on_both_clients(
    client: PragmaClient, async_client: AsyncPragmaClient, provider_name: str
) -> None:
    with pytest.raises(NotFoundError) as sync_raised:
        client.get_resource(provider_name, "storage", "nowhere")
    with pytest.raises(NotFoundError) as async_raised:
        await async_client.get_resource(provider_name, "storage", "nowhere")
    for error in (sync_raised.value, async_raised.value):
        assert isinstance(error, PragmaAPIError)
        assert isinstance(error, httpx.HTTPStatusError)
        assert error.status == error.response.status_code == 404
        assert error.field is None
        assert error.problems == ()
        assert error.message == f"Resource 'resource:{provider_name}_storage_nowhere' not found."
    assert str(sync_raised.value) == str(async_raised.value)


def test_deleting_what_others_depend_on_is_a_conflict(client: PragmaClient) -> None:
    base = f"c{uuid.uuid4().hex[:8]}"
    client.apply_resource(_config(base, {"data": {"size": 1}}))
    reference = {"provider": "pragma", "resource": "config", "name": base, "field": "outputs.size"}
    client.apply_resource(_config(f"{base}-user", {"data": {"size": reference}}))
    with pytest.raises(ConflictError) as raised:
        client.delete_resource("pragma", "config", base)
    assert raised.value.status == 409
    assert f"pragma/config/{base}-user" in raised.value.message
    assert isinstance(raised.value.detail, dict)
    assert raised.value.detail["dependents"] == [f"pragma/config/{base}-user"]


def test_problem_reads_as_field_and_message() -> None:
    assert str(Problem("config.size", "must be positive")) == "config.size: must be positive"
    assert str(Problem(None, "Request body is not valid JSON.")) == "Request body is not valid JSON."


async def test_wait_ready_returns_the_ready_resource(wait_ready: Wait, client: PragmaClient) -> None:
    name = f"c{uuid.uuid4().hex[:8]}"
    client.apply_resource(_config(name, {"data": {"region": "eu"}}))
    ready = await wait_ready("pragma", "config", name, timeout=30)
    assert ready["lifecycle_state"] == "ready"
    assert ready["outputs"] == {"region": "eu"}


async def test_wait_ready_raises_when_the_resource_fails(wait_ready: Wait, client: PragmaClient) -> None:
    name = f"f{uuid.uuid4().hex[:8]}"
    client.apply_resource({"provider": "pragma", "resource": "file", "name": name, "config": {}})
    with pytest.raises(ResourceFailedError) as raised:
        await wait_ready("pragma", "file", name, timeout=30)
    assert raised.value.resource_id == f"resource:pragma_file_{name}"
    assert "upload it first" in str(raised.value.error)


async def test_wait_ready_times_out_on_a_resource_nobody_serves(
    wait_ready: Wait, client: PragmaClient, provider_name: str
) -> None:
    client.apply_resource({"provider": provider_name, "resource": "storage", "name": "idle"})
    with pytest.raises(TimeoutError, match=f"{provider_name}/storage/idle was not ready within 1 s"):
        await wait_ready(provider_name, "storage", "idle", timeout=1)


async def test_wait_ready_refused_by_the_server_raises_the_api_error(wait_ready: Wait) -> None:
    with pytest.raises(PragmaAPIError) as raised:
        await wait_ready("Bad_Provider", "storage", "x", timeout=5)
    assert raised.value.status == 422
    assert raised.value.field == "provider"
