"""The SDK guide's field-reference and ``Dependency`` example as a provider: an Anthropic model
configured with an API key from a ``pragma/secret``, and an agent that depends on the model.

The model's handler proves it received the real key by reporting a digest of it; asked for
model ``reject-key``, it fails for good with an error that quotes the key.
"""

from __future__ import annotations

import hashlib

from pragma_sdk import Config, Dependency, Outputs, Provider, Resource

agno = Provider(name="agno")


def key_digest(api_key: str) -> str:
    """What the model reports about the key it was given."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


class ModelConfig(Config):
    model_id: str
    api_key: str


class ModelOutputs(Outputs):
    model_name: str


@agno.resource("anthropic-model")
class Model(Resource[ModelConfig, ModelOutputs]):
    """An Anthropic model client."""

    async def on_create(self) -> ModelOutputs:
        if self.config.model_id == "reject-key":
            raise ValueError(f"the API rejected key {self.config.api_key}")
        return ModelOutputs(model_name=f"{self.config.model_id}#{key_digest(self.config.api_key)}")

    async def on_update(self, previous_config: ModelConfig) -> ModelOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        return None


class AgentConfig(Config):
    model: Dependency[Model]
    instructions: str


class AgentOutputs(Outputs):
    agent_id: str


@agno.resource("agent")
class Agent(Resource[AgentConfig, AgentOutputs]):
    """An agent using a model."""

    async def on_create(self) -> AgentOutputs:
        model = await self.config.model.resolve()
        model_name = model.outputs.model_name
        return AgentOutputs(agent_id=f"agent-using-{model_name}")

    async def on_update(self, previous_config: AgentConfig) -> AgentOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        return None
