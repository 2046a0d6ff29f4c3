"""Manifest documents the CLI tests apply: ``testkit/item`` resources of the engine server's
test provider (``testing/providers/testkit_provider``)."""

from __future__ import annotations


def tagged_item(name: str, tag: str, **config: object) -> dict[str, object]:
    """An item with ``config``, tagged ``tag`` (a test's own tag, to list only its items)."""
    return {"provider": "testkit", "resource": "item", "name": name, "config": config, "tags": [tag]}


def broken_item(name: str) -> dict[str, object]:
    """An item whose handler fails for good on every attempt: each apply or retry of it ends in
    the dead-letter queue with ``ValueError: bad item on attempt N``."""
    return {
        "provider": "testkit",
        "resource": "item",
        "name": name,
        "config": {"permanent": True, "fail_attempts": 99},
    }
