"""The record of every lifecycle transition a transaction makes: where history and metrics
observe them (``engine/transitions.py`` appends each one, ``engine/history.py`` writes them);
and of the leases it made and the handlers' results it took, for metrics.
``Database.after_commit`` reads them once the transaction committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine.rules import Cause, State
from pragma_os.store.database import notes

_UNSET: Any = object()


@dataclass(frozen=True)
class Detail:
    """What a verb knows about its transition besides the states: who (``actor``; None: who
    the transaction acts for, see ``act_as``), which dependency or owner it came from
    (``caused_by``), the attempt, when the lease began, the error, and the config or outputs
    before and after (unset when they did not change)."""

    actor: str | None = None
    caused_by: str | None = None
    attempt: int | None = None
    leased_at: datetime | None = None
    error: str | None = None
    traceback: str | None = None
    config_before: Any = _UNSET
    config_after: Any = _UNSET
    outputs_before: Any = _UNSET
    outputs_after: Any = _UNSET

    @property
    def config_changed(self) -> bool:
        """Whether it carries a config before and after."""
        return self.config_after is not _UNSET

    @property
    def outputs_changed(self) -> bool:
        """Whether it carries outputs before and after."""
        return self.outputs_after is not _UNSET


NO_DETAIL = Detail()


@dataclass(frozen=True)
class Transition:
    """One move of a resource's lifecycle (``target`` None: the row went away)."""

    cause: Cause
    organization_id: str
    resource_id: str
    source: State
    target: State
    event_id: str | None = None
    generation: int | None = None
    detail: Detail = NO_DETAIL
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


def act_as(connection: AsyncConnection, actor: str, resource_id: str | None = None) -> None:
    """Name who the current transaction's requested transitions (applies, deletes, retries of
    dead letters) are made for: of ``resource_id`` only (applies batched from several
    callers), or of every resource."""
    actors: dict[str | None, str] = notes(connection).setdefault("actors", {})
    actors[resource_id] = actor


def actor_of(connection: AsyncConnection, resource_id: str) -> str | None:
    """Who the transaction acts for on ``resource_id`` (``act_as``), if anyone."""
    actors: dict[str | None, str] = notes(connection).get("actors", {})
    return actors.get(resource_id) or actors.get(None)
