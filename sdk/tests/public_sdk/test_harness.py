"""``ProviderHarness()`` as the public providers' tests use it: no provider, the test's own objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pragma_sdk import Dependency, LifecycleState
from pragma_sdk.provider import HarnessResult, LifecycleResult, ProviderHarness

from .agno import (
    Agent,
    AgentConfig,
    AgentOutputs,
    AgentSpec,
    AnthropicModel,
    Deployment,
    DeploymentConfig,
    DeploymentOutputs,
    ModelConfig,
    ModelOutputs,
    OpenAIModel,
    Service,
    ServiceOutputs,
    ToolConfig,
    ToolsWebSearch,
)

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


def create_agent_config(mock_model_resource: Any, instructions: list[str] | None = None) -> AgentConfig:
    model_dep = Dependency(provider="agno", resource="models/openai", name="gpt")
    config = AgentConfig.model_construct(model=model_dep, tools=[], instructions=instructions)
    config.model._resolved = mock_model_resource
    return config


async def test_harness_create_returns_outputs(harness: ProviderHarness) -> None:
    config = ModelConfig(id="claude-sonnet-4", api_key="sk-test")

    result = await harness.invoke_create(AnthropicModel, name="claude", config=config)

    assert result.success
    assert not result.failed
    assert result.outputs == ModelOutputs(model_id="claude-sonnet-4", url="https://api.anthropic.com")
    assert result.outputs.model_id == "claude-sonnet-4"
    assert result.error is None
    assert result.resource.name == "claude"
    assert result.resource.config is config
    assert result.resource.lifecycle_state == LifecycleState.PROCESSING


async def test_harness_passes_model_construct_configs_with_mocks(
    harness: ProviderHarness, mock_model_resource: Any
) -> None:
    config = create_agent_config(mock_model_resource, instructions=["Be brief."])

    result = await harness.invoke_create(Agent, name="helper", config=config)

    assert result.success, result.error
    assert result.outputs.spec == AgentSpec(
        name="helper",
        model_id="gpt-4o",
        model_url="https://api.openai.com",
        tools=[],
        instructions=["Be brief."],
    )
    assert result.outputs.pip_dependencies == ["openai"]
    assert result.resource.config is config
    assert harness.events[0].config["model"]["name"] == "gpt"


async def test_harness_with_dependency_resolve_patched(
    harness: ProviderHarness, mocker: MockerFixture
) -> None:
    model = OpenAIModel(
        name="gpt",
        config=ModelConfig(id="gpt-4o", api_key="sk"),
        outputs=ModelOutputs(model_id="gpt-4o", url="https://api.openai.com"),
        lifecycle_state=LifecycleState.READY,
    )
    resolve_mock = mocker.patch("pragma_sdk.Dependency.resolve", return_value=model)
    config = AgentConfig(model=Dependency[OpenAIModel](provider="agno", resource="models/openai", name="gpt"))

    result = await harness.invoke_create(Agent, name="helper", config=config)

    assert result.success, result.error
    assert result.outputs.spec.model_id == "gpt-4o"
    assert resolve_mock.call_count == 1


async def test_harness_resolves_from_resources_given(harness: ProviderHarness) -> None:
    model = AnthropicModel(
        name="claude",
        config=ModelConfig(id="claude-sonnet-4", api_key="sk"),
        outputs=ModelOutputs(model_id="claude-sonnet-4", url="https://api.anthropic.com"),
    )
    marker = {"__dependency__": True, "provider": "agno", "resource": "models/anthropic", "name": "claude"}

    result = await harness.invoke_create(Agent, "helper", {"model": marker}, dependencies=[model])

    assert result.success, result.error
    assert result.outputs.pip_dependencies == ["anthropic"]
    assert isinstance(result.resource.config.model, Dependency)
    assert result.resource.config.model.resolved.name == "claude"


async def test_harness_update_with_current_outputs(
    harness: ProviderHarness, mock_model_resource: Any
) -> None:
    current_outputs = AgentOutputs(
        spec=AgentSpec(name="helper", model_id="old", model_url="https://api.openai.com", tools=[]),
        pip_dependencies=["openai"],
    )

    result = await harness.invoke_update(
        Agent,
        name="helper",
        config=create_agent_config(mock_model_resource),
        previous_config=create_agent_config(mock_model_resource),
        current_outputs=current_outputs,
    )

    assert result.success, result.error
    assert result.outputs.spec.model_id == "gpt-4o"
    assert result.resource.outputs == current_outputs


async def test_harness_update_captures_the_exception(
    harness: ProviderHarness, mock_model_resource: Any
) -> None:
    previous = AgentConfig.model_construct(
        model=Dependency(provider="agno", resource="models/anthropic", name="claude"), tools=[]
    )

    result = await harness.invoke_update(
        Agent,
        name="helper",
        config=create_agent_config(mock_model_resource),
        previous_config=previous,
        current_outputs=AgentOutputs(
            spec=AgentSpec(name="helper", model_id="c", model_url="u", tools=[]), pip_dependencies=[]
        ),
    )

    assert result.failed
    assert not result.success
    assert isinstance(result.error, ValueError)
    assert "Cannot change model" in str(result.error)
    assert result.outputs is None
    assert result.permanent
    assert result.report().error == "ValueError: Cannot change model; delete and recreate resource"


async def test_harness_keeps_the_outputs_keyword(harness: ProviderHarness) -> None:
    config = ModelConfig(id="gpt-4o", api_key="sk")
    outputs = ModelOutputs(model_id="gpt-3", url="https://api.openai.com")

    result = await harness.invoke_update(OpenAIModel, "gpt", config, previous_config=config, outputs=outputs)

    assert result.success
    assert result.resource.outputs == outputs
    with pytest.raises(TypeError, match="not both"):
        await harness.invoke_delete(OpenAIModel, "gpt", config, outputs=outputs, current_outputs=outputs)


async def test_harness_delete_success(harness: ProviderHarness) -> None:
    result = await harness.invoke_delete(
        ToolsWebSearch,
        name="search",
        config=ToolConfig(name="search"),
        current_outputs={"name": "search"},
    )

    assert result.success
    assert result.outputs is None


async def test_harness_reports_retryable_failures(harness: ProviderHarness, mocker: MockerFixture) -> None:
    mocker.patch.object(OpenAIModel, "on_create", side_effect=RuntimeError("quota exceeded"))

    result = await harness.invoke_create(OpenAIModel, "gpt", ModelConfig(id="gpt-4o", api_key="sk"))

    assert result.failed
    assert isinstance(result.error, RuntimeError)
    assert not result.permanent
    assert result.report() == LifecycleResult(
        event_id=result.event_id, status="failure", error="RuntimeError: quota exceeded"
    )


async def test_harness_invalid_config_dict_is_a_failed_result(harness: ProviderHarness) -> None:
    result = await harness.invoke_create(OpenAIModel, "gpt", {"id": "gpt-4o"})

    assert result.failed
    assert result.permanent
    assert result.resource is None
    assert "api_key" in str(result.error)


async def test_harness_with_apply_and_wait_ready_patched(
    harness: ProviderHarness, mocker: MockerFixture
) -> None:
    mock_apply = mocker.patch("pragma_sdk.models.base.Resource.apply", new_callable=mocker.AsyncMock)
    mock_wait = mocker.patch("pragma_sdk.models.base.Resource.wait_ready", new_callable=mocker.AsyncMock)
    config = DeploymentConfig.model_construct(agent=mocker.MagicMock(), replicas=2)

    result = await harness.invoke_create(Deployment, name="web", config=config)

    assert result.success, result.error
    assert result.outputs == DeploymentOutputs(url="http://web-svc:8080", ready=True)
    assert mock_apply.call_count == 1
    assert mock_wait.call_count == 1
    assert harness.applied == []


async def test_harness_serves_subresources_without_patches(
    harness: ProviderHarness, mocker: MockerFixture
) -> None:
    harness.set_outputs("resource:agno_service_web-svc", ServiceOutputs(url="http://web-svc:8080"))
    config = DeploymentConfig.model_construct(agent=mocker.MagicMock(), replicas=1)

    result = await harness.invoke_create(Deployment, name="web", config=config)

    assert result.success, result.error
    (service,) = harness.applied
    assert isinstance(service, Service)
    assert [owner.id for owner in service.owner_references] == ["resource:agno_deployment_web"]


async def test_harness_tracks_events_and_results(harness: ProviderHarness) -> None:
    await harness.invoke_create(ToolsWebSearch, name="r1", config=ToolConfig(name="r1"))
    await harness.invoke_create(ToolsWebSearch, name="r2", config=ToolConfig(name="r2"))

    assert len(harness.events) == 2
    assert len(harness.results) == 2
    assert harness.events[0].name == "r1"
    assert harness.events[1].name == "r2"
    assert all(isinstance(result, HarnessResult) for result in harness.results)
    assert harness.results[1].outputs.name == "r2"
    harness.clear()
    assert len(harness.events) == 0
    assert len(harness.results) == 0


async def test_invoke_of_a_raw_event_needs_a_provider(harness: ProviderHarness) -> None:
    await harness.invoke_create(ToolsWebSearch, name="r1", config=ToolConfig(name="r1"))
    with pytest.raises(TypeError, match="needs a provider"):
        await harness.invoke(harness.events[0])
