"""``mycloud/database``: the SDK guide's Quick Example.

Creating a database computes its connection URL; nothing real is provisioned.
"""

from mycloud_provider.provider import mycloud
from pragma_sdk import Config, Outputs, Resource


class DatabaseConfig(Config):
    """Configuration of a mycloud database."""

    name: str
    size_gb: int = 10


class DatabaseOutputs(Outputs):
    """What a mycloud database reports once created."""

    connection_url: str


@mycloud.resource("database")
class Database(Resource[DatabaseConfig, DatabaseOutputs]):
    """A PostgreSQL database on mycloud."""

    async def on_create(self) -> DatabaseOutputs:
        """Provision the database and return its connection URL."""
        return DatabaseOutputs(connection_url=f"postgres://.../{self.config.name}")

    async def on_update(self, previous_config: DatabaseConfig) -> DatabaseOutputs:
        """Resize in place; a renamed database gets a new connection URL."""
        if self.outputs is None or self.config.name != previous_config.name:
            return await self.on_create()
        return self.outputs

    async def on_delete(self) -> None:
        """Drop the database (nothing to clean up in this sample)."""
