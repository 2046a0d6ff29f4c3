"""The worker protocol on the wire: lease a batch, heartbeat, report results, subresources.

A worker leases events for its providers with a long poll, extends the leases of events
still running, and reports each ``LifecycleResult``; the server takes a result only from
the worker holding the lease. While it holds a lease, the event's handler may apply and
read subresources of the event's resource through that event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pragma_sdk.models import JsonInt, ProviderName, ResourceApply
from pragma_sdk.provider._events import LifecycleEvent, LifecycleResult

MAX_LEASE_BATCH = 1000
MAX_WAIT_SECONDS = 60.0


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeaseRequest(_Request):
    """Ask for up to ``max_events`` events of ``providers``, waiting up to ``wait_seconds`` for some.

    Numbers must be JSON numbers: ``false`` or ``"5"`` are refused, not read as 0 or 5.
    """

    worker_id: str = Field(min_length=1, max_length=100)
    providers: list[ProviderName] = Field(min_length=1, max_length=100)
    max_events: JsonInt = Field(default=100, ge=1, le=MAX_LEASE_BATCH)
    wait_seconds: float = Field(default=20.0, ge=0, le=MAX_WAIT_SECONDS, strict=True)


class LeasedEvent(LifecycleEvent):
    """An event and when its lease runs out unless heartbeated."""

    lease_expires_at: datetime


class ProviderQuery(BaseModel):
    """A question for a provider about one resource: its ``health`` or its ``logs``."""

    query_id: str
    kind: Literal["health", "logs"]
    provider: str
    resource: str
    document: dict[str, Any]
    since: datetime | None = None
    tail: int = 100


class LeaseResponse(BaseModel):
    """The events leased (possibly none), how long a lease lasts, and queries to answer."""

    events: list[LeasedEvent]
    lease_seconds: float
    queries: list[ProviderQuery] = Field(default_factory=list)


class QueryAnswer(_Request):
    """A worker's answer to a ``ProviderQuery``: the result, or what went wrong."""

    worker_id: str = Field(min_length=1, max_length=100)
    result: Any = None
    error: str | None = None


class HeartbeatRequest(_Request):
    """Extend the leases of events still being handled."""

    worker_id: str = Field(min_length=1, max_length=100)
    event_ids: list[str] = Field(max_length=MAX_LEASE_BATCH * 10)


class HeartbeatResponse(BaseModel):
    """Which leases were extended, and which this worker no longer holds."""

    held: list[str]
    lost: list[str]


class NextLease(_Request):
    """With a ``CompleteRequest``: also lease up to ``max_events`` due events of ``providers``,
    in the transaction that takes the results (a dependent they made due among them), so
    that the next event of a chain comes back with the answer instead of after a poll."""

    providers: list[ProviderName] = Field(min_length=1, max_length=100)
    max_events: JsonInt = Field(ge=1, le=MAX_LEASE_BATCH)


class CompleteRequest(_Request):
    """Report the results of handled events; with ``lease``, lease more in the same transaction."""

    worker_id: str = Field(min_length=1, max_length=100)
    results: list[LifecycleResult] = Field(min_length=1, max_length=MAX_LEASE_BATCH)
    lease: NextLease | None = None


class SubresourceApply(_Request):
    """Apply ``resource`` as a subresource of the resource of an event ``worker_id`` holds.

    The server makes it owned by the event's resource, whatever ``owner_references`` say.
    """

    worker_id: str = Field(min_length=1, max_length=100)
    resource: ResourceApply


class RejectedResult(BaseModel):
    """A result the server did not take, and why."""

    event_id: str
    reason: str


class CompleteResponse(BaseModel):
    """Which results were taken and which were refused; the events leased when the request
    asked for a ``lease``."""

    accepted: list[str]
    rejected: list[RejectedResult]
    events: list[LeasedEvent] = Field(default_factory=list)
