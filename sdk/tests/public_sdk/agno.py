"""A provider package written as the public SDK's providers are: the agno provider in miniature.

Module-level imports, ``ClassVar`` names, ``Dependency`` unions and async-generator ``logs()``
follow ``pragmatiks/providers``; the tests next to it drive it the way that repository does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel

from pragma_sdk import Config, Dependency, HealthStatus, LogEntry, Outputs, Provider, Resource

agno = Provider(name="agno")


class ModelConfig(Config):
    """Which model to talk to, and with which key."""

    id: str
    api_key: str


class ModelOutputs(Outputs):
    """What an agent needs to reach a model."""

    model_id: str
    url: str


class Model(Resource[ModelConfig, ModelOutputs]):
    """What every model does, as the agno provider's model base class has it; each subclass
    names its type and where its API answers."""

    provider: ClassVar[str] = "agno"
    api_url: ClassVar[str]

    async def on_create(self) -> ModelOutputs:
        return ModelOutputs(model_id=self.config.id, url=self.api_url)

    async def on_update(self, previous_config: ModelConfig) -> ModelOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        pass


@agno.resource("models/anthropic")
class AnthropicModel(Model):
    """An Anthropic model."""

    resource: ClassVar[str] = "models/anthropic"
    api_url: ClassVar[str] = "https://api.anthropic.com"


@agno.resource("models/openai")
class OpenAIModel(Model):
    """An OpenAI model."""

    resource: ClassVar[str] = "models/openai"
    api_url: ClassVar[str] = "https://api.openai.com"


class ToolConfig(Config):
    """A tool's name."""

    name: str


class ToolOutputs(Outputs):
    """A tool's name, as agents list it."""

    name: str


@agno.resource("tools/websearch")
class ToolsWebSearch(Resource[ToolConfig, ToolOutputs]):
    """Web search; its deletion is left to the platform (no ``on_delete``)."""

    async def on_create(self) -> ToolOutputs:
        return ToolOutputs(name=self.config.name)


@agno.resource("tools/mcp")
class ToolsMCP(Resource[ToolConfig, ToolOutputs]):
    """An MCP server's tools."""

    async def on_create(self) -> ToolOutputs:
        return ToolOutputs(name=f"mcp:{self.config.name}")

    async def on_delete(self) -> None:
        pass


class AgentSpec(BaseModel):
    """What a runner needs to rebuild the agent."""

    name: str
    model_id: str
    model_url: str
    tools: list[str]
    instructions: list[str] | None = None


class AgentConfig(Config):
    """An agent on one model, with tools."""

    model: Dependency[AnthropicModel] | Dependency[OpenAIModel]
    tools: list[Dependency[ToolsWebSearch] | Dependency[ToolsMCP]] = []
    instructions: list[str] | None = None


class AgentOutputs(Outputs):
    """The agent's spec and the packages a runner installs."""

    spec: AgentSpec
    pip_dependencies: list[str]


@agno.resource("agent")
class Agent(Resource[AgentConfig, AgentOutputs]):
    """An agent definition."""

    provider: ClassVar[str] = "agno"
    resource: ClassVar[str] = "agent"

    async def _build_spec(self) -> AgentSpec:
        model = await self.config.model.resolve()
        tools = [await tool.resolve() for tool in self.config.tools]
        return AgentSpec(
            name=self.name,
            model_id=model.outputs.model_id,
            model_url=model.outputs.url,
            tools=[tool.outputs.name for tool in tools],
            instructions=self.config.instructions,
        )

    async def on_create(self) -> AgentOutputs:
        spec = await self._build_spec()
        packages = ["anthropic"] if "anthropic" in spec.model_url else ["openai"]
        return AgentOutputs(spec=spec, pip_dependencies=packages)

    async def on_update(self, previous_config: AgentConfig) -> AgentOutputs:
        if previous_config.model.id != self.config.model.id and self.outputs is not None:
            raise ValueError("Cannot change model; delete and recreate resource")
        return await self.on_create()

    async def on_delete(self) -> None:
        pass


class ServiceConfig(Config):
    """A service in front of a deployment."""

    port: int


class ServiceOutputs(Outputs):
    """Where the service answers."""

    url: str


@agno.resource("service")
class Service(Resource[ServiceConfig, ServiceOutputs]):
    """A service; created as a subresource of a deployment."""

    async def on_create(self) -> ServiceOutputs:
        return ServiceOutputs(url=f"http://{self.name}:{self.config.port}")

    async def on_delete(self) -> None:
        pass


class DeploymentConfig(Config):
    """A deployment of an agent."""

    agent: Dependency[Agent]
    replicas: int = 1


class DeploymentOutputs(Outputs):
    """Where the deployed agent answers."""

    url: str
    ready: bool


@agno.resource("deployment")
class Deployment(Resource[DeploymentConfig, DeploymentOutputs]):
    """An agent deployed behind a service, with health and logs."""

    def _service(self) -> Service:
        return Service(name=f"{self.name}-svc", config=ServiceConfig(port=8080))

    async def on_create(self) -> DeploymentOutputs:
        service = self._service()
        await service.apply()
        await service.wait_ready(timeout=120.0)
        return DeploymentOutputs(url=f"http://{self.name}-svc:8080", ready=True)

    async def on_update(self, previous_config: DeploymentConfig) -> DeploymentOutputs:
        if previous_config.replicas == self.config.replicas and self.outputs is not None:
            return self.outputs
        return await self.on_create()

    async def on_delete(self) -> None:
        await self._service().on_delete()

    async def health(self) -> HealthStatus:
        if self.outputs is None or not self.outputs.ready:
            return HealthStatus(status="unhealthy", message="Deployment not ready")
        return HealthStatus(
            status="healthy",
            message=f"All {self.config.replicas} replicas ready",
            details={"replicas": self.config.replicas},
        )

    async def logs(self, since: datetime | None = None, tail: int = 100) -> AsyncIterator[LogEntry]:
        for replica in range(self.config.replicas):
            yield LogEntry(
                timestamp=datetime(2026, 1, 1, 12, 0, replica, tzinfo=UTC),
                level="info",
                message=f"replica {replica} serving",
                metadata={"pod": f"{self.name}-{replica}"},
            )
        yield LogEntry(
            timestamp=datetime(2026, 1, 1, 12, 1, tzinfo=UTC),
            level="warn",
            message="slow start",
            metadata={"pod": f"{self.name}-0"},
        )
