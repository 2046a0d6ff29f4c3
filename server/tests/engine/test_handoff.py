"""Hand-off, driven directly on both databases: a write transaction leases the work it creates
to a long poll parked here, in the same commit; when the transaction fails, the poll is
handed nothing and waits on for the next one."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.auth.service import create_organization
from pragma_os.engine import applying, leasing
from pragma_os.engine.handoff import ParkedPoll, ParkedPolls
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.wakeups import Touched
from pragma_os.secrets.sealing import Sealer
from pragma_os.store import Database
from pragma_os.store import resources as store
from pragma_os.store.types import Claim, utcnow
from pragma_sdk.models import LifecycleState, ResourceApply

PROVIDER = "handoff"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


class LeaseFailedError(Exception):
    pass


async def _apply(database: Database, organization_id: str, name: str) -> None:
    touched = Touched()
    body = ResourceApply.model_validate({"provider": PROVIDER, "resource": "r", "name": name, "config": {}})
    async with database.transaction(wakes=touched) as connection:
        await applying.apply(connection, organization_id, body, None, now=utcnow(), touched=touched)


async def test_a_commit_hands_its_work_to_a_parked_poll_and_a_failed_one_hands_nothing(
    database: Database,
) -> None:
    organization_id = await create_organization(database, f"handoff-{os.urandom(4).hex()}")
    parked = ParkedPolls()
    database.before_commit = parked.hand_off
    sealer = Sealer(os.urandom(64))
    failing = True

    async def lease(connection: AsyncConnection, touched: Touched) -> list[dict[str, Any]]:
        if failing:
            raise LeaseFailedError
        claim = Claim.lasting(30.0, organization_id, [PROVIDER], "worker", 10)
        return await leasing.lease(connection, claim, policy=RetryPolicy(), sealer=sealer, touched=touched)

    poll = ParkedPoll([(organization_id, PROVIDER)], lease)
    parked.park(poll)

    # The lease fails inside the apply's transaction: nothing is written, nothing handed.
    with pytest.raises(LeaseFailedError):
        await _apply(database, organization_id, "lost")
    assert not poll.handed.done()
    assert poll.reserved is None
    async with database.reading() as connection:
        assert await store.get_resource(connection, organization_id, "resource:handoff_r_lost") is None

    # The next apply hands its event to the same poll, leased in the apply's own commit.
    failing = False
    await _apply(database, organization_id, "handed")
    handed = await parked.leave(poll)
    assert [payload["name"] for payload in handed] == ["handed"]
    async with database.reading() as connection:
        row = await store.get_resource(connection, organization_id, "resource:handoff_r_handed")
    assert row is not None
    assert row["lifecycle_state"] == LifecycleState.PROCESSING
    assert row["pending_event_id"] == handed[0]["event_id"]

    # A poll that left is handed nothing: the next apply's event stays queued.
    await _apply(database, organization_id, "queued")
    async with database.reading() as connection:
        row = await store.get_resource(connection, organization_id, "resource:handoff_r_queued")
    assert row is not None
    assert row["lifecycle_state"] == LifecycleState.PENDING
