"""What the MCP tools answer where the API's wire models (``pragma_sdk.models``) have no type.

Each is a pydantic model, so the SDK publishes its JSON schema as the tool's ``outputSchema``
and answers ``structuredContent`` that follows it. Lists are wrapped in an object, so that an
assistant reads one document, not one text block per item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from pragma_sdk.models import (
    BuildInfo,
    BuildStatus,
    ProviderInfo,
    ResourceDefinition,
    ResourceDocument,
    ResourceHistoryEntry,
)


class ResourceTypeList(BaseModel):
    """The resource types the organization can apply, with their config and outputs schemas."""

    resource_types: list[ResourceDefinition]


class ResourceList(BaseModel):
    """A page of resources in id order; ``next_cursor`` (when set) is the ``cursor`` of the next page."""

    resources: list[ResourceDocument]
    next_cursor: str | None = None


class DeletedResource(BaseModel):
    """A delete's outcome: the resource on its way out, or ``already_gone`` when there was none."""

    resource_id: str
    already_gone: bool
    resource: ResourceDocument | None = None


class ResourceHistory(BaseModel):
    """A page of a resource's lifecycle transitions, newest first; ``next_cursor`` reads older ones."""

    resource_id: str
    entries: list[ResourceHistoryEntry]
    next_cursor: str | None = None


class RevealedSecret(BaseModel):
    """The plaintext values of a ``pragma/secret`` (the reveal is written to the audit)."""

    id: str
    name: str
    data: dict[str, str]


class ProviderList(BaseModel):
    """The organization's providers and where each deployment stands."""

    providers: list[ProviderInfo]


class BuildList(BaseModel):
    """A provider's latest builds, newest first."""

    builds: list[BuildInfo]


class BuildLogs(BaseModel):
    """A build's log lines and where the build stands; ``complete`` once it has ended."""

    provider_id: str
    version: str
    status: BuildStatus
    complete: bool = Field(description="True once the build ended: the log has all its lines")
    lines: list[str]
    error_message: str | None = None


class DeadLetter(BaseModel):
    """An event that failed for good: what it asked of the provider and why it failed."""

    event_id: str
    provider: str
    resource_type: str
    resource_name: str
    resource_id: str
    event_type: str
    payload: dict[str, Any] = Field(description="What the handler was given; secret values redacted")
    error_message: str | None = None
    error: str | None = None
    error_traceback: str | None = None
    attempt_count: int
    failed_at: datetime


class DeadLetterList(BaseModel):
    """Dead letters, newest first."""

    dead_letters: list[DeadLetter]


class RetriedEvent(BaseModel):
    """The event a dead letter retry queued again; its resource is ``pending`` once more."""

    event_id: str
    provider: str
    resource_type: str
    resource_name: str
    resource_id: str
    event_type: str
    status: str
    created_at: datetime


class RetriedCount(BaseModel):
    """How many dead letters were queued again."""

    retried_count: int


class DeletedDeadLetter(BaseModel):
    """A discarded dead letter (discarding one already gone is no error)."""

    event_id: str
    deleted: bool = True
