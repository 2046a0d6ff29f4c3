"""Wire models of the Pragmatiks API: the one definition of what crosses HTTP.

The server validates requests and shapes responses with these models; the clients parse
with them. Field names follow the reference API; our additions are marked as such.
``pragma_sdk.models.base`` holds the authoring base classes where the public SDK keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    RootModel,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

NAME_MAX_LENGTH = 63
PROVIDER_MAX_LENGTH = 63
RESOURCE_TYPE_MAX_LENGTH = 253
TAG_MAX_LENGTH = 255
MAX_TAGS = 64
MAX_DEPENDENCIES = 256
MAX_OWNER_REFERENCES = 64
MAX_BATCH_DOCUMENTS = 1000

_NAME_RE = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
_PROVIDER_RE = re.compile(r"[a-z][a-z0-9-]*")
_RESOURCE_TYPE_RE = re.compile(r"[a-z][a-z0-9_-]*(/[a-z][a-z0-9_-]*)*")
# No '/': ``resource_id`` turns the type's into '_', and an id travels as one path segment.
_RESOURCE_ID_RE = re.compile(r"resource:[a-z][a-z0-9_.-]*")
_VERSION_RE = re.compile(r"[0-9]{8}\.[0-9]{6}")

NAME_RULE = (
    "must be a lowercase DNS label: a-z, 0-9, '-' and '.', starting and ending with a letter "
    f"or digit, at most {NAME_MAX_LENGTH} characters"
)
PROVIDER_RULE = (
    "must start with a lowercase letter and contain only a-z, 0-9 and '-', "
    f"at most {PROVIDER_MAX_LENGTH} characters"
)
RESOURCE_TYPE_RULE = (
    "must be one or more '/'-separated segments, each starting with a lowercase letter and "
    f"containing only a-z, 0-9, '_' and '-', at most {RESOURCE_TYPE_MAX_LENGTH} characters"
)
RESOURCE_ID_RULE = "must look like resource:{provider}_{resource}_{name}"
TAG_RULE = f"must be a non-empty string of at most {TAG_MAX_LENGTH} characters"
VERSION_RULE = "must be a build version YYYYMMDD.HHMMSS, such as 20250115.120000"


@dataclass(frozen=True)
class StringRule:
    """A rule for a name or an id: checked with its own message, and described in JSON Schema.

    As ``Annotated`` metadata it validates (a broken rule is a ``ValueError`` with ``rule``)
    and adds ``pattern`` and ``maxLength`` to the field's JSON schema, so that the OpenAPI
    document states what the server checks. ``pattern`` is matched whole; ``None`` allows
    any text of the right length.
    """

    max_length: int
    rule: str
    pattern: re.Pattern[str] | None = None

    def matches(self, value: str) -> bool:
        """Whether ``value`` follows the rule."""
        if not 0 < len(value) <= self.max_length:
            return False
        return self.pattern is None or self.pattern.fullmatch(value) is not None

    @property
    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema keywords of the rule (the pattern anchored, as JSON Schema searches)."""
        schema: dict[str, Any] = {"minLength": 1, "maxLength": self.max_length}
        if self.pattern is not None:
            schema["pattern"] = f"^(?:{self.pattern.pattern})$"
        return schema

    def _check(self, value: str) -> str:
        if not self.matches(value):
            raise ValueError(f"{value!r} {self.rule}")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(self.json_schema)
        return json_schema


NAME = StringRule(NAME_MAX_LENGTH, NAME_RULE, _NAME_RE)
PROVIDER = StringRule(PROVIDER_MAX_LENGTH, PROVIDER_RULE, _PROVIDER_RE)
RESOURCE_TYPE = StringRule(RESOURCE_TYPE_MAX_LENGTH, RESOURCE_TYPE_RULE, _RESOURCE_TYPE_RE)
RESOURCE_ID = StringRule(
    len("resource:") + PROVIDER_MAX_LENGTH + RESOURCE_TYPE_MAX_LENGTH + NAME_MAX_LENGTH + 2,
    RESOURCE_ID_RULE,
    _RESOURCE_ID_RE,
)
TAG = StringRule(TAG_MAX_LENGTH, TAG_RULE)
BUILD_VERSION = StringRule(len("YYYYMMDD.HHMMSS"), VERSION_RULE, _VERSION_RE)


def _integral(value: Any) -> Any:
    # JSON has numbers, not integers: 5.0 is the integer 5 to JSON Schema, so it is here.
    if type(value) is float and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_integral), Field(strict=True)]
