"""``mycloud/dns``: a DNS record, created by an app as its owned subresource."""

from mycloud_provider.provider import mycloud
from pragma_sdk import Config, Outputs, Resource


class DnsConfig(Config):
    """Configuration of a DNS record."""

    hostname: str


class DnsOutputs(Outputs):
    """What a DNS record reports once created."""

    fqdn: str


@mycloud.resource("dns")
class Dns(Resource[DnsConfig, DnsOutputs]):
    """A DNS record under apps.mycloud.example."""

    async def on_create(self) -> DnsOutputs:
        """Create the record and return its fully qualified name."""
        return DnsOutputs(fqdn=f"{self.config.hostname}.apps.mycloud.example")

    async def on_update(self, previous_config: DnsConfig) -> DnsOutputs:
        """Point the record at the new hostname."""
        return await self.on_create()
