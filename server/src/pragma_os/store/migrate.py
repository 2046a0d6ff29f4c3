"""Schema migrations: Alembic, applied at server start and by ``pragma-os db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect

from pragma_os.store.database import Database
from pragma_os.store.dialect import lock_for_migration

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def has_schema(database: Database) -> bool:
    """Whether a pragma-os schema was made in the database (Alembic's version table is there)."""
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return "alembic_version" in tables


async def upgrade(database: Database) -> None:
    """Bring the schema to the newest version."""
    async with database.engine.begin() as connection:
        await lock_for_migration(connection)
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))
