"""The engine's metrics observer on its own: what it makes of committed transactions' records
(the end-to-end counts are in ``server/tests/api/test_metrics.py``)."""

from __future__ import annotations

import uuid

import pytest

from pragma_os.engine.rules import Cause
from pragma_os.engine.transition_log import Leased, Outcome, Transition
from pragma_os.observability.metrics import REGISTRY
from pragma_os.services import engine_metrics
from pragma_os.services.engine_metrics import EngineMetrics
from pragma_sdk.models import LifecycleState


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def provider() -> str:
    return f"p{uuid.uuid4().hex[:8]}"


def lease(event: str, name: str) -> Leased:
    return Leased(event, name, "item", "CREATE", 0.5)


def outcome(event: str, name: str, result: str) -> Outcome:
    return Outcome(event, name, "item", "CREATE", result)


def test_a_retry_leased_with_the_failed_result_is_timed_when_its_own_result_comes() -> None:
    name, observer = provider(), EngineMetrics()
    observer.committed({"leases": [lease("evt_1", name)]})
    retried = Transition(
        Cause.RETRYABLE_FAILURE, "org", "r", LifecycleState.PROCESSING, LifecycleState.PENDING, "evt_1",
        provider=name, resource="item",
    )  # fmt: skip
    # One transaction takes the failure and leases the retry, under the same event id.
    observer.committed(
        {
            "outcomes": [outcome("evt_1", name, "retry")],
            "transitions": [retried],
            "leases": [lease("evt_1", name)],
        }
    )
    observer.committed({"outcomes": [outcome("evt_1", name, "success")]})
    labels = {"provider": name, "resource": "item", "event": "CREATE"}
    assert sample("pragma_reconcile_duration_seconds_count", **labels) == 2
    assert sample("pragma_reconcile_total", **labels, result="retry") == 1
    assert sample("pragma_reconcile_total", **labels, result="success") == 1
    assert sample("pragma_retries_total", provider=name) == 1
    assert sample("pragma_queue_wait_seconds_count", provider=name) == 2
    assert sample("pragma_queue_wait_seconds_sum", provider=name) == 1.0


def test_starts_whose_end_this_replica_never_sees_are_forgotten_oldest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_metrics, "_MAX_STARTS", 2)
    name, observer = provider(), EngineMetrics()
    observer.committed({"leases": [lease(f"evt_{index}", name) for index in range(3)]})
    observer.committed({"outcomes": [outcome(f"evt_{index}", name, "success") for index in range(3)]})
    labels = {"provider": name, "resource": "item", "event": "CREATE"}
    assert sample("pragma_reconcile_total", **labels, result="success") == 3
    assert sample("pragma_reconcile_duration_seconds_count", **labels) == 2  # evt_0 was forgotten


def test_a_broken_record_is_logged_and_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    EngineMetrics().committed({"outcomes": [object()]})
    assert "Could not observe a committed transaction's metrics" in caplog.text
