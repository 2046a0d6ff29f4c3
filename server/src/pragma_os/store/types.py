"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, cast

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps; SQLite returns naive values, this makes them UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _in_utc(value)

    # On SQLite a timestamp is text. SQLAlchemy's own conversions (a ``%`` format one way, a
    # regular expression and ``replace(tzinfo=...)`` back) cost about 20,000 and 12,000
    # instructions a value, and the engine converts some 40 timestamps per resource; these give
    # the same text and values for about 14,000 and 2,500.

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_text
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_timestamp
        return super().result_processor(dialect, coltype)


def _sqlite_text(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy writes it on SQLite: UTC, always to the microsecond (text
    compares in time order), without the offset."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat(" ")  # ...+00:00, the fraction only when not 0
    return text[:26] if len(text) == 32 else text[:19] + ".000000"


def _sqlite_timestamp(value: str | None) -> datetime | None:
    """The UTC timestamp SQLite text stands for."""
    if value is None:
        return None
    if len(value) in (19, 26):  # as written here, with or without the fraction
        return datetime.fromisoformat(value + "+00:00")
    return _in_utc(datetime.fromisoformat(value))  # a date alone, or text with an offset of its own


def _in_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive one is taken to be UTC already (as SQLite returns them)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Row = dict[str, Any]
"""A row as a dict of its columns."""

Changes = dict[str, Any]
"""Columns of a row to change, with their new values."""


@dataclass(frozen=True)
class Claim:
    """A lease to make: up to ``limit`` due events of ``providers`` (in one organization, or in
    every one when ``None``) to ``owner``, until ``lease_until``."""

    organization_id: str | None
    providers: Sequence[str]
    owner: str
    limit: int
    now: datetime
    lease_until: datetime

    @classmethod
    def lasting(
        cls, seconds: float, organization_id: str | None, providers: Sequence[str], owner: str, limit: int
    ) -> Claim:
        """A claim made now, for ``seconds``."""
        now = utcnow()
        return cls(organization_id, providers, owner, limit, now, now + timedelta(seconds=seconds))


class EventRow(TypedDict):
    """A row of the event queue: a resource's next piece of work."""

    pk: int
    id: str
    organization_id: str
    provider: str
    resource_pk: int
    status: str
    blocked: bool
    available_at: datetime
    attempt: int
    event_type: str | None
    payload: dict[str, Any] | None
    generation: int | None
    inputs_digest: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    created_at: datetime
    request_id: str | None
    leased_at: datetime | None
    traceparent: str | None


def event_row(row: Mapping[Any, Any]) -> EventRow:
    """A result row of the events table, typed."""
    return cast(EventRow, plain_dict(row))


class NewResource(TypedDict):
    """A resource as an apply declares it, before it is stored: every column of the resources
    table but those its creation sets (``pk``, ``lifecycle_state``, ``waiting_on``)."""

    organization_id: str
    id: str
    provider: str
    resource: str
    name: str
    config: dict[str, Any]
    resolved_config: dict[str, Any] | None
    dependencies: list[dict[str, Any]]
    owner_references: list[dict[str, Any]]
    outputs: dict[str, Any]
    error: str | None
    pending_event_id: str | None
    provisioned: bool
    tags: list[str] | None
    generation: int
    observed_generation: int
    deleting: bool
    error_traceback: str | None
    retry: dict[str, Any] | None
    applied_config: dict[str, Any] | None
    inputs_digest: str | None
    created_at: datetime
    updated_at: datetime


class ResourceRow(NewResource):
    """A row of the resources table: a resource as stored."""

    pk: int
    lifecycle_state: str
    """A ``LifecycleState`` value: a plain ``str`` as read, the enum member as the engine sets it."""
    waiting_on: list[str]
    """The ``provider/resource/name`` paths of what keeps it from being dispatched."""


def resource_row(row: Mapping[Any, Any]) -> ResourceRow:
    """A result row of the resources table (or a complete one the engine built), typed."""
    return cast(ResourceRow, plain_dict(row))


def with_changes(row: ResourceRow, changes: Changes) -> ResourceRow:
    """``row`` as it is once ``changes`` (of its columns) are written."""
    return cast(ResourceRow, {**row, **changes})


JSONDocument = JSON().with_variant(JSONB(), "postgresql")
"""A JSON column: JSONB on PostgreSQL, JSON text on SQLite."""


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def plain_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A result row as a dict with plain ``str`` keys (SQLAlchemy may hand out str subclasses)."""
    return {str(key): value for key, value in row.items()}


async def first_row(connection: AsyncConnection, query: Executable) -> Row | None:
    """The first row ``query`` returns, as ``plain_dict`` makes it; ``None`` when it returns none."""
    row = (await connection.execute(query)).mappings().first()
    return plain_dict(row) if row else None
