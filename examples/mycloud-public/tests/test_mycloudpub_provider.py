"""Tests for the mycloudpub provider's registration."""

from __future__ import annotations

from mycloudpub_provider import App, Database, Dns, mycloudpub


def test_provider_name() -> None:
    """Provider has the name the package is pushed as."""
    assert mycloudpub.name == "mycloudpub"


def test_provider_registers_every_resource() -> None:
    """Every resource class is registered under its type."""
    assert dict(mycloudpub.resources) == {"database": Database, "app": App, "dns": Dns}


def test_resource_types() -> None:
    """Resources have correct provider names and resource types."""
    assert [(cls.provider, cls.resource) for cls in (Database, App, Dns)] == [
        ("mycloudpub", "database"),
        ("mycloudpub", "app"),
        ("mycloudpub", "dns"),
    ]
