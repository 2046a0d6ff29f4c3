"""Each organization's secret values as a ``Redactor``, for what its providers' processes print.

Loading them opens every ``pragma/secret`` of the organization, so the redactor is cached. It
is loaded again when the built-in provider gets work in the organization (a secret applied or
deleted through this server wakes it) and when it is older than ``max_age`` (a secret applied
through another replica). Values stay redacted after their secret changes or goes, until the
server restarts: a worker may still hold and print them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pragma_os.builtin.sealing import SECRET_TYPE
from pragma_os.engine.wakeups import Signal, Wakeups
from pragma_os.errors import NotFoundError
from pragma_os.secrets.redaction import Redactor
from pragma_os.secrets.sealing import Sealer, UnsealError, is_sealed, leaves
from pragma_os.store import Database, tenancy
from pragma_os.store import resources as store

logger = logging.getLogger("pragma_os.output")

MAX_AGE_SECONDS = 5.0


@dataclass
class _Cached:
    redactor: Redactor
    values: set[str]
    loaded_at: float
    changed: Signal
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SecretRedactors:
    """Gives the current redactor of an organization, loading its secrets only when needed."""

    def __init__(
        self, database: Database, sealer: Sealer, wakeups: Wakeups, *, max_age: float = MAX_AGE_SECONDS
    ) -> None:
        self._database = database
        self._sealer = sealer
        self._wakeups = wakeups
        self._max_age = max_age
        self._cached: dict[str, _Cached] = {}
        self._organization_ids: dict[str, str] = {}

    async def for_organization(self, organization_id: str) -> Redactor:
        """The redactor of the organization's secret values, loaded again when they may have changed.

        When loading fails, the values known so far are used.

        Raises:
            Exception: Loading failed and nothing was loaded before (the caller withholds lines).
        """
        cached = self._cached.get(organization_id)
        if cached is not None and not self._stale(cached):
            return cached.redactor
        if cached is None:
            cached = self._cached.setdefault(
                organization_id, _Cached(Redactor(), set(), float("-inf"), Signal())
            )
        async with cached.lock:
            if not self._stale(cached):
                return cached.redactor  # another caller loaded it meanwhile
            # Taken before reading, so a secret committed during the read triggers another load.
            changed = self._wakeups.signal((organization_id, SECRET_TYPE[0]))
            started = time.monotonic()
            try:
                values = await self._load(organization_id)
            except Exception:
                if cached.loaded_at == float("-inf"):
                    raise
                logger.warning(
                    "Could not reload the secrets of %s; redacting with those known", organization_id
                )
                return cached.redactor
            if not values <= cached.values:
                cached.values |= values
                cached.redactor = Redactor(cached.values)
            cached.loaded_at = started
            cached.changed = changed
            return cached.redactor

    async def for_organization_named(self, name: str) -> Redactor:
        """``for_organization`` of the organization called ``name``.

        Raises:
            NotFoundError: There is no such organization.
        """
        organization_id = self._organization_ids.get(name)
        if organization_id is None:
            async with self._database.reading() as connection:
                organization = await tenancy.find_organization(connection, name)
            if organization is None:
                raise NotFoundError(f"Organization '{name}' does not exist.")
            organization_id = self._organization_ids[name] = organization["id"]
        return await self.for_organization(organization_id)

    def _stale(self, cached: _Cached) -> bool:
        return cached.changed.is_set() or time.monotonic() - cached.loaded_at > self._max_age

    async def _load(self, organization_id: str) -> set[str]:
        async with self._database.reading() as connection:
            configs = await store.configs_of_type(connection, organization_id, *SECRET_TYPE)
        values: set[str] = set()
        for config in configs:
            data = config.get("data")
            for item in data.values() if isinstance(data, dict) else ():
                try:
                    values.update(_scalars(self._sealer.open(item) if is_sealed(item) else item))
                except UnsealError:
                    continue  # sealed under another server key: no worker can have been given it
        return values


def _scalars(value: Any) -> Iterator[str]:
    """The strings and numbers in a JSON value, as text (how a handler would print them)."""
    for leaf in leaves(value):
        if isinstance(leaf, str):
            yield leaf
        elif isinstance(leaf, int | float) and not isinstance(leaf, bool):
            yield str(leaf)
