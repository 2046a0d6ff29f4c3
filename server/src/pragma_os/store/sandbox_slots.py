"""Queries on sandbox slots: the number each organization's uid is derived from."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.tables import sandbox_slots


async def find_slot(connection: AsyncConnection, organization_id: str) -> int | None:
    """The organization's slot, or ``None`` before its first build or release."""
    query = select(sandbox_slots.c.slot).where(sandbox_slots.c.organization_id == organization_id)
    slot: int | None = (await connection.execute(query)).scalar()
    return slot


async def add_slot(connection: AsyncConnection, organization_id: str) -> int:
    """Give the organization the next slot and return it.

    Raises:
        AlreadyExistsError: The organization has a slot (another replica gave it one first).
    """
    statement = insert(sandbox_slots).values(organization_id=organization_id).returning(sandbox_slots.c.slot)
    try:
        slot: int = (await connection.execute(statement)).scalar_one()
    except IntegrityError as error:
        raise AlreadyExistsError(organization_id) from error
    return slot
