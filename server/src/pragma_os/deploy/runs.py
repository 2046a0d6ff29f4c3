"""Which run of which replica a worker belongs to, told by its worker id.

Every worker a server starts (a release's, or a ``--provider-package`` one) leases under
``<replica>.<run>/<name>``: ``replica`` is kept in the data directory, so it stays the same
across restarts, and ``run`` is new at every start. The workers of a run die with it
(sandboxed ones at once, the others as soon as they notice), so when a server starts, the
leases still held under its replica but an earlier run belong to workers that are gone: it
takes them back at once instead of waiting for them to run out. Leases of another replica's
workers, or of workers started by hand, are never taken this way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

_REPLICA_FILE = "replica-id"


@dataclass(frozen=True)
class ServerRun:
    """This server process: its replica and its run."""

    replica: str
    run: str

    @classmethod
    def begin(cls, data_dir: Path) -> ServerRun:
        """A new run of the replica whose id ``data_dir`` keeps (made on the first start)."""
        path = data_dir / _REPLICA_FILE
        try:
            replica = path.read_text().strip()
        except FileNotFoundError:
            replica = ""
        if not replica:
            replica = secrets.token_hex(4)
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(replica)  # owner-only, as everything under the data directory
        return cls(replica=replica, run=secrets.token_hex(4))

    def worker_id(self, name: str) -> str:
        """The id a worker named ``name`` leases under (at most 100 characters)."""
        return f"{self.replica}.{self.run}/{name}"[:100]

    @property
    def replica_prefix(self) -> str:
        """What the ids of this replica's workers, of every run, start with."""
        return f"{self.replica}."

    @property
    def run_prefix(self) -> str:
        """What the ids of this run's workers start with."""
        return f"{self.replica}.{self.run}/"
