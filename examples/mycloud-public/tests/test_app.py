"""Tests for mycloudpub App resource."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from pragma_sdk import Dependency, LifecycleState
from pragma_sdk.provider import ProviderHarness

from mycloudpub_provider import App, AppConfig, AppOutputs, Dns, DnsConfig

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

UPDATED_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
APP_OUTPUTS = AppOutputs(url="https://web.apps.mycloud.example", database_url="postgres://.../orders")


def create_app_with_mocked_dependency(
    name: str = "web",
    replicas: int = 2,
    image: str = "ghcr.io/acme/web:1",
    mock_database_resource: Any = None,
    outputs: AppOutputs | None = None,
) -> App:
    """Create an App whose database dependency is resolved to a mock."""
    database_dep = Dependency(provider="mycloudpub", resource="database", name="orders")

    config = AppConfig(database=database_dep, image=image, replicas=replicas)

    if mock_database_resource is not None:
        config.database._resolved = mock_database_resource

    return App(
        name=name,
        config=config,
        outputs=outputs,
        lifecycle_state=LifecycleState.PROCESSING,
        updated_at=UPDATED_AT,
    )


@pytest.fixture
def app_config(mocker: MockerFixture, mock_database_resource: Any) -> Callable[..., AppConfig]:
    """Build configs without validation, their dependency a mock resolving to the database."""

    def build(**values: Any) -> AppConfig:
        mock_dependency = mocker.MagicMock()
        mock_dependency.resolve = mocker.AsyncMock(return_value=mock_database_resource)
        return AppConfig.model_construct(
            database=mock_dependency, **{"image": "ghcr.io/acme/web:1", **values}
        )

    return build


async def test_create_app_success(
    mock_database_resource: Any,
    mock_apply_and_wait: tuple[Any, Any],
) -> None:
    """on_create applies the DNS record, waits for it and returns outputs."""
    mock_apply, mock_wait = mock_apply_and_wait
    app = create_app_with_mocked_dependency(mock_database_resource=mock_database_resource)

    result = await app.on_create()

    assert result == APP_OUTPUTS
    mock_apply.assert_awaited_once()
    mock_wait.assert_awaited_once_with(timeout=60.0)


@pytest.mark.usefixtures("mock_apply_and_wait")
async def test_create_app_with_harness(
    harness: ProviderHarness,
    app_config: Callable[..., AppConfig],
) -> None:
    """The harness hands a model_construct config holding mocks to the handler as it is."""
    config = app_config(replicas=3)

    result = await harness.invoke_create(App, name="web", config=config)

    assert result.success, result.error
    assert result.outputs == APP_OUTPUTS
    config.database.resolve.assert_awaited_once()


async def test_create_applies_dns_record_subresource(
    harness: ProviderHarness,
    mocker: MockerFixture,
    app_config: Callable[..., AppConfig],
) -> None:
    """on_create applies the record web-dns for hostname web."""
    mock_apply = mocker.patch("pragma_sdk.models.base.Resource.apply", autospec=True)
    mocker.patch("pragma_sdk.models.base.Resource.wait_ready", new_callable=mocker.AsyncMock)

    result = await harness.invoke_create(App, name="web", config=app_config())

    assert result.success, result.error
    (record,) = [call.args[0] for call in mock_apply.await_args_list]
    assert isinstance(record, Dns)
    assert (record.name, record.config) == ("web-dns", DnsConfig(hostname="web"))


@pytest.mark.usefixtures("mock_apply_and_wait")
async def test_create_with_patched_resolve(
    harness: ProviderHarness,
    mocker: MockerFixture,
    mock_database_resource: Any,
) -> None:
    """A validated config works too when Dependency.resolve is patched."""
    mocker.patch(
        "pragma_sdk.Dependency.resolve",
        new_callable=mocker.AsyncMock,
        return_value=mock_database_resource,
    )
    config = AppConfig(
        database=Dependency(provider="mycloudpub", resource="database", name="orders"),
        image="ghcr.io/acme/web:1",
    )

    result = await harness.invoke_create(App, name="web", config=config)

    assert result.success, result.error
    assert result.outputs is not None
    assert result.outputs.database_url == "postgres://.../orders"


async def test_create_rejects_zero_replicas(
    harness: ProviderHarness,
    app_config: Callable[..., AppConfig],
    mock_apply: Any,
) -> None:
    """on_create fails for good (ValueError) when asked for no replica."""
    result = await harness.invoke_create(App, name="web", config=app_config(replicas=0))

    assert result.failed
    assert isinstance(result.error, ValueError)
    assert "replicas" in str(result.error)
    mock_apply.assert_not_called()


@pytest.mark.usefixtures("mock_apply_and_wait")
async def test_create_fails_without_database_outputs(mock_database_resource: Any) -> None:
    """on_create fails (retryable) while the database has no outputs."""
    mock_database_resource.outputs = None
    app = create_app_with_mocked_dependency(mock_database_resource=mock_database_resource)

    with pytest.raises(RuntimeError, match="outputs not available"):
        await app.on_create()


async def test_update_unchanged_returns_existing(
    harness: ProviderHarness,
    app_config: Callable[..., AppConfig],
    mock_apply: Any,
) -> None:
    """on_update returns existing outputs when neither config nor database changed."""
    config = app_config()

    result = await harness.invoke_update(
        App,
        name="web",
        config=config,
        previous_config=config,
        current_outputs=APP_OUTPUTS,
    )

    assert result.success, result.error
    assert result.outputs == APP_OUTPUTS
    mock_apply.assert_not_called()


async def test_update_database_url_changed_redeploys(
    mock_database_resource: Any,
    mock_apply: Any,
) -> None:
    """on_update redeploys when the database's connection URL changed."""
    mock_database_resource.outputs.connection_url = "postgres://.../orders-v2"
    app = create_app_with_mocked_dependency(
        mock_database_resource=mock_database_resource, outputs=APP_OUTPUTS
    )

    result = await app.on_update(app.config)

    assert result.database_url == "postgres://.../orders-v2"
    mock_apply.assert_awaited_once()


