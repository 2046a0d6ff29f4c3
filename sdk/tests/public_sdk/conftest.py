"""Fixtures as the public providers' test suites write them."""

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
def mock_model_outputs(mocker: MockerFixture) -> Any:
    outputs = mocker.MagicMock()
    outputs.model_id = "gpt-4o"
    outputs.url = "https://api.openai.com"
    return outputs


@pytest.fixture
def mock_model_resource(mocker: MockerFixture, mock_model_outputs: Any) -> Any:
    resource = mocker.MagicMock()
    resource.outputs = mock_model_outputs
    return resource
