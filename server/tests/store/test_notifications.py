"""Announcements between replicas: payloads stay under PostgreSQL's limit, a commit is heard by
the other replicas' listeners (not by its own), a rollback by nobody, and a listener whose
connection breaks listens again and says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text

from pragma_os.store import Database, notifications
from pragma_os.store.listener import APPLICATION_NAME, Listener
from pragma_os.store.migrate import upgrade
from pragma_os.store.notifications import MAX_PAYLOAD_BYTES, Announcement, decode, encode
from testing.fixtures.db import POSTGRES_DSN


def test_a_large_announcement_is_split_under_the_payload_limit_and_read_back_whole() -> None:
    announcement = Announcement(
        work={(f"org_{index:036d}", f"provider-{index:053d}") for index in range(300)},
        queries={("org_1", "p"), ("org_2", "q")},
        answers={f"qry_{index:024x}" for index in range(100)},
        changes=True,
    )
    payloads = encode("sender1", announcement)
    assert len(payloads) > 1
    assert all(len(payload.encode()) <= MAX_PAYLOAD_BYTES for payload in payloads)
    heard = Announcement()
    for payload in payloads:
        decoded = decode(payload)
        assert decoded is not None
        assert decoded[0] == "sender1"
        part = decoded[1]
        heard.work |= part.work
        heard.queries |= part.queries
        heard.answers |= part.answers
        heard.changes = heard.changes or part.changes
    assert heard == announcement


def test_a_payload_from_another_version_is_ignored() -> None:
    assert decode("sender {not json") is None
    assert decode('sender {"w": [1]}') is None
    assert decode('sender {"w": [["org", "p"]], "x": 1}') == ("sender", Announcement(work={("org", "p")}))


@pytest.fixture
async def databases(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two handles on one PostgreSQL database, as two replicas have."""
    first, second = Database(database_url), Database(database_url)
    await upgrade(first)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_commit_is_heard_by_other_replicas_and_a_rollback_by_none(
    databases: tuple[Database, Database],
) -> None:
    first, second = databases
    heard: asyncio.Queue[Announcement] = asyncio.Queue()
    reconnections: list[int] = []
    listener = Listener(first.url, first.sender, heard.put_nowait, lambda: reconnections.append(1))
    await listener.start()
    try:
        assert reconnections == [1]  # listening: whoever waits looks once
        async with second.transaction(wakes={("org_1", "testkit")}) as connection:
            notifications.announce(connection, answers=["qry_1"])
        assert await asyncio.wait_for(heard.get(), 5) == Announcement(
            work={("org_1", "testkit")}, answers={"qry_1"}
        )

        async def roll_back() -> None:
            async with second.transaction(wakes={("org_1", "rolled-back")}) as connection:
                await connection.execute(text("SELECT 1"))
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            await roll_back()
        async with first.transaction(wakes={("org_1", "own")}):
            pass  # its own replica's: skipped
        async with second.transaction(wakes={("org_1", "after")}):
            pass
        assert await asyncio.wait_for(heard.get(), 5) == Announcement(work={("org_1", "after")})
        assert heard.empty()
    finally:
        await listener.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_listener_whose_connection_breaks_listens_again(databases: tuple[Database, Database]) -> None:
    first, second = databases
    heard: asyncio.Queue[Announcement] = asyncio.Queue()
    reconnected = asyncio.Event()
    listener = Listener(first.url, first.sender, heard.put_nowait, reconnected.set)
    await listener.start()
    try:
        reconnected.clear()
        admin = await asyncpg.connect(POSTGRES_DSN)
        try:
            terminated = await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = $1 AND datname = $2",
                APPLICATION_NAME,
                first.url.rsplit("/", 1)[1],
            )
        finally:
            await admin.close()
        assert len(terminated) == 1
        await asyncio.wait_for(reconnected.wait(), 5)
        assert listener.connections == 2
        async with second.transaction(wakes={("org_1", "testkit")}):
            pass
        assert await asyncio.wait_for(heard.get(), 5) == Announcement(work={("org_1", "testkit")})
    finally:
        await listener.close()