"""An integer as JSON Schema counts one: ``5`` or ``5.0``, never ``true``, ``5.5`` or ``"5"``."""

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
DATE_TIME_RULE = "must be a date and time with its offset, as RFC 3339 writes it: 2025-01-15T12:00:00Z"


def _rfc3339(value: Any) -> Any:
    # Pydantic also reads numbers as Unix times and takes a date alone; format: date-time is neither.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return value
    raise ValueError(DATE_TIME_RULE)


DateTime = Annotated[datetime, BeforeValidator(_rfc3339)]
"""A date-time as the document's ``format: date-time`` means it (RFC 3339), or an aware ``datetime``."""

ResourceName = Annotated[str, NAME]
ProviderName = Annotated[str, PROVIDER]
ResourceType = Annotated[str, RESOURCE_TYPE]
Tag = Annotated[str, TAG]
BuildVersion = Annotated[str, BUILD_VERSION]


def resource_id(provider: str, resource: str, name: str) -> str:
    """Return the platform id of a resource: ``resource:{provider}_{resource}_{name}``.

    A ``/`` in the resource type becomes ``_``, so ``gcp/cloudsql/database_instance/db``
    has the id ``resource:gcp_cloudsql_database_instance_db``.
    """
    return f"resource:{provider}_{resource.replace('/', '_')}_{name}"


class ResourceAddress:
    """Mixin for what names a resource by ``provider``, ``resource`` type and ``name``: its id and path."""

    __slots__ = ()

    if TYPE_CHECKING:  # for type checkers only: pydantic would take them for fields of its models
        provider: str
        resource: str
        name: str

    @property
    def id(self) -> str:
        """The named resource's id."""
        return resource_id(self.provider, self.resource, self.name)

    @property
    def path(self) -> str:
        """``provider/resource/name``, the form used in ``depends_on``."""
        return f"{self.provider}/{self.resource}/{self.name}"


def is_resource_id(value: str) -> bool:
    """Tell whether ``value`` has the shape of a resource id (it is never parsed back)."""
    return RESOURCE_ID.matches(value)


class LifecycleState(StrEnum):
    """Where a resource is in its lifecycle."""

    DRAFT = "draft"
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class EventType(StrEnum):
    """The kind of lifecycle event a provider handles."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class ResponseStatus(StrEnum):
    """Outcome of a provider's handling of one lifecycle event."""

    SUCCESS = "success"
    FAILURE = "failure"


class BuildStatus(StrEnum):
    """State of a provider build."""

    PENDING = "pending"
    BUILDING = "building"
    SUCCESS = "success"
    FAILED = "failed"


class DeploymentStatus(StrEnum):
    """State of a provider deployment."""

    PENDING = "pending"
    PROGRESSING = "progressing"
    AVAILABLE = "available"
    FAILED = "failed"


