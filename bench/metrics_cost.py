"""What the Prometheus metrics cost on the apply-to-ready path, in microseconds of server CPU.

    .venv/bin/python bench/metrics_cost.py
    .venv/bin/python bench/metrics_cost.py --resources 200000

A resource going from apply to ready makes three HTTP requests (apply, the worker's lease and
its result) and three transactions the metrics observe after commit (the apply with its hand-
off lease, and the result). This times exactly that work, in this process, without a server:
``api/http_metrics.py``'s counting of three requests and ``services/engine_metrics.py``'s
observing of the three transactions' records (built beforehand, as the engine builds them
anyway). Compare the total with the server's CPU per resource that ``bench/engine.py`` prints
(``CPU ms per resource``), where the same cost is lost in the noise of a loaded machine.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from pragma_os.engine.rules import Cause
from pragma_os.engine.transition_log import Leased, Outcome, Transition
from pragma_os.observability.metrics import http_requests, http_seconds
from pragma_os.services.engine_metrics import EngineMetrics
from pragma_sdk.models import LifecycleState

ROUTES = (("POST", "/resources/apply"), ("POST", "/workers/lease"), ("POST", "/workers/complete"))


def http_cost(resources: int) -> float:
    """Microseconds the three requests of one resource spend in the HTTP metrics."""
    started = time.perf_counter()
    for _ in range(resources):
        for method, route in ROUTES:
            http_requests(method, route, "200").inc()
            http_seconds(method, route).observe(0.004)
    return (time.perf_counter() - started) / resources * 1e6


def records(index: int) -> list[dict[str, Any]]:
    """The notes of one resource's three committed transactions, as the engine leaves them."""
    event, resource = f"evt_{index}", f"resource:testkit_item_r{index}"
    labels = {"provider": "testkit", "resource": "item"}
    applied = Transition(Cause.APPLY, "org", resource, None, LifecycleState.PENDING, **labels)
    leased = Transition(
        Cause.LEASE, "org", resource, LifecycleState.PENDING, LifecycleState.PROCESSING, event, **labels
    )
    ready = Transition(
        Cause.SUCCESS, "org", resource, LifecycleState.PROCESSING, LifecycleState.READY, event, **labels
    )
    return [
        {"transitions": [applied, leased], "leases": [Leased(event, "testkit", "item", "CREATE", 0.001)]},
        {"outcomes": [Outcome(event, "testkit", "item", "CREATE", "success")], "transitions": [ready]},
    ]


def engine_cost(resources: int) -> float:
    """Microseconds observing one resource's transactions costs."""
    observer = EngineMetrics()
    prepared = [records(index) for index in range(resources)]
    started = time.perf_counter()
    for notes in prepared:
        for committed in notes:
            observer.committed(committed)
    return (time.perf_counter() - started) / resources * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=100_000)
    arguments = parser.parse_args()
    http = http_cost(arguments.resources)
    engine = engine_cost(arguments.resources)
    print(f"HTTP metrics, 3 requests:       {http:6.1f} us a resource")
    print(f"engine metrics, after commit:   {engine:6.1f} us a resource")
    print(f"together:                       {http + engine:6.1f} us a resource")


if __name__ == "__main__":
    main()
