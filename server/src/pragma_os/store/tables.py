"""Table definitions. Private to the store: nothing outside ``store/`` imports them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pragma_os.store.types import JSONDocument, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _pk() -> Column[int]:
    """The row's surrogate key, numbered by the database."""
    return Column("pk", Integer, primary_key=True, autoincrement=True)


def _organization_id(*, nullable: bool = False, unique: bool | None = None) -> Column[str]:
    """The organization the row belongs to, kept to one that exists."""
    return Column(
        "organization_id", String(40), ForeignKey("organizations.id"), nullable=nullable, unique=unique
    )


def _timestamps() -> tuple[Column[datetime], Column[datetime]]:
    """When the row was created and last changed."""
    return (
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    )


organizations = Table(
    "organizations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    _organization_id(),
    Column("email", String(320), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("organization_id", "email"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    _organization_id(),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=True),
    Column("name", String(200), nullable=False),
    # Comma-separated providers a worker token may lease for; NULL for a user's token.
    Column("provider_scope", String(1000), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

resources = Table(
    "resources",
    metadata,
    _pk(),
    _organization_id(),
    Column("id", String(400), nullable=False),
    Column("provider", String(63), nullable=False),
    Column("resource", String(253), nullable=False),
    Column("name", String(63), nullable=False),
    Column("config", JSONDocument, nullable=False),
    Column("resolved_config", JSONDocument, nullable=True),
    Column("dependencies", JSONDocument, nullable=False),
    Column("owner_references", JSONDocument, nullable=False),
    Column("outputs", JSONDocument, nullable=False),
    Column("error", Text, nullable=True),
    Column("lifecycle_state", String(20), nullable=False),
    Column("pending_event_id", String(40), nullable=True),
    Column("provisioned", Boolean, nullable=False),
    Column("tags", JSONDocument, nullable=True),
    Column("generation", Integer, nullable=False),
    Column("observed_generation", Integer, nullable=False),
    Column("waiting_on", JSONDocument, nullable=False),
    Column("deleting", Boolean, nullable=False),
    # The traceback of the last failure, and where retries stand after one (migration 0006).
    Column("error_traceback", Text, nullable=True),
    Column("retry", JSONDocument, nullable=True),
    # Engine bookkeeping, never on the wire: the resolved config of the last success (the next
    # UPDATE's previous_config) and a digest of the inputs it was computed from.
    Column("applied_config", JSONDocument, nullable=True),
    Column("inputs_digest", String(64), nullable=True),
    *_timestamps(),
    # The id is a function of (provider, resource, name), so it alone enforces uniqueness.
    UniqueConstraint("organization_id", "id"),
    Index(None, "organization_id", "provider", "id"),
    Index(None, "organization_id", "provider", "resource", "id"),
    Index(None, "organization_id", "lifecycle_state", "id"),  # migration 0011
)

resource_tags = Table(
    "resource_tags",
    metadata,
    Column("organization_id", String(40), primary_key=True),
    Column("tag", String(255), primary_key=True),
    Column("resource_id", String(400), primary_key=True),
    Column(
        "resource_pk",
        Integer,
        ForeignKey("resources.pk", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

resource_types = Table(
    "resource_types",
    metadata,
    _pk(),
    _organization_id(nullable=True),
    Column("provider", String(63), nullable=False),
    Column("resource", String(253), nullable=False),
    Column("schema", JSONDocument, nullable=False),
    Column("outputs_schema", JSONDocument, nullable=False),
    Column("description", Text, nullable=True),
    Column("tags", JSONDocument, nullable=True),
    *_timestamps(),
    UniqueConstraint("organization_id", "provider", "resource"),
)

# What a resource points at: the resources it depends on and its owners, by id (the target
# may not exist yet). Reverse lookups find dependents and owned resources.
resource_links = Table(
    "resource_links",
    metadata,
    Column("resource_pk", Integer, ForeignKey("resources.pk", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(12), primary_key=True),
    Column("target_id", String(400), primary_key=True),
    Column("organization_id", String(40), nullable=False),
    Index(None, "organization_id", "target_id", "kind"),
)

# The durable queue: at most one event per resource. A queued event is built into a
# LifecycleEvent when a worker leases it, so intermediate changes coalesce.
events = Table(
    "events",
    metadata,
    _pk(),
    Column("id", String(40), nullable=False, unique=True),
    _organization_id(),
    Column("provider", String(63), nullable=False),
    Column(
        "resource_pk",
        Integer,
        ForeignKey("resources.pk", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("status", String(10), nullable=False),
    Column("blocked", Boolean, nullable=False),
    Column("available_at", UTCDateTime(), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("event_type", String(10), nullable=True),
    Column("payload", JSONDocument, nullable=True),
    Column("generation", Integer, nullable=True),
    Column("inputs_digest", String(64), nullable=True),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_expires_at", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # The X-Request-ID of the apply that queued it (migration 0008); the worker logs it.
    Column("request_id", String(200), nullable=True),
    # When the current lease began: a result's handler duration is measured from it.
    Column("leased_at", UTCDateTime(), nullable=True),
    # The W3C traceparent of the apply's span (migration 0010); the worker's span is its child.
    Column("traceparent", String(100), nullable=True),
    Index(None, "organization_id", "provider", "status", "blocked", "available_at"),
    Index(None, "status", "lease_expires_at"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    _pk(),
    Column("event_id", String(40), nullable=False),
    _organization_id(),
    Column("provider", String(63), nullable=False),
    Column("resource_type", String(253), nullable=False),
    Column("resource_name", String(63), nullable=False),
    Column("resource_id", String(400), nullable=False),
    Column("event_type", String(10), nullable=False),
    Column("payload", JSONDocument, nullable=False),
    Column("error_message", Text, nullable=False),
    Column("attempt_count", Integer, nullable=False),
    Column("failed_at", UTCDateTime(), nullable=False),
    Column("error_traceback", Text, nullable=True),
    UniqueConstraint("organization_id", "event_id"),
    Index(None, "organization_id", "provider"),
    Index(None, "organization_id", "resource_id"),
)

# The change feed behind the watch stream: one row per write to a resource, in commit order
# (see feed.py).
resource_changes = Table(
    "resource_changes",
    metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("organization_id", String(40), nullable=False),
    Column("resource_id", String(400), nullable=False),
    Column("provider", String(63), nullable=False),
    Column("resource", String(253), nullable=False),
    Column("name", String(63), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Index(None, "organization_id", "seq"),
    Index(None, "changed_at"),
)

# The organization's audit: who applied, deleted, revealed, pushed, deployed (see
# services/audit.py); ``id`` orders it and pages it, newest first.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    _organization_id(),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(400), nullable=False),
    Column("user", String(320), nullable=True),
    Column("token_name", String(200), nullable=True),
    Column("detail", JSONDocument, nullable=False),
    Index(None, "organization_id", "id"),
    Index(None, "at"),
)

# The history of every resource: one row per lifecycle transition, written with it (see
# engine/history.py), paged newest first by ``id``; kept after the resource is deleted, until
# retention trims it.
resource_history = Table(
    "resource_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("organization_id", String(40), nullable=False),
    Column("resource_id", String(400), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("cause", String(30), nullable=False),
    Column("actor", String(400), nullable=True),
    Column("caused_by", String(400), nullable=True),
    Column("from_state", String(20), nullable=True),
    Column("to_state", String(20), nullable=True),
    Column("generation", Integer, nullable=True),
    Column("event_id", String(40), nullable=True),
    Column("attempt", Integer, nullable=True),
    Column("duration_ms", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("error_traceback", Text, nullable=True),
    Column("changes", JSONDocument, nullable=True),
    Index(None, "organization_id", "resource_id", "id"),
    Index(None, "at"),
)

# Pushed providers of an organization and their deployment.
providers = Table(
    "providers",
    metadata,
    _pk(),
    _organization_id(),
    Column("provider_id", String(63), nullable=False),
    # The version whose workers run, the one being rolled out (or last tried), the state of
    # that rollout and why it failed.
    Column("deployed_version", String(20), nullable=True),
    Column("target_version", String(20), nullable=True),
    Column("deployment_status", String(12), nullable=True),
    Column("deployment_error", Text, nullable=True),
    *_timestamps(),
    UniqueConstraint("organization_id", "provider_id"),
)

# One row per push: its build's state and, once built, what it registers.
builds = Table(
    "builds",
    metadata,
    _pk(),
    _organization_id(),
    Column("provider_id", String(63), nullable=False),
    Column("version", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("error_message", Text, nullable=True),
    Column("package", String(255), nullable=True),
    Column("resource_types", JSONDocument, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    UniqueConstraint("organization_id", "provider_id", "version"),
    Index(None, "status"),
)

# The sandbox slot of an organization: its pushed code runs as uid ``base + slot``, a uid no
# other organization ever gets (slots are never reused).
sandbox_slots = Table(
    "sandbox_slots",
    metadata,
    Column("slot", Integer, primary_key=True, autoincrement=True),
    _organization_id(unique=True),
)

# Questions for a provider about one resource (its health, its logs) until a worker of the
# provider takes one, on whichever replica it polls; the answer waits here for the asker
# when the worker posted it to another replica (see services/provider_queries.py). Rows
# live for the answer window; the periodic prune removes them.
provider_queries = Table(
    "provider_queries",
    metadata,
    Column("query_id", String(40), primary_key=True),
    Column("organization_id", String(40), nullable=False),
    Column("provider", String(63), nullable=False),
    Column("body", JSONDocument, nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("taken_by", String(100), nullable=True),
    Column("answered_at", UTCDateTime(), nullable=True),
    Column("answer", JSONDocument, nullable=True),
    Column("error", Text, nullable=True),
    Index(None, "organization_id", "provider", "expires_at"),
    Index(None, "expires_at"),
)

# Which workers poll, on any replica: one row per worker and provider, renewed at most once a
# second while it polls; a provider with no row alive has no worker anywhere.
worker_presence = Table(
    "worker_presence",
    metadata,
    Column("organization_id", String(40), primary_key=True),
    Column("provider", String(63), primary_key=True),
    Column("worker_id", String(100), primary_key=True),
    Column("expires_at", UTCDateTime(), nullable=False),
)
