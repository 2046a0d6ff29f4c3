"""Every transition a transaction makes is recorded in one place, for history and metrics."""

from __future__ import annotations

import pytest

from pragma_os.auth.service import create_organization
from pragma_os.engine import applying, deletion, transitions
from pragma_os.engine.rules import Cause
from pragma_os.engine.wakeups import Touched
from pragma_os.store import Database
from pragma_os.store.migrate import upgrade
from pragma_os.store.types import utcnow
from pragma_sdk.models import LifecycleState, ResourceApply


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_transaction_logs_its_transitions(database_url: str) -> None:
    database = Database(database_url)
    try:
        await upgrade(database)
        organization_id = await create_organization(database, "log")
        body = ResourceApply(provider="p", resource="r", name="a", config={"size": 1})
        touched = Touched()
        async with database.transaction() as connection:
            row = await applying.apply(connection, organization_id, body, None, now=utcnow(), touched=touched)
            await deletion.delete(connection, row, now=utcnow(), touched=touched)
            log = list(transitions.log_of(connection))
        assert [(entry.cause, entry.source, entry.target) for entry in log] == [
            (Cause.APPLY, None, LifecycleState.PENDING),
            (Cause.REMOVE, LifecycleState.PENDING, None),
        ]
        assert {entry.resource_id for entry in log} == {"resource:p_r_a"}
        async with database.transaction() as connection:
            assert transitions.log_of(connection) == []  # each transaction starts its own
    finally:
        await database.close()
