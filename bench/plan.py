"""How long ``POST /resources/plan`` takes for 1,000 documents against 100,000 stored resources.

    .venv/bin/python bench/plan.py                  # 100,000 stored, 1,000 planned, SQLite
    .venv/bin/python bench/plan.py --stored 20000   # quicker

The stored resources, in one organization of a fresh ``pragma-os serve`` (a subprocess):

- 1,000 ``bench/db`` and 1,000 ``bench/app``, each app reading its db's ``config.value``,
  applied through the batch API and made ``ready`` by a worker through the worker API (lease,
  complete): every app has an inputs digest, so a plan must resolve each one to decide;
- the rest ``bench/filler`` drafts, inserted straight through the engine's create verb in this
  process (``applying.create_new``: one statement per table per 5,000), unrelated to the others.

Then the plan of 1,000 documents, each changing a db's value (so each db updates and its app
re-runs: 1,000 digests taken), timed ``--runs`` times after one warm-up; and, for reference, the
plan of the same documents unchanged (1,000 no-ops, no ripple). Target (issue 17): under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPOSITORY = Path(__file__).resolve().parents[1]
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from pragma_os.engine import applying  # noqa: E402
from pragma_os.engine.wakeups import Touched  # noqa: E402
from pragma_os.store import Database  # noqa: E402
from pragma_os.store.types import utcnow  # noqa: E402
from pragma_sdk.models import LifecycleState, ResourceApply  # noqa: E402
from testing.fixtures.server import serving, worker_token  # noqa: E402

FILLER_BATCH = 5000


def db(index: int, value: str = "v1") -> dict[str, Any]:
    return {"provider": "bench", "resource": "db", "name": f"db-{index}", "config": {"value": value}}


def app(index: int) -> dict[str, Any]:
    reference = {"provider": "bench", "resource": "db", "name": f"db-{index}", "field": "config.value"}
    return {"provider": "bench", "resource": "app", "name": f"app-{index}", "config": {"value": reference}}


def make_ready(url: str, token: str, expected: int) -> None:
    """Lease and complete every ``bench`` event, as a worker would, until ``expected`` are done."""
    done = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as worker:
        while done < expected:
            lease = {"worker_id": "bench", "providers": ["bench"], "max_events": 1000, "wait_seconds": 5.0}
            events = worker.post("/workers/lease", json=lease).raise_for_status().json()["events"]
            if not events:
                continue
            results = [
                {
                    "event_id": event["event_id"],
                    "status": "success",
                    "outputs": {"value": event["config"].get("value")},
                    "attempt": event.get("attempt", 1),
                }
                for event in events
            ]
            worker.post(
                "/workers/complete", json={"worker_id": "bench", "results": results}
            ).raise_for_status()
            done += len(events)


async def insert_fillers(database_url: str, organization_id: str, count: int) -> None:
    database = Database(database_url)
    try:
        for start in range(0, count, FILLER_BATCH):
            new = [
                (
                    organization_id,
                    ResourceApply(
                        provider="bench",
                        resource="filler",
                        name=f"filler-{index}",
                        config={"value": index},
                        lifecycle_state=LifecycleState.DRAFT,
                    ),
                    None,
                    None,
                )
                for index in range(start, min(start + FILLER_BATCH, count))
            ]
            async with database.transaction() as connection:
                await applying.create_new(connection, new, now=utcnow(), touched=Touched())
    finally:
        await database.close()


def timed_plans(http: httpx.Client, documents: list[dict[str, Any]], runs: int) -> tuple[list[float], Any]:
    http.post("/resources/plan", json={"apply": documents}).raise_for_status()  # warm-up
    seconds = []
    answer: Any = None
    for _run in range(runs):
        started = time.perf_counter()
        response = http.post("/resources/plan", json={"apply": documents})
        seconds.append(time.perf_counter() - started)
        answer = response.raise_for_status().json()
    return seconds, answer


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stored", type=int, default=100_000, help="resources stored in all")
    parser.add_argument(
        "--planned", type=int, default=1000, help="documents planned (each a db with its app)"
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    graph = args.planned
    with tempfile.TemporaryDirectory() as root, serving(Path(root), "sqlite") as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=300) as http:
            organization_id = http.get("/auth/me").raise_for_status().json()["organization_id"]
            started = time.perf_counter()
            http.post(
                "/resources/apply/batch", json={"documents": [db(i) for i in range(graph)]}
            ).raise_for_status()
            http.post(
                "/resources/apply/batch", json={"documents": [app(i) for i in range(graph)]}
            ).raise_for_status()
            make_ready(server.url, worker_token(server, ["bench"]), 2 * graph)
            graph_seconds = time.perf_counter() - started
            started = time.perf_counter()
            asyncio.run(insert_fillers(server.database_url, organization_id, args.stored - 2 * graph))
            filler_seconds = time.perf_counter() - started
            apps = http.get("/resources/", params={"provider": "bench", "resource": "app"}).json()
            ready = sum(document["lifecycle_state"] == "ready" for document in apps)
            print(
                f"stored: {args.stored} ({2 * graph} in the graph, {ready} apps ready, after "
                f"{graph_seconds:.1f} s; {args.stored - 2 * graph} fillers in {filler_seconds:.1f} s)"
            )

            changed = [db(i, "v2") for i in range(graph)]
            seconds, answer = timed_plans(http, changed, args.runs)
            print(f"plan of {graph} changed documents: summary {answer['summary']}")
            print(
                f"  median {statistics.median(seconds) * 1000:.0f} ms, "
                f"min {min(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms over {args.runs} runs"
            )
            same = [db(i) for i in range(graph)]
            seconds, answer = timed_plans(http, same, args.runs)
            print(f"plan of {graph} unchanged documents: summary {answer['summary']}")
            print(
                f"  median {statistics.median(seconds) * 1000:.0f} ms, "
                f"min {min(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms over {args.runs} runs"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
