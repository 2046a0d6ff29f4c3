"""Plans: what applying and deleting some documents would do (``POST /resources/plan``), and
the check that an apply finds the stored state its plan read (``plan_token``).

Each document is prepared as an apply prepares it (``ApplyQueue.prepare``: the registered
schema, dependency marking, sealing), then ``engine/planning`` decides the rest, reading only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pragma_os.auth import Principal
from pragma_os.builtin.sealing import seal_secret_config
from pragma_os.daemons.apply_queue import ApplyQueue
from pragma_os.engine import planning
from pragma_os.errors import ConflictError, PragmaError
from pragma_os.secrets.sealing import Sealer
from pragma_os.store import Database
from pragma_os.store.types import utcnow
from pragma_sdk.models import ResourceApply, ResourcePlanRequest

PLAN_TOKEN_RULE = (
    "the stored state changed since the plan was made (or other documents are applied than were "
    "planned); plan again, check the plan, and apply with its new token"
)


async def plan_resources(
    database: Database, queue: ApplyQueue, sealer: Sealer, principal: Principal, request: ResourcePlanRequest
) -> dict[str, Any]:
    """The plan of ``request`` in the caller's organization; writes nothing."""
    documents = [await _prepared(queue, sealer, principal, body) for body in request.apply]
    first_index: dict[str, int] = {}
    for index, document in enumerate(documents):
        earlier = first_index.setdefault(document.body.resource_id, index)
        if earlier != index:
            document.errors.append(
                {
                    "field": "name",
                    "rule": f"applies the same resource as documents[{earlier}]; apply it once",
                    "status": 422,
                }
            )
    async with database.reading() as connection:
        return await planning.plan(
            connection, principal.organization_id, documents, request.delete, sealer=sealer, now=utcnow()
        )


async def check_plan_token(
    database: Database,
    queue: ApplyQueue,
    sealer: Sealer,
    principal: Principal,
    bodies: Sequence[ResourceApply],
    token: str,
) -> None:
    """Refuse an apply of ``bodies`` made with ``token`` when planning them again now gives
    another token: the stored state the plan read changed, or the documents differ.

    Raises:
        ConflictError: Field ``plan_token``, with the token the plan gives now.
    """
    plan = await plan_resources(database, queue, sealer, principal, ResourcePlanRequest(apply=list(bodies)))
    if plan["token"] != token:
        raise ConflictError(f"plan_token: {PLAN_TOKEN_RULE}", field="plan_token", current_token=plan["token"])


async def _prepared(
    queue: ApplyQueue, sealer: Sealer, principal: Principal, body: ResourceApply
) -> planning.PlannedDocument:
    try:
        return planning.PlannedDocument(await queue.prepare(principal, body))
    except PragmaError as error:
        # Refused, but still shown: its secret values sealed, so that the diff redacts them.
        config = seal_secret_config(body.provider, body.resource, body.config, sealer)
        return planning.PlannedDocument(body.model_copy(update={"config": config}), planning.refusals(error))