class WireModel(BaseModel):
    """Base of response models: tolerant of fields a newer server adds."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ResourceReference(WireModel, ResourceAddress):
    """Points at another resource by its identity."""

    provider: ProviderName
    resource: ResourceType
    name: ResourceName


class OwnerReference(ResourceReference):
    """Names a resource that owns this one; deleting the owner deletes what it owns."""


class FieldReference(ResourceReference):
    """A value taken from another resource, such as its ``outputs.api_key``.

    ``field`` is a dotted path starting with ``outputs.`` or ``config.``; a bare name means
    ``outputs.<name>``.
    """

    field: str = Field(min_length=1, max_length=1024)


def _reference_from_path(value: Any) -> Any:
    """Accept ``"provider/resource/name"`` wherever a reference is expected."""
    if isinstance(value, str):
        parts = value.split("/")
        if len(parts) < 3:
            raise ValueError(f"{value!r} must be 'provider/resource/name' or an object")
        return {"provider": parts[0], "resource": "/".join(parts[1:-1]), "name": parts[-1]}
    return value


DependencyReference = Annotated[ResourceReference, BeforeValidator(_reference_from_path)]


class UserInfo(WireModel):
    """Who the caller is (``GET /auth/me``)."""

    user_id: str
    email: str | None
    organization_id: str
    organization_name: str | None


class ResourceStatus(WireModel):
    """Lifecycle status of a resource (``GET /resources/{id}/status``)."""

    resource_id: str
    lifecycle_state: LifecycleState
    error: str | None = None


class FieldChange(WireModel):
    """One changed field of a config or of outputs, in a resource's history: ``path`` is dotted
    (``spec.size``); a secret value reads ``[redacted]``."""

    path: str
    change: Literal["added", "removed", "changed"]
    old: Any = None
    new: Any = None


class ResourceHistoryEntry(WireModel):
    """One lifecycle transition of a resource (``GET /resources/{id}/history``), newest first.

    ``cause`` says why it moved (``apply``, ``dependency_change``, ``lease``, ``success``,
    ``retryable_failure``, ``failure``, ``dead_letter_retry``, ``delete``, ``remove`` …);
    ``caused_by`` names the dependency whose change it propagates, or the owner whose
    deletion took it along; ``actor`` is the user and token that asked for it, or the worker
    that handled it. ``to_state`` is None when the resource went away.
    """

    id: int
    resource_id: str
    at: datetime
    cause: str
    actor: str | None = None
    caused_by: str | None = None
    from_state: LifecycleState | None = None
    to_state: LifecycleState | None = None
    generation: int | None = None
    event_id: str | None = None
    attempt: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    error_traceback: str | None = None
    config_changes: list[FieldChange] | None = None
    outputs_changes: list[FieldChange] | None = None


class ResourceDefinition(WireModel):
    """A resource type a provider offers, with the JSON schemas of its config and outputs."""

    provider: str
    resource: str
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema")
    outputs_schema: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None
    tags: list[str] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class RetryStatus(WireModel):
    """Where a resource's retries stand after a failed attempt (pragma-os addition).

    ``attempt`` is the delivery running or due next (2 after the first failure), out of
    ``max_attempts``; ``next_attempt_at`` is when it is due, ``None`` once it runs.
    """

    attempt: int
    max_attempts: int
    next_attempt_at: datetime | None = None


class ResourceDocument(WireModel):
    """A resource as the API returns it.

    ``error_traceback`` is the traceback of the handler's last failure (secret values redacted,
    at most 16,000 characters), ``retry`` where its retries stand while it has any left.
    """

    id: str
    provider: str
    resource: str
    name: str
    config: dict[str, Any] = Field(default_factory=dict)
    resolved_config: dict[str, Any] | None = None
    dependencies: list[ResourceReference] = Field(default_factory=list)
    owner_references: list[OwnerReference] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    lifecycle_state: LifecycleState = LifecycleState.DRAFT
    pending_event_id: str | None = None
    provisioned: bool = False
    tags: list[str] | None = None
    created_at: datetime
    updated_at: datetime
    # Our additions to the reference document.
    generation: int = 1
    observed_generation: int = 0
    waiting_on: list[str] = Field(default_factory=list)
    deleting: bool = False
    error_traceback: str | None = None
    retry: RetryStatus | None = None
    message: str | None = None
    """Why a pending resource does not move when nothing else says so: ``"no worker of provider
    gcp has connected: ..."`` while its provider has no registered types and no worker polls."""


class ResourceApply(BaseModel):
    """Body of ``POST /resources/apply``.

    Fields the server manages (outputs, state details, timestamps) are accepted so that a
    fetched document can be applied back unchanged, and ignored. Any other unknown field is
    rejected.
    """

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    resource: ResourceType
    name: ResourceName
    config: dict[str, Any] = Field(default_factory=dict)
    dependencies: list[DependencyReference] = Field(default_factory=list, max_length=MAX_DEPENDENCIES)
    depends_on: list[DependencyReference] = Field(default_factory=list, max_length=MAX_DEPENDENCIES)
    owner_references: list[OwnerReference] = Field(default_factory=list, max_length=MAX_OWNER_REFERENCES)
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)
    lifecycle_state: LifecycleState | None = None

    # Server-managed: accepted for round trips, never applied. Strict, as the document says:
    # `"deleting": 0` or `"generation": "2"` is refused, not read as false or 2.
    id: str | None = None
    resolved_config: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    error: str | None = None
    pending_event_id: str | None = None
    provisioned: bool | None = Field(default=None, strict=True)
    created_at: DateTime | None = None
    updated_at: DateTime | None = None
    generation: JsonInt | None = None
    observed_generation: JsonInt | None = None
    waiting_on: list[str] | None = None
    deleting: bool | None = Field(default=None, strict=True)
    error_traceback: str | None = None
    retry: dict[str, Any] | None = None
    message: str | None = None

    @model_validator(mode="after")
    def _merge_depends_on(self) -> ResourceApply:
        merged: dict[str, ResourceReference] = {}
        for reference in [*self.dependencies, *self.depends_on]:
            merged.setdefault(reference.id, ResourceReference(**reference.model_dump()))
        if len(merged) > MAX_DEPENDENCIES:
            raise ValueError(
                f"dependencies and depends_on together name {len(merged)} resources; "
                f"at most {MAX_DEPENDENCIES} are allowed"
            )
        self.dependencies = list(merged.values())
        self.depends_on = []
        return self

    @property
    def resource_id(self) -> str:
        """The id this resource gets."""
        return resource_id(self.provider, self.resource, self.name)

    @property
    def wants_processing(self) -> bool:
        """Whether this apply asks the platform to process the resource (anything but draft)."""
        return self.lifecycle_state is not LifecycleState.DRAFT


