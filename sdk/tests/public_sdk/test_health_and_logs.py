"""``health()``, async-generator ``logs()``, the default ``on_delete`` and ``Provider.resources``.

Written as the public providers' tests are; the worker's query path must take what they produce.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from pragma_sdk import LifecycleState, LogEntry
from pragma_sdk.provider import ProviderQuery, answer_query

from .agno import (
    Agent,
    AnthropicModel,
    Deployment,
    DeploymentConfig,
    DeploymentOutputs,
    OpenAIModel,
    Service,
    ToolConfig,
    ToolsMCP,
    ToolsWebSearch,
    agno,
)

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

AGNO = Deployment.__module__


def create_deployment(mocker: MockerFixture, replicas: int = 2, ready: bool = True) -> Deployment:
    return Deployment(
        name="web",
        config=DeploymentConfig.model_construct(agent=mocker.MagicMock(), replicas=replicas),
        outputs=DeploymentOutputs(url="http://web-svc:8080", ready=ready),
        lifecycle_state=LifecycleState.PROCESSING,
    )


def _query(kind: str, tail: int = 100) -> ProviderQuery:
    document = {
        "provider": "agno",
        "resource": "deployment",
        "name": "web",
        "config": {"agent": {"__dependency__": True, "provider": "agno", "resource": "agent", "name": "a"}},
        "outputs": {"url": "http://web-svc:8080", "ready": True},
        "lifecycle_state": "ready",
    }
    return ProviderQuery(
        query_id="q1", kind=kind, provider="agno", resource="deployment", document=document, tail=tail
    )  # type: ignore[arg-type]


async def test_logs_is_an_async_generator(mocker: MockerFixture) -> None:
    deployment = create_deployment(mocker)

    entries = [entry async for entry in deployment.logs()]

    assert [entry.message for entry in entries] == ["replica 0 serving", "replica 1 serving", "slow start"]
    assert entries[2].level == "warn"
    assert entries[0].metadata == {"pod": "web-0"}


async def test_logs_delegation_can_be_patched_with_a_generator(mocker: MockerFixture) -> None:
    async def mock_logs(*args: Any, **kwargs: Any) -> Any:
        yield LogEntry(timestamp=datetime.now(UTC), level="info", message="test log", metadata={"pod": "p-0"})

    mocker.patch(f"{AGNO}.Deployment.logs", side_effect=mock_logs)
    deployment = create_deployment(mocker)

    entries = [entry async for entry in deployment.logs()]

    assert len(entries) == 1
    assert entries[0].message == "test log"


async def test_worker_answers_logs_from_an_async_generator() -> None:
    answer = await answer_query(agno, _query("logs"))

    assert answer["error"] is None
    assert [entry["message"] for entry in answer["result"]] == [
        "replica 0 serving",
        "slow start",
    ]
    assert answer["result"][1] == {
        "timestamp": "2026-01-01T12:01:00Z",
        "level": "warn",
        "message": "slow start",
        "metadata": {"pod": "web-0"},
    }


async def test_worker_keeps_the_last_tail_entries() -> None:
    answer = await answer_query(agno, _query("logs", tail=1))

    assert [entry["message"] for entry in answer["result"]] == ["slow start"]


async def test_worker_still_takes_logs_returned_as_a_list(mocker: MockerFixture) -> None:
    async def listed(self: Any, since: datetime | None = None, tail: int = 100) -> list[Any]:
        return [{"timestamp": "2026-01-01T00:00:00Z", "level": "error", "message": "boom"}]

    mocker.patch.object(ToolsMCP, "logs", new=listed)
    document = {"provider": "agno", "resource": "tools/mcp", "name": "t", "config": {"name": "t"}}
    query = ProviderQuery(
        query_id="q2", kind="logs", provider="agno", resource="tools/mcp", document=document
    )

    answer = await answer_query(agno, query)

    assert answer == {
        "result": [
            {"timestamp": "2026-01-01T00:00:00Z", "level": "error", "message": "boom", "metadata": None}
        ],
        "error": None,
    }


async def test_health_status_reaches_the_worker_answer() -> None:
    answer = await answer_query(agno, _query("health"))

    assert answer == {
        "result": {"status": "healthy", "message": "All 1 replicas ready", "details": {"replicas": 1}},
        "error": None,
    }


async def test_health_delegation_can_be_patched(mocker: MockerFixture) -> None:
    from pragma_sdk import HealthStatus

    mock_health = mocker.patch(
        f"{AGNO}.Service.health",
        new_callable=mocker.AsyncMock,
        return_value=HealthStatus(status="degraded", message="1/2 ready"),
    )
    service = Service(name="s", config={"port": 80})  # type: ignore[arg-type]

    result = await service.health()

    assert result.status == "degraded"
    mock_health.assert_called_once()


async def test_default_on_delete_raises_but_deletes_still_succeed(mocker: MockerFixture) -> None:
    tool = ToolsWebSearch(name="search", config=ToolConfig(name="search"))
    with pytest.raises(NotImplementedError):
        await tool.on_delete()

    from pragma_sdk.provider import ProviderHarness

    result = await ProviderHarness(agno).invoke_delete(ToolsWebSearch, "search", {"name": "search"})
    assert result.success, result.error


def test_provider_resources_maps_names_to_resource_classes() -> None:
    assert agno.resources["agent"] is Agent
    assert agno.resources["models/openai"] is OpenAIModel
    assert agno.resources["models/anthropic"] is AnthropicModel
    assert set(agno.resources) == {
        "agent",
        "deployment",
        "models/anthropic",
        "models/openai",
        "service",
        "tools/mcp",
        "tools/websearch",
    }
    assert agno.registrations["agent"].config_class.__name__ == "AgentConfig"
