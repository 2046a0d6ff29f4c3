"""Tests for mycloudpub Database resource."""

from __future__ import annotations

from datetime import UTC, datetime

from pragma_sdk.provider import ProviderHarness
from pragma_sdk.types import HealthStatus

from mycloudpub_provider import Database, DatabaseConfig, DatabaseOutputs

CREATED_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def create_database(
    name: str = "orders",
    size_gb: int = 10,
    outputs: DatabaseOutputs | None = None,
) -> Database:
    return Database(
        name=name,
        config=DatabaseConfig(name=name, size_gb=size_gb),
        outputs=outputs,
        created_at=CREATED_AT,
    )


async def test_create_database_success(harness: ProviderHarness) -> None:
    """on_create returns the database's connection URL."""
    config = DatabaseConfig(name="orders", size_gb=20)

    result = await harness.invoke_create(Database, name="orders", config=config)

    assert result.success
    assert result.outputs is not None
    assert result.outputs.connection_url == "postgres://.../orders"


async def test_delete_success(harness: ProviderHarness) -> None:
    """on_delete completes without error."""
    result = await harness.invoke_delete(
        Database,
        name="orders",
        config=DatabaseConfig(name="orders"),
        current_outputs=DatabaseOutputs(connection_url="postgres://.../orders"),
    )

    assert result.success


async def test_health_healthy() -> None:
    """health returns healthy once the database has its connection URL."""
    database = create_database(outputs=DatabaseOutputs(connection_url="postgres://.../orders"))

    health = await database.health()

    assert isinstance(health, HealthStatus)
    assert health.status == "healthy"
    assert health.message == "Database orders accepts connections"
    assert health.details == {"size_gb": 10}


async def test_health_unhealthy_not_provisioned() -> None:
    """health returns unhealthy before the database was provisioned."""
    database = create_database(outputs=None)

    health = await database.health()

    assert health.status == "unhealthy"
    assert "not provisioned" in health.message.lower()


async def test_logs_yields_entries() -> None:
    """logs yields the server's lines, oldest first, with the database in metadata."""
    database = create_database()

    entries = [entry async for entry in database.logs()]

    assert [entry.message for entry in entries] == [
        "database system is ready to accept connections",
        "created database orders (10 GiB)",
    ]
    assert [entry.level for entry in entries] == ["info", "info"]
    assert entries[0].timestamp == CREATED_AT
    assert entries[0].metadata == {"database": "orders"}


async def test_logs_warns_about_small_disk() -> None:
    """logs warns when the disk is small."""
    database = create_database(size_gb=2)

    entries = [entry async for entry in database.logs()]

    assert entries[-1].level == "warn"
    assert entries[-1].message == "only 2 GiB of disk: consider resizing"


async def test_logs_since_and_tail() -> None:
    """logs honours since and tail."""
    database = create_database(size_gb=2)

    newest = [entry async for entry in database.logs(tail=1)]
    later = [entry async for entry in database.logs(since=datetime(2026, 1, 15, 12, 0, 1, tzinfo=UTC))]

    assert [entry.level for entry in newest] == ["warn"]
    assert [entry.message for entry in later] == [
        "created database orders (2 GiB)",
        "only 2 GiB of disk: consider resizing",
    ]


def test_provider_name() -> None:
    """Resource has correct provider name."""
    assert Database.provider == "mycloudpub"


def test_resource_type() -> None:
    """Resource has correct resource type."""
    assert Database.resource == "database"