async def test_update_replicas_redeploys(
    mock_database_resource: Any,
    mock_apply: Any,
) -> None:
    """on_update redeploys when replicas change."""
    app = create_app_with_mocked_dependency(
        replicas=3, mock_database_resource=mock_database_resource, outputs=APP_OUTPUTS
    )
    previous_config = AppConfig(
        database=Dependency(provider="mycloudpub", resource="database", name="orders"),
        image="ghcr.io/acme/web:1",
        replicas=2,
    )

    result = await app.on_update(previous_config)

    assert result == APP_OUTPUTS
    mock_apply.assert_awaited_once()


async def test_delete_success(
    harness: ProviderHarness,
    app_config: Callable[..., AppConfig],
    mock_apply: Any,
) -> None:
    """on_delete completes without touching subresources (the platform deletes the record)."""
    result = await harness.invoke_delete(App, name="web", config=app_config(), current_outputs=APP_OUTPUTS)

    assert result.success, result.error
    mock_apply.assert_not_called()


async def test_health_healthy() -> None:
    """health returns healthy with every replica serving."""
    app = create_app_with_mocked_dependency(replicas=2, outputs=APP_OUTPUTS)

    health = await app.health()

    assert health.status == "healthy"
    assert health.message == "2/2 replicas serving https://web.apps.mycloud.example"
    assert health.details == {"replicas": 2, "url": "https://web.apps.mycloud.example"}


async def test_health_degraded_single_replica() -> None:
    """health returns degraded for a single replica."""
    app = create_app_with_mocked_dependency(replicas=1, outputs=APP_OUTPUTS)

    health = await app.health()

    assert health.status == "degraded"
    assert "no failover" in health.message


async def test_health_unhealthy_not_deployed() -> None:
    """health returns unhealthy before the app was deployed."""
    app = create_app_with_mocked_dependency(outputs=None)

    health = await app.health()

    assert health.status == "unhealthy"


async def test_logs_yields_a_line_per_replica() -> None:
    """logs yields one line per replica, with the replica in metadata."""
    app = create_app_with_mocked_dependency(replicas=2, outputs=APP_OUTPUTS)

    entries = []
    async for entry in app.logs():
        entries.append(entry)

    assert [entry.message for entry in entries] == [
        "replica 0 serving ghcr.io/acme/web:1",
        "replica 1 serving ghcr.io/acme/web:1",
    ]
    assert [entry.metadata for entry in entries] == [{"replica": "web-0"}, {"replica": "web-1"}]
    assert entries[0].timestamp == UPDATED_AT


async def test_logs_single_replica_warns_and_honours_tail() -> None:
    """logs warns about a single replica; tail keeps the newest lines."""
    app = create_app_with_mocked_dependency(replicas=1, outputs=APP_OUTPUTS)

    entries = [entry async for entry in app.logs(tail=1)]

    assert [(entry.level, entry.message) for entry in entries] == [("warn", "single replica: no failover")]


def test_provider_name() -> None:
    """Resource has correct provider name."""
    assert App.provider == "mycloudpub"


def test_resource_type() -> None:
    """Resource has correct resource type."""
    assert App.resource == "app"
