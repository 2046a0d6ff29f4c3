"""Pytest configuration for mycloudpub provider tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pragma_sdk.provider import ProviderHarness

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


@pytest.fixture
def harness() -> ProviderHarness:
    """Test harness for invoking lifecycle methods."""
    return ProviderHarness()


@pytest.fixture
def mock_database_outputs(mocker: MockerFixture) -> Any:
    outputs = mocker.MagicMock()
    outputs.connection_url = "postgres://.../orders"
    return outputs


@pytest.fixture
def mock_database_resource(mocker: MockerFixture, mock_database_outputs: Any) -> Any:
    resource = mocker.MagicMock()
    resource.outputs = mock_database_outputs
    return resource


@pytest.fixture
def mock_apply_and_wait(mocker: MockerFixture) -> tuple[Any, Any]:
    """Mock apply() and wait_ready() of every resource, subresources included."""
    mock_apply = mocker.patch(
        "pragma_sdk.models.base.Resource.apply",
        new_callable=mocker.AsyncMock,
    )
    mock_wait = mocker.patch(
        "pragma_sdk.models.base.Resource.wait_ready",
        new_callable=mocker.AsyncMock,
    )
    return mock_apply, mock_wait


@pytest.fixture
def mock_apply(mock_apply_and_wait: tuple[Any, Any]) -> Any:
    """The mock of apply(), for tests that check what was applied (wait_ready() is mocked too)."""
    return mock_apply_and_wait[0]
