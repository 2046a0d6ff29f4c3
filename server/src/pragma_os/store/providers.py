"""Queries on pushed providers, their builds and their deployment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.tables import builds, providers
from pragma_os.store.types import Row, first_row, plain_dict


async def get_provider(
    connection: AsyncConnection, organization_id: str, provider_id: str, *, for_update: bool = False
) -> Row | None:
    """One provider of an organization; ``for_update`` locks it (PostgreSQL)."""
    query = select(providers).where(
        providers.c.organization_id == organization_id, providers.c.provider_id == provider_id
    )
    if for_update:
        query = query.with_for_update()
    return await first_row(connection, query)


async def insert_provider(
    connection: AsyncConnection, organization_id: str, provider_id: str, now: datetime
) -> Row:
    """Register a provider on its first push.

    Raises:
        AlreadyExistsError: Another transaction registered it first.
    """
    values = {
        "organization_id": organization_id,
        "provider_id": provider_id,
        "created_at": now,
        "updated_at": now,
    }
    try:
        result = await connection.execute(insert(providers).returning(*providers.c), values)
    except IntegrityError as error:
        raise AlreadyExistsError(provider_id) from error
    return plain_dict(result.mappings().one())


async def list_providers(connection: AsyncConnection, organization_id: str) -> list[Row]:
    """The providers of an organization, by id."""
    query = (
        select(providers)
        .where(providers.c.organization_id == organization_id)
        .order_by(providers.c.provider_id)
    )
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def deployed_providers(connection: AsyncConnection) -> list[Row]:
    """Every provider, of every organization, that has a version deployed or being deployed."""
    query = (
        select(providers)
        .where(or_(providers.c.deployed_version.is_not(None), providers.c.target_version.is_not(None)))
        .order_by(providers.c.pk)
    )
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def update_provider(connection: AsyncConnection, pk: int, changes: Row) -> None:
    """Change columns of a provider."""
    await connection.execute(update(providers).where(providers.c.pk == pk).values(**changes))


async def delete_provider(connection: AsyncConnection, row: Row) -> None:
    """Forget a provider and all its builds."""
    await connection.execute(
        delete(builds).where(
            builds.c.organization_id == row["organization_id"], builds.c.provider_id == row["provider_id"]
        )
    )
    await connection.execute(delete(providers).where(providers.c.pk == row["pk"]))


async def insert_build(connection: AsyncConnection, values: Row) -> Row:
    """Record a pushed build."""
    result = await connection.execute(insert(builds).returning(*builds.c), values)
    return plain_dict(result.mappings().one())


async def get_build(
    connection: AsyncConnection, organization_id: str, provider_id: str, version: str
) -> Row | None:
    """One build of a provider by version."""
    query = select(builds).where(
        builds.c.organization_id == organization_id,
        builds.c.provider_id == provider_id,
        builds.c.version == version,
    )
    return await first_row(connection, query)


async def list_builds(
    connection: AsyncConnection,
    organization_id: str,
    provider_id: str,
    *,
    limit: int,
    status: str | None = None,
) -> list[Row]:
    """A provider's builds, newest first; only those in ``status`` when given."""
    query = select(builds).where(
        builds.c.organization_id == organization_id, builds.c.provider_id == provider_id
    )
    if status is not None:
        query = query.where(builds.c.status == status)
    query = query.order_by(builds.c.version.desc()).limit(limit)
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def builds_in(connection: AsyncConnection, statuses: Sequence[str]) -> list[Row]:
    """Builds of every organization in one of ``statuses``, oldest first."""
    query = select(builds).where(builds.c.status.in_(statuses)).order_by(builds.c.pk)
    return [plain_dict(row) for row in (await connection.execute(query)).mappings()]


async def update_build(connection: AsyncConnection, pk: int, changes: Row) -> None:
    """Change columns of a build."""
    await connection.execute(update(builds).where(builds.c.pk == pk).values(**changes))
