"""mycloudpub DNS record resource, created by an app as its owned subresource."""

from __future__ import annotations

from typing import ClassVar

from pragma_sdk import Config, Outputs, Resource

DOMAIN = "apps.mycloud.example"


def fqdn_of(hostname: str) -> str:
    """The fully qualified name of ``hostname`` under the apps domain."""
    return f"{hostname}.{DOMAIN}"


class DnsConfig(Config):
    """Configuration for a DNS record.

    Attributes:
        hostname: Host name under apps.mycloud.example.
    """

    hostname: str


class DnsOutputs(Outputs):
    """Outputs of a DNS record.

    Attributes:
        fqdn: The record's fully qualified name.
    """

    fqdn: str


class Dns(Resource[DnsConfig, DnsOutputs]):
    """A DNS record under apps.mycloud.example.

    Apps create their record as a subresource; deleting the app deletes the record first.
    It keeps the SDK's default ``health()`` (healthy) and ``logs()``.

    Lifecycle:
        - on_create: Create the record
        - on_update: Point the record at the new hostname
        - on_delete: Remove the record (nothing to clean up in this sample)
    """

    provider: ClassVar[str] = "mycloudpub"
    resource: ClassVar[str] = "dns"

    async def on_create(self) -> DnsOutputs:
        """Create the record and return its fully qualified name."""
        return DnsOutputs(fqdn=fqdn_of(self.config.hostname))

    async def on_update(self, previous_config: DnsConfig) -> DnsOutputs:
        """Point the record at the new hostname."""
        if previous_config == self.config and self.outputs is not None:
            return self.outputs

        return await self.on_create()

    async def on_delete(self) -> None:
        """Delete is a no-op: the sample record exists only as this resource."""