class ResourceApplyBatch(BaseModel):
    """Body of ``POST /resources/apply/batch`` (our addition): resources applied all or none.

    Every document is checked as ``POST /resources/apply`` checks one, with the documents
    before it already in place; when any is refused, none is written.
    """

    model_config = ConfigDict(extra="forbid")

    documents: list[ResourceApply] = Field(min_length=1, max_length=MAX_BATCH_DOCUMENTS)


class ResourceBatchResult(WireModel):
    """What ``POST /resources/apply/batch`` answers: the stored resources, in the order sent."""

    resources: list[ResourceDocument]


class ResourceHealth(WireModel):
    """What a provider's ``health()`` handler reports about one resource, as the API returns it.

    ``status`` is ``"healthy"``, ``"degraded"`` or ``"unhealthy"`` by convention; the API
    accepts any string, so a client reads what a newer provider reports.
    """

    status: str
    message: str | None = None
    details: dict[str, Any] | None = None


HealthState = Literal["healthy", "unhealthy", "degraded"]


class HealthStatus(ResourceHealth):
    """What a provider's ``health()`` returns, as in the public SDK: ``status`` is one of three.

    ``HealthStatus(status="degraded", message="1/3 replicas ready", details={"ready": 1})``.
    """

    status: HealthState


LogLevel = Literal["debug", "info", "warn", "warning", "error", "critical"]


class LogEntry(WireModel):
    """One line of a resource's logs, as a provider's ``logs()`` handler yields it.

    ``level`` is required, as in the public SDK; ``metadata`` carries what the provider adds
    (the pod a line came from, for example).
    """

    timestamp: datetime
    level: LogLevel
    message: str
    metadata: dict[str, Any] | None = None


class ProviderInfo(WireModel):
    """A provider of the tenant and where its deployment stands (``GET /providers/``).

    ``current_version`` and ``deployment_status`` are ``None`` while it was pushed but never
    deployed.
    """

    provider_id: str
    current_version: str | None = None
    deployment_status: DeploymentStatus | None = None
    updated_at: datetime | None = None


class AuditAction(StrEnum):
    """What a user (or a worker's token) did, as the organization's audit records it."""

    RESOURCE_APPLY = "resource.apply"
    RESOURCE_DELETE = "resource.delete"
    SECRET_REVEAL = "secret.reveal"
    PROVIDER_PUSH = "provider.push"
    PROVIDER_DEPLOY = "provider.deploy"
    PROVIDER_ROLLBACK = "provider.rollback"
    PROVIDER_DELETE = "provider.delete"
    DEAD_LETTER_RETRY = "dead_letter.retry"
    DEAD_LETTER_DISCARD = "dead_letter.discard"


class AuditEvent(WireModel):
    """One entry of the organization's audit: who did what to which thing, and when.

    ``target`` is a resource id, a provider name or a dead letter's event id (``*`` for all of
    them); ``detail`` holds what else identifies the action (a version, whether an apply
    created the resource, how many dead letters), never configs or secret values.
    """

    id: int
    at: datetime
    action: AuditAction
    target: str
    user: str | None = None
    token_name: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class BuildInfo(WireModel):
    """One build of a provider; ``version`` is its CalVer, such as ``20250115.120000``."""

    provider_id: str
    version: str
    status: BuildStatus
    error_message: str | None = None
    created_at: datetime


class PushResult(WireModel):
    """What ``POST /providers/{provider_id}/push`` answers: the version of the build it started."""

    # The reference API calls this schema PushResponse.
    model_config = ConfigDict(title="PushResponse")

    version: str
    status: BuildStatus
    message: str


_FORCE_DESCRIPTION = (
    "Deploy even when the version lacks a resource type that resources still use "
    "(otherwise 409 listing them); those resources are left without a handler"
)


