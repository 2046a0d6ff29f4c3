"""``plan_resources`` in both clients, and applying with the plan's token: the SDK against a
real server, with the built-in ``pragma/config`` type (its handler runs in the server)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from pragma_sdk import AsyncPragmaClient, PragmaClient
from pragma_sdk.errors import ConflictError
from pragma_sdk.models import ResourcePlan


def config(name: str, **data: Any) -> dict[str, Any]:
    return {"provider": "pragma", "resource": "config", "name": name, "config": {"data": data}}


def reads(name: str, source: str) -> dict[str, Any]:
    """A config whose ``copy`` is ``source``'s ``data.level``."""
    reference = {"provider": "pragma", "resource": "config", "name": source, "field": "config.data.level"}
    return config(name, copy=reference)


def test_plan_then_apply_with_its_token(client: PragmaClient) -> None:
    base, copy = f"b{uuid.uuid4().hex[:8]}", f"c{uuid.uuid4().hex[:8]}"
    client.apply_resources([config(base, level=1), reads(copy, base)])
    client.wait_ready("pragma", "config", copy, timeout=30)

    planned = client.plan_resources([config(base, level=2)], delete=[f"pragma/config/{copy}"])
    assert isinstance(planned, ResourcePlan)
    [update, delete] = planned.entries
    assert (update.action, update.kind, delete.action, delete.kind) == ("update", "apply", "delete", "delete")
    assert [(change.path, change.old, change.new) for change in update.changes] == [
        ("config.data.level", 1, 2)
    ]
    # The copy is deleted in the same plan: no ripple into it.
    assert planned.ripple == []
    assert planned.summary.updates == 1
    assert planned.summary.deletes == 1

    planned = client.plan_resources([config(base, level=2)])
    [ripple] = planned.ripple
    assert (ripple.path, ripple.effect, ripple.depth) == (f"pragma/config/{copy}", "reruns", 1)
    token = planned.token
    client.apply_resource(config(base, level=3))  # the state the plan read changes
    with pytest.raises(httpx.HTTPStatusError) as refused:
        client.apply_resources([config(base, level=2)], plan_token=token)
    assert refused.value.response.status_code == 409
    client.wait_ready("pragma", "config", base, timeout=30)
    # The engine is still carrying level 3 to the copy, which moves what a plan reads: plan
    # again until a plan's state holds long enough to be applied.
    for _attempt in range(50):
        fresh = client.plan_resources([config(base, level=2)]).token
        try:
            [applied] = client.apply_resources([config(base, level=2)], plan_token=fresh)
        except ConflictError:  # the 409 of a stale token; anything else fails the test
            time.sleep(0.2)
            continue
        assert applied["config"]["data"]["level"] == 2
        break
    else:
        pytest.fail("no plan could be applied with its token")


async def test_the_async_client_plans_too(async_client: AsyncPragmaClient) -> None:
    name = f"a{uuid.uuid4().hex[:8]}"
    planned = await async_client.plan_resources([config(name, level=1)])
    [entry] = planned.entries
    assert (entry.action, entry.from_state, entry.to_state) == ("create", None, "pending")
    assert [(change.path, change.change) for change in entry.changes] == [("config.data", "added")]
    with pytest.raises(httpx.HTTPStatusError):
        await async_client.get_resource("pragma", "config", name)  # nothing was written
