"""History retention on both databases: the pruning round forgets entries older than
``history_retention_days`` and keeps the rest; the engine's own writes land in the table."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from pragma_os.auth.principal import Principal
from pragma_os.auth.service import create_organization
from pragma_os.engine import applying
from pragma_os.engine.history import write_history
from pragma_os.engine.transition_log import act_as
from pragma_os.engine.wakeups import Touched
from pragma_os.services.resource_history import prune_history, resource_history
from pragma_os.store import Database
from pragma_os.store import history as store
from pragma_os.store.types import utcnow
from pragma_sdk.models import ResourceApply


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_entries_past_retention_are_trimmed(database: Database) -> None:
    database.record = write_history
    organization_id = await create_organization(database, f"history-{os.urandom(4).hex()}")
    principal = Principal(organization_id, "org", None, "someone@example.com", "tok_1", token_name="ci")
    body = ResourceApply.model_validate(
        {"provider": "keep", "resource": "r", "name": "n", "config": {"a": 1}}
    )
    async with database.transaction() as connection:
        act_as(connection, principal.actor)
        await applying.apply(connection, organization_id, body, None, now=utcnow(), touched=Touched())
    old = {
        "organization_id": organization_id,
        "resource_id": body.resource_id,
        "at": utcnow() - timedelta(days=31),
        "cause": "apply",
        "actor": None,
        "caused_by": None,
        "from_state": None,
        "to_state": "pending",
        "generation": 1,
        "event_id": None,
        "attempt": None,
        "duration_ms": None,
        "error": None,
        "error_traceback": None,
        "changes": None,
    }
    async with database.transaction() as connection:
        await store.insert_history(connection, [old])
    before = await resource_history(database, principal, body.resource_id, limit=10, cursor=None)
    assert len(before.entries) == 2

    await prune_history(database, retention_days=30)

    after = await resource_history(database, principal, body.resource_id, limit=10, cursor=None)
    [kept] = after.entries
    assert kept["actor"] == "someone@example.com (token ci)"
    assert kept["config_changes"] == [{"path": "a", "change": "added", "old": None, "new": 1}]