class DeployRequest(BaseModel):
    """Body of ``POST /providers/{provider_id}/deploy``; no version means the latest successful build."""

    version: BuildVersion | None = None
    force: bool = Field(default=False, strict=True, description=_FORCE_DESCRIPTION)


class RollbackRequest(BaseModel):
    """Body of ``POST /providers/{provider_id}/rollback``: the build to deploy again."""

    version: BuildVersion
    force: bool = Field(default=False, strict=True, description=_FORCE_DESCRIPTION)


class ProviderStatus(WireModel):
    """Where a provider's deployment stands; ``healthy`` when available with ready replicas.

    Beyond the reference fields, pragma-os reports the version whose workers run
    (``running_version``), how often they were restarted after exiting, and why the last
    rollout failed (``error``).
    """

    status: DeploymentStatus
    version: str | None = None
    updated_at: datetime | None = None
    healthy: bool = False
    running_version: str | None = None
    restarts: int = 0
    error: str | None = None


class DeploymentResult(WireModel):
    """What ``POST /providers/{provider_id}/rollback`` answers: the rollout it started.

    ``deployment_name`` is the provider id (pragma-os runs one deployment per provider, whose
    workers change version); ``version`` is the build being rolled out. The replica counts
    are the worker processes of that version running on the server replica that answered, at
    the moment it answered: 0 while its rollout is just starting. ``image`` is ``None``
    (workers run from the version's virtual environment, not from an image). ``message``
    says in a sentence what happened. Follow the rollout with ``get_deployment_status``.
    """

    deployment_name: str
    status: DeploymentStatus
    available_replicas: int = 0
    ready_replicas: int = 0
    version: str | None = None
    image: str | None = None
    updated_at: datetime | None = None
    message: str | None = None


class ProviderDeleteResult(WireModel):
    """What deleting a provider removed; ``resources_deleted`` counts only with ``cascade``."""

    provider_id: str
    deployment_deleted: bool = False
    resources_deleted: int = 0


class ErrorDetail(BaseModel):
    """The ``detail`` object of an error response: what went wrong, and where when a field did.

    Other members help to act on it (``limit_bytes`` of a body too large, ``cycle`` of a
    dependency cycle, the id that was not found...).
    """

    model_config = ConfigDict(extra="allow")

    message: str
    field: str | None = Field(default=None, description="The field at fault, as a dotted path")


class ErrorResponse(BaseModel):
    """The body of every error the server answers itself (4xx and 5xx): ``{"detail": {...}}``."""

    detail: ErrorDetail


class FieldError(BaseModel):
    """One broken rule of a request FastAPI validated: where (``loc``), what (``msg``) and its ``type``."""

    loc: list[str | int]
    msg: str
    type: str


class HTTPValidationError(BaseModel):
    """A 422 listing each broken rule, as FastAPI (and the reference API) answers: ``{"detail": [...]}``."""

    detail: list[FieldError]


class ValidationFailure(RootModel[HTTPValidationError | ErrorResponse]):
    """The body of a 422: the rules FastAPI checked (``HTTPValidationError``), or one more rule
    checked beyond them, naming its field (``ErrorResponse``)."""


class FileMetadata(WireModel):
    """A stored file, as ``POST /files/{name}/upload`` answers.

    ``url`` downloads the file with a token; ``public_url`` is a signed link that downloads it
    without one until it expires (an hour after the upload). ``checksum`` is the hex SHA-256
    of the content.
    """

    url: str
    public_url: str
    size: int
    content_type: str
    checksum: str
    uploaded_at: datetime


class FileInfo(WireModel):
    """What ``HEAD /files/{name}`` tells about a stored file (our addition).

    ``checksum`` is the hex SHA-256 of the content.
    """

    name: str
    size: int
    content_type: str
    checksum: str
    uploaded_at: datetime


class SignedUrlResponse(WireModel):
    """A signed download link (``GET /files/{name}/url``), valid without a token for ``expires_in`` s."""

    url: str
    expires_in: int
    expires_at: datetime | None = None  # our addition


# Plans (``POST /resources/plan``): what applying and deleting some documents would do.

PlanAction = Literal["create", "update", "noop", "delete", "refused"]
RippleEffect = Literal["reruns", "may_rerun", "waits"]


class ResourcePlanRequest(BaseModel):
    """Body of ``POST /resources/plan``: documents to apply (as ``POST /resources/apply`` takes
    them, in the order a batch applies them) and resources to delete."""

    model_config = ConfigDict(extra="forbid")

    apply: list[ResourceApply] = Field(default_factory=list, max_length=MAX_BATCH_DOCUMENTS)
    delete: list[DependencyReference] = Field(default_factory=list, max_length=MAX_BATCH_DOCUMENTS)
    """Each as ``{provider, resource, name}`` or ``"provider/resource/name"``."""


