"""The stored state a plan reads, fetched a set at a time, and the token that fingerprints it.

Every row a plan looks at passes through ``StateRead``, so the token covers exactly what the
plan depends on: an apply carrying it is refused when any of those rows changed (or an
absent one appeared) since.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.store import resources as store
from pragma_os.store.types import ResourceRow

TOKEN_PREFIX = "plan_"


class StateRead:
    """The rows of one organization a plan read, by id, and the ids it found absent."""

    def __init__(self, connection: AsyncConnection, organization_id: str) -> None:
        self.connection = connection
        self.organization_id = organization_id
        self.rows: dict[str, ResourceRow] = {}
        self.absent: set[str] = set()

    async def fetch(self, resource_ids: Iterable[str]) -> dict[str, ResourceRow]:
        """The stored rows of ``resource_ids`` (absent ones left out), reading in one query
        only those not read yet."""
        wanted = set(resource_ids)
        unknown = sorted(wanted - self.rows.keys() - self.absent)
        if unknown:
            found = await store.get_resources_by_ids(self.connection, self.organization_id, unknown)
            self.rows.update(found)
            self.absent.update(set(unknown) - found.keys())
        return {resource_id: self.rows[resource_id] for resource_id in wanted if resource_id in self.rows}

    def note(self, rows: Iterable[ResourceRow]) -> None:
        """Count rows read through another query (dependents, owned resources) as read."""
        for row in rows:
            self.rows.setdefault(row["id"], row)

    def token(self, request: Mapping[str, Any]) -> str:
        """The digest of ``request`` (the documents planned, as prepared) and of every row read:
        its id, generation, state, deletion mark, inputs digest and last update."""
        rows = sorted(
            (
                row["id"],
                row["generation"],
                str(row["lifecycle_state"]),
                bool(row["deleting"]),
                row["inputs_digest"],
                row["updated_at"].isoformat() if row["updated_at"] is not None else None,
            )
            for row in self.rows.values()
        )
        fingerprint = {"request": request, "rows": rows, "absent": sorted(self.absent)}
        digest = hashlib.sha256(orjson.dumps(fingerprint, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return f"{TOKEN_PREFIX}{digest[:40]}"
