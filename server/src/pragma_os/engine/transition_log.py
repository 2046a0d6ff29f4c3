"""The record of every lifecycle transition a transaction makes: where history and metrics
observe them (``engine/transitions.py`` appends each one); and of the leases it made and
the handlers' results it took, for metrics. ``Database.after_commit`` reads them once the
transaction committed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.rules import Cause, State
from pragma_os.store.database import notes


@dataclass(frozen=True)
class Transition:
    """One move of a resource's lifecycle (``target`` None: the row went away)."""

    cause: Cause
    organization_id: str
    resource_id: str
    source: State
    target: State
    event_id: str | None = None
    provider: str = field(kw_only=True)
    resource: str = field(kw_only=True)
    """The resource's type, as metrics label it (never its name)."""


@dataclass(frozen=True)
class Leased:
    """An event handed to a worker, due ``waited`` seconds before."""

    event_id: str
    provider: str
    resource: str
    event_type: str
    waited: float


@dataclass(frozen=True)
class Outcome:
    """A handler's result the engine took: ``success``, ``retry`` or ``failure``."""

    event_id: str
    provider: str
    resource: str
    event_type: str
    result: str


def log_of(connection: AsyncConnection) -> list[Transition]:
    """The transitions the current transaction made so far, in order."""
    log: list[Transition] = notes(connection).setdefault("transitions", [])
    return log


def leases_of(connection: AsyncConnection) -> list[Leased]:
    """The events the current transaction leased so far."""
    leases: list[Leased] = notes(connection).setdefault("leases", [])
    return leases


def outcomes_of(connection: AsyncConnection) -> list[Outcome]:
    """The handlers' results the current transaction took so far."""
    outcomes: list[Outcome] = notes(connection).setdefault("outcomes", [])
    return outcomes