class PlanProblem(WireModel):
    """Why a document or a delete would be refused: the field, the rule, and the status the
    apply (or delete) would answer."""

    field: str | None = None
    rule: str
    status: int


class PlanReference(WireModel):
    """One reference of a planned document and what it resolves to now.

    ``status``: ``resolved`` (``value`` holds it, secrets ``[redacted]``; ``may_change`` when
    the target's handler runs again first), ``after_run`` (an output of a resource created or
    run first: known once its handler returns), ``missing_field``, ``dangling`` (no such
    resource) or ``deleting``.
    """

    target: str
    target_id: str
    kind: Literal["field", "interpolation", "marker", "dependency"]
    field: str | None = None
    status: Literal["resolved", "after_run", "missing_field", "dangling", "deleting"]
    value: Any = None
    may_change: bool = False
    rule: str | None = None


class PlanCascade(WireModel):
    """A resource a delete takes along (owned by the deleted one, ``depth`` levels down)."""

    resource_id: str
    path: str
    depth: int


class PlanEntry(WireModel):
    """What one document (``kind`` apply) or one delete would do.

    ``changes``: field by field, against what is stored (``config.*``, ``tags``,
    ``dependencies.*``, ``owner_references.*``), secrets ``[redacted]``. ``waits_on``: the
    dependencies it waits for before its handler runs. ``cascade`` and ``blocked_by``: for a
    delete, what it takes along and the dependents that refuse it (409).
    """

    kind: Literal["apply", "delete"]
    index: int
    resource_id: str
    path: str
    action: PlanAction
    from_state: LifecycleState | None = None
    to_state: LifecycleState | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    errors: list[PlanProblem] = Field(default_factory=list)
    references: list[PlanReference] = Field(default_factory=list)
    waits_on: list[str] = Field(default_factory=list)
    cascade: list[PlanCascade] = Field(default_factory=list)
    blocked_by: list[str] = Field(default_factory=list)
    note: str | None = None


class PlanRipple(WireModel):
    """A dependent the plan reaches: ``reruns`` (an input it reads changes), ``may_rerun`` (it
    reads outputs of ``because``, known only once their handlers ran) or ``waits`` (pending or
    processing: it runs after ``because`` anyway). ``depth``: 1 for a direct dependent of a
    planned document."""

    resource_id: str
    path: str
    depth: int
    effect: RippleEffect
    because: list[str]
    from_state: LifecycleState | None = None
    to_state: LifecycleState | None = None
    unresolvable: bool = False
    changes: list[FieldChange] = Field(default_factory=list)


class PlanSummary(WireModel):
    """Counts of a plan (``deletes`` counts what the deletes take along too)."""

    creates: int = 0
    updates: int = 0
    noops: int = 0
    deletes: int = 0
    refused: int = 0
    reruns: int = 0
    may_reruns: int = 0
    waits: int = 0


class ResourcePlan(WireModel):
    """What ``POST /resources/plan`` answers."""

    entries: list[PlanEntry]
    ripple: list[PlanRipple]
    summary: PlanSummary
    token: str


class GraphNode(WireModel):
    """A resource of a graph; one referenced but not (yet) stored has ``exists`` false, no
    state, and its provider and type only when its id spells them unambiguously."""

    id: str
    provider: str | None = None
    resource: str | None = None
    name: str
    lifecycle_state: LifecycleState | None = None
    exists: bool


class GraphEdge(WireModel):
    """A link: from a resource to what it depends on (``dependency``) or to its owner (``owner``)."""

    from_: str = Field(alias="from")
    to: str
    kind: Literal["dependency", "owner"]


class ResourceGraph(WireModel):
    """What ``GET /resources/graph`` and ``GET /resources/{id}/graph`` answer (at most 500
    nodes; ``truncated`` when there were more)."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


_AUTHORING_CLASSES = frozenset({"Config", "Dependency", "Outputs", "Resource"})

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt wire model stays an error

    def __getattr__(name: str) -> Any:
        """Give ``from pragma_sdk.models import Resource`` (older public SDK code) the authoring classes."""
        # Imported on demand: pragma_sdk.resource imports this module.
        if name in _AUTHORING_CLASSES:
            from pragma_sdk.models import base

            return getattr(base, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
