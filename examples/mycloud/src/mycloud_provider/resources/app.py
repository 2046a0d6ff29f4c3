"""``mycloud/app``: an application connected to a mycloud database.

Shows a whole-resource ``Dependency``, a ``Field`` that may reference another resource, and a
subresource (its DNS record) that the app owns: deleting the app deletes the record first.
"""

from mycloud_provider.provider import mycloud
from mycloud_provider.resources.database import Database
from mycloud_provider.resources.dns import Dns, DnsConfig
from pragma_sdk import Config, Dependency, Field, Outputs, Resource


class AppConfig(Config):
    """Configuration of a mycloud app."""

    database: Dependency[Database]
    image: Field[str]
    replicas: int = 1


class AppOutputs(Outputs):
    """What a mycloud app reports once deployed."""

    url: str
    database_url: str


@mycloud.resource("app")
class App(Resource[AppConfig, AppOutputs]):
    """A containerized application on mycloud, connected to one database."""

    async def on_create(self) -> AppOutputs:
        """Deploy the app against its database and return where it is served."""
        database = await self.config.database.resolve()
        if database.outputs is None:
            raise RuntimeError(f"{database.id} has no outputs yet")
        if not isinstance(self.config.image, str):
            raise ValueError("image must be resolved to a string before the app is deployed")
        if self.config.replicas < 1:
            raise ValueError("replicas must be at least 1")
        record = Dns(name=f"{self.name}-dns", config=DnsConfig(hostname=self.name))
        await record.apply()
        await record.wait_ready(timeout=60)
        if record.outputs is None:
            raise RuntimeError(f"{record.id} is ready without outputs")
        return AppOutputs(url=f"https://{record.outputs.fqdn}", database_url=database.outputs.connection_url)

    async def on_update(self, previous_config: AppConfig) -> AppOutputs:
        """Redeploy with the new config; the URL stays the same."""
        return await self.on_create()

    async def on_delete(self) -> None:
        """Undeploy the app (nothing to clean up in this sample)."""
