"""mycloudpub database resource: the SDK guide's Quick Example.

Creating a database computes its connection URL; nothing real is provisioned. ``health()``
and ``logs()`` report what a real database would, from the resource itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pragma_sdk import Config, Outputs, Resource
from pragma_sdk.types import HealthStatus, LogEntry

from mycloudpub_provider.logs import select_logs

SMALL_DATABASE_GB = 5


class DatabaseConfig(Config):
    """Configuration for a mycloud PostgreSQL database.

    Attributes:
        name: Database name; it is part of the connection URL.
        size_gb: Disk size in GiB; resized in place.
    """

    name: str
    size_gb: int = 10


class DatabaseOutputs(Outputs):
    """Outputs of a mycloud database.

    Attributes:
        connection_url: Where apps connect.
    """

    connection_url: str


class Database(Resource[DatabaseConfig, DatabaseOutputs]):
    """A PostgreSQL database on mycloud.

    Lifecycle:
        - on_create: Provision the database
        - on_update: Resize in place; a renamed database gets a new connection URL
        - on_delete: Drop the database (nothing to clean up in this sample)
    """

    provider: ClassVar[str] = "mycloudpub"
    resource: ClassVar[str] = "database"

    def _build_outputs(self) -> DatabaseOutputs:
        """Build outputs from the current config."""
        return DatabaseOutputs(connection_url=f"postgres://.../{self.config.name}")

    async def on_create(self) -> DatabaseOutputs:
        """Provision the database and return its connection URL."""
        return self._build_outputs()

    async def on_update(self, previous_config: DatabaseConfig) -> DatabaseOutputs:
        """Resize in place; a renamed database gets a new connection URL."""
        if previous_config.name == self.config.name and self.outputs is not None:
            return self.outputs

        return self._build_outputs()

    async def on_delete(self) -> None:
        """Drop the database (nothing to clean up in this sample)."""

    async def health(self) -> HealthStatus:
        """Report whether the database accepts connections."""
        if self.outputs is None:
            return HealthStatus(status="unhealthy", message="Database not provisioned")

        return HealthStatus(
            status="healthy",
            message=f"Database {self.config.name} accepts connections",
            details={"size_gb": self.config.size_gb},
        )

    async def logs(self, since: datetime | None = None, tail: int = 100) -> AsyncIterator[LogEntry]:
        """Yield the database server's log lines, oldest first, those ``select_logs`` picks.

        Yields:
            LogEntry for each line.
        """
        started = self.created_at or datetime.now(UTC)
        metadata = {"database": self.config.name}
        entries = [
            LogEntry(
                timestamp=started,
                level="info",
                message="database system is ready to accept connections",
                metadata=metadata,
            ),
            LogEntry(
                timestamp=started + timedelta(seconds=1),
                level="info",
                message=f"created database {self.config.name} ({self.config.size_gb} GiB)",
                metadata=metadata,
            ),
        ]
        if self.config.size_gb < SMALL_DATABASE_GB:
            entries.append(
                LogEntry(
                    timestamp=started + timedelta(seconds=2),
                    level="warn",
                    message=f"only {self.config.size_gb} GiB of disk: consider resizing",
                    metadata=metadata,
                )
            )

        for entry in select_logs(entries, since, tail):
            yield entry
