"""The change feed behind the watch stream: written with each resource write, trimmed by age."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pragma_os.auth.service import create_organization
from pragma_os.store import Database
from pragma_os.store import lifecycle_writes as writes
from pragma_os.store import resources as store
from pragma_os.store.migrate import upgrade
from pragma_os.store.types import utcnow


def _row(organization_id: str, name: str) -> dict[str, object]:
    now = utcnow()
    return {
        "organization_id": organization_id, "id": f"resource:p_r_{name}", "provider": "p", "resource": "r",
        "name": name, "config": {}, "resolved_config": None, "dependencies": [], "owner_references": [],
        "outputs": {}, "error": None, "lifecycle_state": "draft", "pending_event_id": None,
        "provisioned": False, "tags": None, "generation": 1, "observed_generation": 0, "waiting_on": [],
        "deleting": False, "applied_config": None, "inputs_digest": None,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_writes_land_in_the_feed_and_old_ones_are_pruned(database_url: str) -> None:
    database = Database(database_url)
    try:
        await upgrade(database)
        organization_id = await create_organization(database, "feed")
        async with database.transaction() as connection:
            row = _row(organization_id, "a")
            (row["pk"],) = await writes.insert_resources(connection, [row])
            await writes.update_resource(connection, row, {"config": {"size": 2}})
            await writes.delete_resource(connection, row)
        async with database.reading() as connection:
            changes = await store.changes_since(connection, organization_id, 0)
            assert [(resource_id, deleted) for _seq, resource_id, deleted, _row in changes] == [
                ("resource:p_r_a", True)
            ]
        async with database.transaction() as connection:
            await store.prune_changes(connection, utcnow() + timedelta(seconds=1))
        async with database.reading() as connection:
            assert await store.changes_since(connection, organization_id, 0) == []
    finally:
        await database.close()
