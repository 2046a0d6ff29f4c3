"""Import paths and value types of the public SDK 0.18, as provider packages use them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

import pragma_sdk
import pragma_sdk.models.base
import pragma_sdk.types
from pragma_sdk import HealthStatus, LifecycleState, LogEntry
from pragma_sdk.provider import EventType, ProviderHarness

from .agno import Deployment, DeploymentConfig, Service, agno

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


def test_health_status_is_exported_where_providers_import_it() -> None:
    assert pragma_sdk.types.HealthStatus is HealthStatus
    assert pragma_sdk.models.base.HealthStatus is HealthStatus
    status = HealthStatus(status="degraded", message="1/3 replicas ready", details={"ready": 1})
    assert (status.status, status.message, status.details) == ("degraded", "1/3 replicas ready", {"ready": 1})
    assert HealthStatus(status="healthy").message is None
    with pytest.raises(ValidationError, match="status"):
        HealthStatus(status="fine")  # type: ignore[arg-type]


def test_log_entry_requires_a_level_and_carries_metadata() -> None:
    assert pragma_sdk.types.LogEntry is LogEntry
    now = datetime.now(UTC)
    entry = LogEntry(timestamp=now, level="warn", message="slow", metadata={"pod": "web-0"})
    assert entry.metadata == {"pod": "web-0"}
    assert LogEntry(timestamp=now, level="info", message="up").metadata is None
    with pytest.raises(ValidationError, match="level"):
        LogEntry(timestamp=now, message="no level")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="level"):
        LogEntry(timestamp=now, level="loud", message="x")  # type: ignore[arg-type]


def test_provider_exports_event_type() -> None:
    assert EventType.CREATE == "CREATE"
    assert EventType is pragma_sdk.EventType
    assert pragma_sdk.types.LifecycleState is LifecycleState


def test_models_base_holds_the_very_classes_handlers_run_on() -> None:
    assert pragma_sdk.models.base.Resource is pragma_sdk.Resource
    assert pragma_sdk.models.base.Config is pragma_sdk.Config
    assert pragma_sdk.models.base.Outputs is pragma_sdk.Outputs
    assert issubclass(Deployment, pragma_sdk.models.base.Resource)


def test_older_code_importing_authoring_classes_from_models_works() -> None:
    from pragma_sdk.models import Config, Dependency, Outputs, Resource  # type: ignore[attr-defined]

    assert (Config, Dependency, Outputs, Resource) == (
        pragma_sdk.Config,
        pragma_sdk.Dependency,
        pragma_sdk.Outputs,
        pragma_sdk.Resource,
    )
    with pytest.raises(ImportError):
        from pragma_sdk.models import Nothing  # type: ignore[attr-defined]  # noqa: F401


async def test_patching_models_base_resource_reaches_handlers(mocker: MockerFixture) -> None:
    mock_apply = mocker.patch("pragma_sdk.models.base.Resource.apply", new_callable=mocker.AsyncMock)
    mock_wait = mocker.patch("pragma_sdk.models.base.Resource.wait_ready", new_callable=mocker.AsyncMock)
    deployment = Deployment(
        name="web",
        config=DeploymentConfig.model_construct(agent=mocker.MagicMock(), replicas=2),
        lifecycle_state=LifecycleState.PROCESSING,
    )

    outputs = await deployment.on_create()

    assert outputs.url == "http://web-svc:8080"
    assert mock_apply.call_count == 1
    mock_wait.assert_called_once_with(timeout=120.0)


async def test_patching_models_base_resource_reaches_the_worker_path(mocker: MockerFixture) -> None:
    mock_apply = mocker.patch("pragma_sdk.models.base.Resource.apply", new_callable=mocker.AsyncMock)
    mocker.patch("pragma_sdk.models.base.Resource.wait_ready", new_callable=mocker.AsyncMock)
    harness = ProviderHarness(agno)
    marker = {"__dependency__": True, "provider": "agno", "resource": "agent", "name": "helper"}

    result = await harness.invoke_create(Deployment, "web", {"agent": marker})

    assert result.success, result.error
    assert mock_apply.call_count == 1
    assert harness.applied == []
    assert Service.provider == "agno"
