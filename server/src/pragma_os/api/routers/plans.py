"""``/resources/plan``: what applying and deleting some resources would do, writing nothing."""

from __future__ import annotations

from pragma_os.api.deps import ApplyQueueDep, CurrentPrincipal, DatabaseDep, SealerDep
from pragma_os.api.openapi import BODY_ERRORS, error_responses
from pragma_os.api.responses import FastJSONResponse
from pragma_os.api.routing import authenticated_router
from pragma_os.services import planning
from pragma_sdk.models import ResourcePlan, ResourcePlanRequest

router = authenticated_router("/resources", "resources")


@router.post("/plan", response_model=ResourcePlan, responses=error_responses(*BODY_ERRORS))
async def plan_resources(
    body: ResourcePlanRequest,
    principal: CurrentPrincipal,
    database: DatabaseDep,
    queue: ApplyQueueDep,
    sealer: SealerDep,
) -> FastJSONResponse:
    """What applying ``apply`` (in order, as one batch) and deleting ``delete`` would do; writes nothing.

    Per document: the action (create, update, noop, delete or refused), the field changes
    against what is stored (secrets redacted), every schema error, the references and what
    they resolve to, and for a delete what it takes along and who blocks it. Then the ripple:
    the dependents that will run again (``reruns``), that run again if a handler returns other
    outputs (``may_rerun``), or that wait (``waits``), with their depth; a summary; and a
    ``token`` to pass as ``plan_token`` to the apply, refused with 409 if anything the plan
    read has changed since.
    """
    return FastJSONResponse(await planning.plan_resources(database, queue, sealer, principal, body))
