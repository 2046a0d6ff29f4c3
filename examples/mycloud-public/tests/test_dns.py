"""Tests for mycloudpub Dns resource."""

from __future__ import annotations

from pragma_sdk.provider import ProviderHarness

from mycloudpub_provider import Dns, DnsConfig, DnsOutputs


async def test_create_dns_success(harness: ProviderHarness) -> None:
    """on_create returns the record's fully qualified name."""
    result = await harness.invoke_create(Dns, name="web-dns", config=DnsConfig(hostname="web"))

    assert result.success
    assert result.outputs == DnsOutputs(fqdn="web.apps.mycloud.example")


async def test_delete_success(harness: ProviderHarness) -> None:
    """on_delete completes without error."""
    result = await harness.invoke_delete(Dns, name="web-dns", config=DnsConfig(hostname="web"))

    assert result.success


async def test_health_default_is_healthy() -> None:
    """A record keeps the SDK's default health: healthy."""
    record = Dns(name="web-dns", config=DnsConfig(hostname="web"))

    health = await record.health()

    assert health.status == "healthy"


def test_resource_type() -> None:
    """Resource has correct provider name and resource type."""
    assert (Dns.provider, Dns.resource) == ("mycloudpub", "dns")
