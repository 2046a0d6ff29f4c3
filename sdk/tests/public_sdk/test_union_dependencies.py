"""``Dependency[A] | Dependency[B]``, alone and in lists: the member is chosen by provider and resource.

In configs, in the harness (both forms) and in the worker's event handling.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pragma_sdk import Dependency, LifecycleState
from pragma_sdk.provider import LifecycleEvent, ProviderHarness, handle_event

from .agno import (
    Agent,
    AgentConfig,
    AnthropicModel,
    DeploymentConfig,
    ModelConfig,
    ModelOutputs,
    OpenAIModel,
    ToolConfig,
    ToolOutputs,
    ToolsMCP,
    ToolsWebSearch,
    agno,
)


def marker(resource: str, name: str) -> dict[str, Any]:
    return {"__dependency__": True, "provider": "agno", "resource": resource, "name": name}


def ready_model(kind: type[AnthropicModel] | type[OpenAIModel], name: str, model_id: str) -> Any:
    return kind(
        name=name,
        config=ModelConfig(id=model_id, api_key="sk"),
        outputs=ModelOutputs(model_id=model_id, url=kind.api_url),
        lifecycle_state=LifecycleState.READY,
    )


def ready_tool(kind: type[ToolsWebSearch] | type[ToolsMCP], name: str) -> Any:
    return kind(name=name, config=ToolConfig(name=name), outputs=ToolOutputs(name=name))


@pytest.mark.parametrize(
    ("resource", "member"),
    [("models/openai", OpenAIModel), ("models/anthropic", AnthropicModel)],
)
def test_config_picks_the_member_named_by_the_marker(resource: str, member: type[Any]) -> None:
    config = AgentConfig.model_validate(
        {
            "model": marker(resource, "m"),
            "tools": [marker("tools/mcp", "gh"), marker("tools/websearch", "web")],
        }
    )

    assert type(config.model) is Dependency[member]
    assert type(config.model).target_class() is member
    assert [type(tool).target_class() for tool in config.tools] == [ToolsMCP, ToolsWebSearch]


def test_a_marker_for_no_member_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="model"):
        AgentConfig.model_validate({"model": marker("tools/mcp", "gh")})
    with pytest.raises(ValidationError, match=r"agno/models/openai is not the type this dependency takes"):
        DeploymentConfig.model_validate({"agent": marker("models/openai", "gpt")})


def test_unparametrized_dependencies_keep_their_resolution(mock_model_resource: Any) -> None:
    model_dep = Dependency(provider="agno", resource="models/openai", name="gpt")
    model_dep._resolved = mock_model_resource
    tool_dep = Dependency(provider="agno", resource="tools/websearch", name="web")

    config = AgentConfig(model=model_dep, tools=[tool_dep])

    assert type(config.model) is Dependency[OpenAIModel]
    assert config.model.resolved is mock_model_resource
    assert type(config.tools[0]) is Dependency[ToolsWebSearch]
    assert not config.tools[0].is_resolved


def test_json_schema_offers_each_member_with_its_type_pinned() -> None:
    schema = AgentConfig.model_json_schema(mode="validation")
    members = schema["properties"]["model"]["anyOf"]
    pinned = []
    for member in members:
        definition = schema["$defs"][member["$ref"].rsplit("/", 1)[-1]]
        pinned.append(definition["properties"]["resource"]["const"])
    assert pinned == ["models/anthropic", "models/openai"]


async def test_harness_resolves_union_members_in_fields_and_lists() -> None:
    harness = ProviderHarness()
    config = {"model": marker("models/openai", "gpt"), "tools": [marker("tools/mcp", "gh")]}
    ready = [ready_model(OpenAIModel, "gpt", "gpt-4o"), ready_tool(ToolsMCP, "gh")]

    result = await harness.invoke_create(Agent, "helper", config, dependencies=ready)

    assert result.success, result.error
    assert result.outputs.spec.model_id == "gpt-4o"
    assert result.outputs.spec.tools == ["gh"]
    assert isinstance(await result.resource.config.model.resolve(), OpenAIModel)
    assert isinstance(await result.resource.config.tools[0].resolve(), ToolsMCP)


async def test_harness_with_resolved_union_dependencies() -> None:
    harness = ProviderHarness()
    config = AgentConfig(
        model=Dependency.of(ready_model(AnthropicModel, "claude", "claude-sonnet-4")),
        tools=[Dependency.of(ready_tool(ToolsWebSearch, "web"))],
    )

    result = await harness.invoke_create(Agent, "helper", config)

    assert result.success, result.error
    assert result.outputs.pip_dependencies == ["anthropic"]
    assert result.outputs.spec.tools == ["web"]


async def test_harness_with_parametrized_dependencies_resolved_by_hand(mocker: Any) -> None:
    model_dep = Dependency[OpenAIModel](provider="agno", resource="models/openai", name="gpt4")
    model_dep._resolved = ready_model(OpenAIModel, "gpt4", "gpt-4o")
    tool_dep = Dependency[ToolsMCP](provider="agno", resource="tools/mcp", name="gh")
    tool = ready_tool(ToolsMCP, "gh")
    tool.outputs = mocker.MagicMock(name="outputs-with-a-mock")
    tool.outputs.name = "gh"
    tool_dep._resolved = tool
    config = AgentConfig(model=model_dep, tools=[tool_dep])
    assert config.model is model_dep

    result = await ProviderHarness().invoke_create(Agent, name="test-agent", config=config)

    assert result.success, result.error
    assert result.outputs.spec.model_id == "gpt-4o"
    assert result.outputs.spec.tools == ["gh"]


async def test_worker_path_resolves_union_members() -> None:
    documents = {}
    for resource in (ready_model(OpenAIModel, "gpt", "gpt-4o"), ready_tool(ToolsWebSearch, "web")):
        documents[resource.id] = {
            "provider": "agno",
            "resource": type(resource).resource,
            "name": resource.name,
            "config": resource.config.model_dump(mode="json"),
            "outputs": resource.outputs.model_dump(mode="json"),
            "lifecycle_state": "ready",
        }
    event = LifecycleEvent(
        event_id="evt_1",
        event_type="CREATE",
        provider="agno",
        resource="agent",
        name="helper",
        config={"model": marker("models/openai", "gpt"), "tools": [marker("tools/websearch", "web")]},
        resolved_dependencies=documents,
    )  # type: ignore[arg-type]

    result = await handle_event(agno, event)

    assert result.success, result.error
    assert result.outputs is not None
    assert result.outputs["spec"]["model_url"] == "https://api.openai.com"
    assert result.outputs["spec"]["tools"] == ["web"]


async def test_provider_harness_resolves_union_members() -> None:
    harness = ProviderHarness(agno)
    config = {"model": marker("models/anthropic", "claude")}

    result = await harness.invoke_create(
        Agent, "helper", config, dependencies=[ready_model(AnthropicModel, "claude", "claude-sonnet-4")]
    )

    assert result.success, result.error
    assert result.outputs == {
        "spec": {
            "name": "helper",
            "model_id": "claude-sonnet-4",
            "model_url": "https://api.anthropic.com",
            "tools": [],
            "instructions": None,
        },
        "pip_dependencies": ["anthropic"],
    }
