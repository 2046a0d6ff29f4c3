"""mycloudpub app resource: an application connected to a mycloud database.

Shows a whole-resource ``Dependency``, a ``Field`` that may reference another resource's
output, and a subresource (its DNS record) that the app creates and owns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pragma_sdk import Config, Dependency, Field, Outputs, Resource
from pragma_sdk.types import HealthStatus, LogEntry

from mycloudpub_provider.logs import select_logs
from mycloudpub_provider.resources.database import Database
from mycloudpub_provider.resources.dns import Dns, DnsConfig, fqdn_of


class AppConfig(Config):
    """Configuration for a mycloud app.

    Attributes:
        database: The database the app connects to.
        image: Container image; a value or a reference to another resource's output.
        replicas: Number of replicas, at least 1.
    """

    database: Dependency[Database]
    image: Field[str]
    replicas: int = 1


class AppOutputs(Outputs):
    """Outputs of a mycloud app.

    Attributes:
        url: Where the app is served.
        database_url: The connection URL of its database.
    """

    url: str
    database_url: str


class App(Resource[AppConfig, AppOutputs]):
    """A containerized application on mycloud, connected to one database.

    Lifecycle:
        - on_create: Create the app's DNS record (a subresource), deploy against the database
        - on_update: Redeploy when the config or the database's URL changed
        - on_delete: Undeploy; the DNS record is owned by the app, so the platform deletes it first
    """

    provider: ClassVar[str] = "mycloudpub"
    resource: ClassVar[str] = "app"

    def _url(self) -> str:
        """Public URL of the app, served under its DNS record."""
        return f"https://{fqdn_of(self.name)}"

    def _dns_record(self) -> Dns:
        """Build the app's DNS record subresource."""
        return Dns(name=f"{self.name}-dns", config=DnsConfig(hostname=self.name))

    async def _database_url(self) -> str:
        """Connection URL of the database dependency.

        Raises:
            RuntimeError: The database has no outputs yet.
        """
        database = await self.config.database.resolve()

        if database.outputs is None:
            msg = "Database dependency outputs not available"
            raise RuntimeError(msg)

        return database.outputs.connection_url

    async def _deploy(self, database_url: str) -> AppOutputs:
        """Create or update the DNS record, then return the app's outputs.

        Args:
            database_url: The connection URL of the app's database.

        Raises:
            ValueError: The config asks for fewer than one replica.
        """
        if self.config.replicas < 1:
            msg = "replicas must be at least 1"
            raise ValueError(msg)

        record = self._dns_record()
        await record.apply()
        await record.wait_ready(timeout=60.0)

        return AppOutputs(url=self._url(), database_url=database_url)

    async def on_create(self) -> AppOutputs:
        """Deploy the app against its database and return where it is served."""
        return await self._deploy(await self._database_url())

    async def on_update(self, previous_config: AppConfig) -> AppOutputs:
        """Redeploy when the config or the database's connection URL changed."""
        database_url = await self._database_url()

        if (
            previous_config == self.config
            and self.outputs is not None
            and self.outputs.database_url == database_url
        ):
            return self.outputs

        return await self._deploy(database_url)

    async def on_delete(self) -> None:
        """Undeploy the app; its DNS record is deleted by the platform (the app owns it)."""

    async def health(self) -> HealthStatus:
        """Report how many replicas serve the app."""
        if self.outputs is None:
            return HealthStatus(status="unhealthy", message="App not deployed")

        replicas = self.config.replicas
        details = {"replicas": replicas, "url": self.outputs.url}

        if replicas == 1:
            return HealthStatus(
                status="degraded",
                message=f"1 replica serving {self.outputs.url}; no failover",
                details=details,
            )

        return HealthStatus(
            status="healthy",
            message=f"{replicas}/{replicas} replicas serving {self.outputs.url}",
            details=details,
        )

    async def logs(self, since: datetime | None = None, tail: int = 100) -> AsyncIterator[LogEntry]:
        """Yield the replicas' log lines, oldest first, those ``select_logs`` picks.

        Yields:
            LogEntry for each line, with the replica it came from in ``metadata``.
        """
        started = self.updated_at or self.created_at or datetime.now(UTC)
        entries = [
            LogEntry(
                timestamp=started + timedelta(seconds=replica),
                level="info",
                message=f"replica {replica} serving {self.config.image}",
                metadata={"replica": f"{self.name}-{replica}"},
            )
            for replica in range(self.config.replicas)
        ]
        if self.config.replicas == 1:
            entries.append(
                LogEntry(
                    timestamp=started + timedelta(seconds=1),
                    level="warn",
                    message="single replica: no failover",
                    metadata={"replica": f"{self.name}-0"},
                )
            )

        for entry in select_logs(entries, since, tail):
            yield entry
