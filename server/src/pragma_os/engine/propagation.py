"""Propagation: a resource that finished tells its dependents, which may need an ``UPDATE``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from pragma_os.engine import transitions
from pragma_os.engine.inputs import inputs_changed
from pragma_os.engine.wakeups import Touched
from pragma_os.secrets.sealing import Sealer
from pragma_os.store import links
from pragma_os.store.types import ResourceRow
from pragma_sdk.models import LifecycleState


def takes_dependency_changes(dependent: ResourceRow) -> bool:
    """Whether a dependent goes back to ``pending`` when its resolved inputs change: only a
    ``ready`` one not being deleted (a pending one runs anyway, with the values of its lease;
    a failed one waits for a re-apply or a retry). ``engine/planning`` predicts with it."""
    return dependent["lifecycle_state"] == LifecycleState.READY and not dependent["deleting"]


async def propagate(
    connection: AsyncConnection,
    row: ResourceRow,
    *,
    now: datetime,
    sealer: Sealer,
    touched: Touched,
    request_id: str | None = None,
    traceparent: str | None = None,
) -> None:
    """Tell the dependents of a resource that it changed.

    Waiting dependents are unblocked (their waits are checked again at lease); ready ones whose
    resolved inputs changed go back to ``pending`` with an ``UPDATE``, carrying ``request_id``
    and ``traceparent`` (of the request behind the change, when known); the rest are untouched.
    """
    dependents = await links.linking_to(connection, row["organization_id"], [row["id"]], links.DEPENDENCY)
    if not dependents:
        return
    dependents.sort(key=lambda dependent: dependent["pk"])  # lock rows in one order everywhere
    await transitions.unblock(connection, [dependent["pk"] for dependent in dependents])
    for dependent in dependents:
        touched.add((dependent["organization_id"], dependent["provider"]))
        if not takes_dependency_changes(dependent):
            continue
        if row["lifecycle_state"] != LifecycleState.READY or not await inputs_changed(
            connection, dependent, sealer
        ):
            continue
        await transitions.dependency_changed(
            connection,
            dependent,
            now=now,
            touched=touched,
            dependency=row["id"],
            request_id=request_id,
            traceparent=traceparent,
        )
