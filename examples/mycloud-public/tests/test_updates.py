"""Tests for on_update of the mycloudpub Database and Dns resources: what keeps the outputs."""

from __future__ import annotations

import pytest
from pragma_sdk import Config, Outputs
from pragma_sdk.provider import ProviderHarness

from mycloudpub_provider import Database, DatabaseConfig, DatabaseOutputs, Dns, DnsConfig, DnsOutputs

ORDERS = Database(
    name="orders",
    config=DatabaseConfig(name="orders"),
    outputs=DatabaseOutputs(connection_url="postgres://.../orders"),
)
WEB_DNS = Dns(
    name="web-dns",
    config=DnsConfig(hostname="web"),
    outputs=DnsOutputs(fqdn="web.apps.mycloud.example"),
)


@pytest.mark.parametrize(
    ("existing", "config", "expected"),
    [
        pytest.param(
            ORDERS,
            DatabaseConfig(name="orders", size_gb=50),
            ORDERS.outputs,
            id="database-resize-keeps-url",
        ),
        pytest.param(
            ORDERS,
            DatabaseConfig(name="orders-v2"),
            DatabaseOutputs(connection_url="postgres://.../orders-v2"),
            id="database-rename-gets-new-url",
        ),
        pytest.param(WEB_DNS, WEB_DNS.config, WEB_DNS.outputs, id="dns-unchanged-keeps-outputs"),
        pytest.param(
            WEB_DNS,
            DnsConfig(hostname="shop"),
            DnsOutputs(fqdn="shop.apps.mycloud.example"),
            id="dns-new-hostname",
        ),
    ],
)
async def test_update(
    harness: ProviderHarness, existing: Database | Dns, config: Config, expected: Outputs
) -> None:
    """on_update from the existing resource's config and outputs to a new config."""
    result = await harness.invoke_update(
        type(existing),
        name=existing.name,
        config=config,
        previous_config=existing.config,
        current_outputs=existing.outputs,
    )

    assert result.success
    assert result.outputs == expected
