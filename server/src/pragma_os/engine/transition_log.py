"""The record of every lifecycle transition a transaction makes: where history and metrics
observe them (``engine/transitions.py`` appends each one)."""

from __future__ import annotations

from dataclasses import dataclass

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


def log_of(connection: AsyncConnection) -> list[Transition]:
    """The transitions the current transaction made so far, in order."""
    log: list[Transition] = notes(connection).setdefault("transitions", [])
    return log
