"""The engine's writer, driven directly on both databases: every transition a transaction
makes is recorded in one place (for history and metrics), a draft never keeps a queued
event, the rescuer settles a batch of expired leases at once, a delete supersedes a failing
update."""

from __future__ import annotations

import asyncio
import os

import pytest

from pragma_os.auth.service import create_organization
from pragma_os.engine import applying, deletion, leasing, results, transitions
from pragma_os.engine.rescue import rescue_expired
from pragma_os.engine.retry import RetryPolicy
from pragma_os.engine.rules import Cause
from pragma_os.engine.wakeups import Touched
from pragma_os.secrets.sealing import Sealer
from pragma_os.store import Database, dead_letters, events
from pragma_os.store import resources as store
from pragma_os.store.types import Claim, utcnow
from pragma_sdk.models import LifecycleState, ResourceApply
from pragma_sdk.provider import LifecycleResult

PROVIDER = "writer"


def _body(name: str, **extra: object) -> ResourceApply:
    return ResourceApply.model_validate(
        {"provider": PROVIDER, "resource": "r", "name": name, "config": {}, **extra}
    )


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_transaction_logs_its_transitions(database: Database) -> None:
    organization_id = await create_organization(database, f"log-{os.urandom(4).hex()}")
    touched = Touched()
    async with database.transaction() as connection:
        row = await applying.apply(
            connection, organization_id, _body("a"), None, now=utcnow(), touched=touched
        )
        await deletion.delete(connection, row, now=utcnow(), touched=touched)
        log = list(transitions.log_of(connection))
    assert [(entry.cause, entry.source, entry.target) for entry in log] == [
        (Cause.APPLY, None, LifecycleState.PENDING),
        (Cause.REMOVE, LifecycleState.PENDING, None),
    ]
    assert {entry.resource_id for entry in log} == {"resource:writer_r_a"}
    async with database.transaction() as connection:
        assert transitions.log_of(connection) == []  # each transaction starts its own


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_pending_resource_applied_as_draft_keeps_no_queued_event(database: Database) -> None:
    organization_id = await create_organization(database, f"draft-{os.urandom(4).hex()}")
    async with database.transaction() as connection:
        await applying.apply(connection, organization_id, _body("a"), None, now=utcnow(), touched=Touched())
    async with database.transaction() as connection:
        row = await store.get_resource(connection, organization_id, "resource:writer_r_a", for_update=True)
        draft = _body("a", lifecycle_state="draft", config={"changed": True})
        stored = await applying.apply(
            connection, organization_id, draft, row, now=utcnow(), touched=Touched()
        )
        assert stored["lifecycle_state"] is LifecycleState.DRAFT
        assert row is not None
        assert await events.get_event_for_resource(connection, row["pk"]) is None


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_the_rescuer_settles_expired_leases_together(database: Database) -> None:
    organization_id = await create_organization(database, f"rescue-{os.urandom(4).hex()}")
    policy = RetryPolicy(max_attempts=2, base_seconds=0.01, max_seconds=0.01)
    names = ["a", "b", "c"]
    async with database.transaction() as connection:
        for name in names:
            await applying.apply(
                connection, organization_id, _body(name), None, now=utcnow(), touched=Touched()
            )

    async def lease_and_expire() -> int:
        async with database.transaction() as connection:
            # A lease that ran out a minute ago: its worker died.
            claim = Claim.lasting(-60.0, organization_id, [PROVIDER], "dead-worker", 10)
            await leasing.lease(
                connection, claim, policy=policy, sealer=Sealer(os.urandom(64)), touched=Touched()
            )
        async with database.transaction() as connection:
            return await rescue_expired(connection, now=utcnow(), policy=policy, touched=Touched())

    assert await lease_and_expire() == 3  # first attempts: retried
    async with database.reading() as connection:
        rows = await store.get_resources_by_ids(
            connection, organization_id, [f"resource:writer_r_{n}" for n in names]
        )
        assert {row["lifecycle_state"] for row in rows.values()} == {LifecycleState.PENDING}
        assert all(row["retry"]["attempt"] == 2 and "Lease expired" in row["error"] for row in rows.values())
    await asyncio.sleep(0.05)  # the backoff
    assert await lease_and_expire() == 3  # second attempts: retries used up
    async with database.reading() as connection:
        rows = await store.get_resources_by_ids(
            connection, organization_id, [f"resource:writer_r_{n}" for n in names]
        )
        assert {row["lifecycle_state"] for row in rows.values()} == {LifecycleState.FAILED}
        letters = await dead_letters.list_dead_letters(connection, organization_id, PROVIDER)
        assert sorted(letter["resource_name"] for letter in letters) == names
        assert all(letter["attempt_count"] == 2 for letter in letters)
        for row in rows.values():
            assert await events.get_event_for_resource(connection, row["pk"]) is None


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_an_update_failing_for_good_while_a_delete_waits_gives_way_to_the_delete(
    database: Database,
) -> None:
    """Found by the property test: deleting a resource while its update runs, then the update
    failing for good, left it ``failed`` and ``deleting`` with nothing queued, never deleted."""
    organization_id = await create_organization(database, f"supersede-{os.urandom(4).hex()}")
    policy, sealer = RetryPolicy(), Sealer(os.urandom(64))
    resource_id = "resource:writer_r_a"

    async def lease_one() -> dict[str, object]:
        async with database.transaction() as connection:
            claim = Claim.lasting(30.0, organization_id, [PROVIDER], "w", 10)
            (leased,) = await leasing.lease(
                connection, claim, policy=policy, sealer=sealer, touched=Touched()
            )
        return leased

    async def complete(leased: dict[str, object], **outcome: object) -> None:
        result = LifecycleResult.model_validate({"event_id": leased["event_id"], **outcome})
        async with database.transaction() as connection:
            refused = await results.complete(
                connection, organization_id, "w", [result], now=utcnow(), policy=policy, sealer=sealer,
                touched=Touched(),
            )  # fmt: skip
        assert refused == []

    async with database.transaction() as connection:
        await applying.apply(connection, organization_id, _body("a"), None, now=utcnow(), touched=Touched())
    await complete(await lease_one(), status="success", outputs={})
    async with database.transaction() as connection:
        row = await store.get_resource(connection, organization_id, resource_id, for_update=True)
        changed = _body("a", config={"v": 2})
        await applying.apply(connection, organization_id, changed, row, now=utcnow(), touched=Touched())
    update = await lease_one()
    assert update["event_type"] == "UPDATE"
    async with database.transaction() as connection:
        row = await store.get_resource(connection, organization_id, resource_id, for_update=True)
        assert row is not None
        await deletion.delete(connection, row, now=utcnow(), touched=Touched())
    await complete(update, status="failure", error="ValueError: no", permanent=True)
    async with database.reading() as connection:
        row = await store.get_resource(connection, organization_id, resource_id)
        assert row is not None
        assert (row["lifecycle_state"], row["deleting"]) == ("pending", True)
        assert await dead_letters.list_dead_letters(connection, organization_id, PROVIDER) == []
    delete = await lease_one()
    assert delete["event_type"] == "DELETE"
    await complete(delete, status="success")
    async with database.reading() as connection:
        assert await store.get_resource(connection, organization_id, resource_id) is None
