"""Authentication and tenancy administration: token lookup, organizations, bootstrap."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth.principal import Principal
from pragma_os.auth.tokens import TOKEN_PREFIX, generate_token, hash_token
from pragma_os.errors import AuthenticationError, ConflictError, NotFoundError
from pragma_os.ids import new_id
from pragma_os.store import Database, tenancy
from pragma_os.store.errors import AlreadyExistsError
from pragma_os.store.types import utcnow

LOGIN_HINT = (
    "Send 'Authorization: Bearer <token>'. Run 'pragma auth login' or set PRAGMA_AUTH_TOKEN; "
    "a local server prints its admin token at first start and writes it to "
    "~/.config/pragma/credentials, and 'pragma-os admin create-token' makes new ones."
)

DEFAULT_ORGANIZATION = "default"


class Authenticator:
    """Resolves bearer tokens to principals, caching hits briefly to keep lookups off the hot path."""

    def __init__(self, database: Database, cache_seconds: float) -> None:
        self._database = database
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal behind an ``Authorization`` header, or ``AuthenticationError``."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError(f"Missing API token. {LOGIN_HINT}")
        if not token.startswith(TOKEN_PREFIX):
            raise AuthenticationError(f"Invalid API token. {LOGIN_HINT}")
        token_hash = hash_token(token)
        cached = self._cache.get(token_hash)
        now = time.monotonic()
        if cached and cached[0] > now:
            return cached[1]
        async with self._database.reading() as connection:
            holder = await tenancy.find_token_holder(connection, token_hash)
        if holder is None:
            self._cache.pop(token_hash, None)
            raise AuthenticationError(f"Invalid API token. {LOGIN_HINT}")
        principal = Principal(**holder)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token_hash] = (now + self._cache_seconds, principal)
        return principal


@dataclass(frozen=True)
class IssuedToken:
    """A token as shown once to its owner."""

    token: str
    organization_name: str
    email: str


async def create_organization(database: Database, name: str) -> str:
    """Create an organization; returns its id. ``ConflictError`` if the name is taken."""
    organization_id = new_id("org")
    try:
        async with database.transaction() as connection:
            await tenancy.insert_organization(connection, organization_id, name, utcnow())
    except AlreadyExistsError as error:
        raise ConflictError(f"Organization '{name}' already exists.") from error
    return organization_id


async def create_token(
    database: Database,
    organization_name: str,
    email: str,
    *,
    role: str = "member",
    token: str | None = None,
) -> IssuedToken:
    """Issue a token for ``email`` in an organization, creating the user when new."""
    token = token or generate_token()
    now = utcnow()
    async with database.transaction() as connection:
        organization = await tenancy.find_organization(connection, organization_name)
        if organization is None:
            raise NotFoundError(f"Organization '{organization_name}' does not exist.")
        user = await tenancy.find_user(connection, organization["id"], email)
        user_id = user["id"] if user else new_id("usr")
        if user is None:
            await tenancy.insert_user(connection, user_id, organization["id"], email, role, now)
        await tenancy.insert_token(
            connection, new_id("tok"), hash_token(token), organization["id"], user_id, "api", now
        )
    return IssuedToken(token=token, organization_name=organization_name, email=email)


async def bootstrap(database: Database, email: str, token: str | None) -> IssuedToken | None:
    """On an empty database, create the ``default`` organization and its admin token.

    Returns the issued token, or ``None`` when the database already has an organization.
    """
    async with database.reading() as connection:
        if await tenancy.count_organizations(connection):
            return None
    try:
        await create_organization(database, DEFAULT_ORGANIZATION)
    except ConflictError:
        return None  # another replica bootstrapped first
    return await create_token(database, DEFAULT_ORGANIZATION, email, role="admin", token=token)


async def mint_worker_token(
    database: Database, organization_name: str, label: str, providers: list[str]
) -> str:
    """A token that can only lease and report for ``providers`` in one organization.

    Tokens minted earlier under the same ``label`` are revoked, so restarts leave none behind.
    """
    async with database.transaction() as connection:
        organization = await tenancy.find_organization(connection, organization_name)
        if organization is None:
            raise NotFoundError(f"Organization '{organization_name}' does not exist.")
        return await _replace_worker_token(connection, organization["id"], label, providers)


async def mint_release_token(database: Database, organization_id: str, label: str, provider: str) -> str:
    """A token for the workers of a deployed provider: lease and report for it alone.

    Tokens minted earlier under the same ``label`` are revoked.
    """
    async with database.transaction() as connection:
        return await _replace_worker_token(connection, organization_id, label, [provider])


async def revoke_worker_tokens(database: Database, organization_id: str, label: str) -> None:
    """Revoke the tokens minted under ``label`` (workers that stopped need them no more)."""
    async with database.transaction() as connection:
        await tenancy.revoke_tokens(connection, organization_id, label, utcnow())


async def _replace_worker_token(
    connection: AsyncConnection, organization_id: str, label: str, providers: list[str]
) -> str:
    token = generate_token()
    now = utcnow()
    await tenancy.revoke_tokens(connection, organization_id, label, now)
    await tenancy.insert_token(
        connection,
        new_id("tok"),
        hash_token(token),
        organization_id,
        None,
        label,
        now,
        provider_scope=",".join(sorted(providers)),
    )
    return token
