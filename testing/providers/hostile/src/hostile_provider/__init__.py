"""``hostile/probe``: a resource whose handler attacks the sandbox it runs in.

Its config is an attack (see ``probes``); its output says whether the attack got through.
"""

from __future__ import annotations

from typing import Any

from hostile_provider import probes
from pragma_sdk import Config, Outputs, Provider, Resource

provider = Provider(name="hostile")


class ProbeConfig(Config):
    attack: dict[str, Any]


class ProbeOutputs(Outputs):
    outcome: str


@provider.resource("probe")
class Probe(Resource[ProbeConfig, ProbeOutputs]):
    """Runs one attack and reports how it ended."""

    async def on_create(self) -> ProbeOutputs:
        return ProbeOutputs(outcome=probes.run(self.config.attack))

    async def on_update(self, previous_config: ProbeConfig) -> ProbeOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        return None
