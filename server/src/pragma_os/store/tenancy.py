"""Queries on organizations, users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.tables import api_tokens, organizations, users
from pragma_os.store.types import first_row


async def count_organizations(connection: AsyncConnection) -> int:
    """How many organizations exist."""
    result = await connection.execute(select(func.count()).select_from(organizations))
    return int(result.scalar_one())


async def find_organization(connection: AsyncConnection, name: str) -> dict[str, Any] | None:
    """The organization called ``name``, if any."""
    return await first_row(connection, select(organizations).where(organizations.c.name == name))


async def insert_organization(
    connection: AsyncConnection, organization_id: str, name: str, now: datetime
) -> None:
    """Add an organization; ``AlreadyExistsError`` when the name is taken."""
    try:
        await connection.execute(insert(organizations).values(id=organization_id, name=name, created_at=now))
    except IntegrityError as error:
        raise AlreadyExistsError(name) from error


async def find_user(connection: AsyncConnection, organization_id: str, email: str) -> dict[str, Any] | None:
    """The user with ``email`` in an organization, if any."""
    return await first_row(
        connection, select(users).where(users.c.organization_id == organization_id, users.c.email == email)
    )


async def insert_user(
    connection: AsyncConnection,
    user_id: str,
    organization_id: str,
    email: str,
    role: str,
    now: datetime,
) -> None:
    """Add a user to an organization."""
    await connection.execute(
        insert(users).values(
            id=user_id, organization_id=organization_id, email=email, role=role, created_at=now
        )
    )


async def insert_token(
    connection: AsyncConnection,
    token_id: str,
    token_hash: str,
    organization_id: str,
    user_id: str | None,
    name: str,
    now: datetime,
    provider_scope: str | None = None,
) -> None:
    """Store a token by its hash."""
    await connection.execute(
        insert(api_tokens).values(
            id=token_id,
            token_hash=token_hash,
            organization_id=organization_id,
            user_id=user_id,
            name=name,
            provider_scope=provider_scope,
            created_at=now,
        )
    )


async def find_token_holder(connection: AsyncConnection, token_hash: str) -> dict[str, Any] | None:
    """Who holds the live token with this hash: the fields of an ``auth.Principal``, by name."""
    query = (
        select(
            api_tokens.c.id.label("token_id"),
            api_tokens.c.provider_scope,
            api_tokens.c.name.label("token_name"),
            api_tokens.c.user_id,
            users.c.email,
            organizations.c.id.label("organization_id"),
            organizations.c.name.label("organization_name"),
        )
        .select_from(
            api_tokens.join(organizations, organizations.c.id == api_tokens.c.organization_id).outerjoin(
                users, users.c.id == api_tokens.c.user_id
            )
        )
        .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None))
    )
    return await first_row(connection, query)


async def revoke_tokens(connection: AsyncConnection, organization_id: str, name: str, now: datetime) -> None:
    """Revoke the live tokens of an organization that carry ``name``."""
    await connection.execute(
        update(api_tokens)
        .where(
            api_tokens.c.organization_id == organization_id,
            api_tokens.c.name == name,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
