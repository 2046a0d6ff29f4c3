"""The uid and gid each organization's pushed code runs as: ``base + slot``, never shared.

Slots are handed out on an organization's first build or release and kept in the store, so
every replica and every restart agrees on them.
"""

from __future__ import annotations

from pragma_os.sandbox.policy import SandboxIdentity
from pragma_os.store import Database
from pragma_os.store import sandbox_slots as store
from pragma_os.store.errors import AlreadyExistsError


class SandboxIdentities:
    """Finds, and on first use assigns, each organization's sandbox identity."""

    def __init__(self, database: Database, uid_base: int) -> None:
        self._database = database
        self._uid_base = uid_base
        self._known: dict[str, SandboxIdentity] = {}

    @property
    def probe_identity(self) -> SandboxIdentity:
        """An identity no organization gets (slot 0), for checking that the sandbox works."""
        return SandboxIdentity(uid=self._uid_base, gid=self._uid_base)

    async def of(self, organization_id: str) -> SandboxIdentity:
        """The organization's identity, assigning its slot if it has none yet."""
        known = self._known.get(organization_id)
        if known is not None:
            return known
        async with self._database.reading() as connection:
            slot = await store.find_slot(connection, organization_id)
        if slot is None:
            try:
                async with self._database.transaction() as connection:
                    slot = await store.add_slot(connection, organization_id)
            except AlreadyExistsError:  # another replica was first
                async with self._database.reading() as connection:
                    slot = await store.find_slot(connection, organization_id)
        assert slot is not None
        identity = SandboxIdentity(uid=self._uid_base + slot, gid=self._uid_base + slot)
        self._known[organization_id] = identity
        return identity
