"""``GET /metrics``: Prometheus metrics of reconciles, the queue, resources, workers and HTTP
requests, read from a server running the testkit provider's worker; and its bearer token."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient, ResourceFailedError
from testing.fixtures.db import DATABASES
from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import widget_project
from testing.fixtures.server import BOOTSTRAP_TOKEN, ENGINE_ENV, RunningServer, serving

T = TypeVar("T")

METRICS_TOKEN = "metrics-scrape-token"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module", params=DATABASES)
def metrics_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server of its own running the testkit worker, its /metrics behind ``METRICS_TOKEN``;
    nothing else applies resources there, so the counts move only with these tests."""
    root: Path = tmp_path_factory.mktemp(f"metrics-{request.param}")
    env = {**ENGINE_ENV, "PRAGMA_METRICS_TOKEN": METRICS_TOKEN}
    with serving(
        root, request.param, extra_args=("--provider-package", "testkit_provider"), extra_env=env
    ) as running:
        yield running


@pytest.fixture
def pragma(metrics_server: RunningServer) -> Iterator[PragmaClient]:
    with metrics_server.client(timeout=30) as client:
        yield client


def scrape(server: RunningServer, token: str | None = METRICS_TOKEN) -> Samples:
    """Every sample of ``/metrics``, parsed as Prometheus parses it."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = httpx.get(f"{server.url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 when the series does not exist (yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def wait_for(condition: Callable[[], T | None], what: str, timeout: float = 20) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def unique() -> str:
    return f"m{uuid.uuid4().hex[:8]}"


TESTKIT_ITEM = {"provider": "testkit", "resource": "item"}


def test_reconciles_count_successes_retries_and_failures(
    metrics_server: RunningServer, pragma: PragmaClient
) -> None:
    name = unique()
    before = scrape(metrics_server)
    pragma.apply_resource(item(f"{name}-ok", value="fine"))
    pragma.apply_resource(item(f"{name}-retried", fail_attempts=1))
    pragma.apply_resource(item(f"{name}-bad", fail_attempts=1, permanent=True))
    pragma.wait_ready("testkit", "item", f"{name}-ok", timeout=20)
    pragma.wait_ready("testkit", "item", f"{name}-retried", timeout=20)
    with pytest.raises(ResourceFailedError):
        pragma.wait_ready("testkit", "item", f"{name}-bad", timeout=20)
    after = scrape(metrics_server)

    def moved(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    create = {**TESTKIT_ITEM, "event": "CREATE"}
    assert moved("pragma_reconcile_total", **create, result="success") == 2
    assert moved("pragma_reconcile_total", **create, result="retry") == 1
    assert moved("pragma_reconcile_total", **create, result="failure") == 1
    assert moved("pragma_reconcile_duration_seconds_count", **create) == 4
    assert moved("pragma_retries_total", provider="testkit") == 1
    assert moved("pragma_queue_wait_seconds_count", provider="testkit") == 4
    assert moved("pragma_time_to_ready_seconds_count", **TESTKIT_ITEM) == 2
    # Gauges read from the database: what is stored now, not what moved.
    assert moved("pragma_resources", **TESTKIT_ITEM, state="ready") == 2
    assert moved("pragma_resources", **TESTKIT_ITEM, state="failed") == 1
    assert moved("pragma_dead_letters", provider="testkit") == 1
    assert value(after, "pragma_queue_depth", provider="testkit", state="queued") == 0
    assert value(after, "pragma_queue_depth", provider="testkit", state="leased") == 0
    # Labels name types and states, never a resource.
    assert not any(name in label for _, labels in after for pair in labels for label in pair)


def test_queue_depth_counts_a_leased_event_then_goes_back_to_zero_and_deletes_are_timed(
    metrics_server: RunningServer, pragma: PragmaClient
) -> None:
    name = unique()
    before = scrape(metrics_server)
    pragma.apply_resource(item(name, sleep=1.5))
    leased = wait_for(
        lambda: value(scrape(metrics_server), "pragma_queue_depth", provider="testkit", state="leased") == 1,
        "the event in the worker's hands",
    )
    assert leased
    pragma.wait_ready("testkit", "item", name, timeout=20)
    ready = scrape(metrics_server)
    assert value(ready, "pragma_queue_depth", provider="testkit", state="leased") == 0
    assert value(ready, "pragma_queue_depth", provider="testkit", state="queued") == 0
    took = value(ready, "pragma_time_to_ready_seconds_sum", **TESTKIT_ITEM) - value(
        before, "pragma_time_to_ready_seconds_sum", **TESTKIT_ITEM
    )
    assert took >= 1.5

    pragma.delete_resource("testkit", "item", name)
    wait_for(
        lambda: (
            value(scrape(metrics_server), "pragma_deletion_seconds_count", **TESTKIT_ITEM)
            > value(before, "pragma_deletion_seconds_count", **TESTKIT_ITEM)
        ),
        "the delete to be timed",
    )
    gone = scrape(metrics_server)
    assert value(gone, "pragma_reconcile_total", **TESTKIT_ITEM, event="DELETE", result="success") >= 1
    assert value(gone, "pragma_queue_depth", provider="testkit", state="queued") == 0
    assert value(gone, "pragma_queue_depth", provider="testkit", state="leased") == 0


def test_workers_polling_are_counted(metrics_server: RunningServer) -> None:
    samples = wait_for(
        lambda: (
            (found := scrape(metrics_server))
            and value(found, "pragma_workers", provider="testkit", version="unknown") >= 1
            and found
        ),
        "the testkit worker to poll",
    )
    assert ("pragma_worker_last_poll_age_seconds", frozenset({("provider", "testkit")})) in samples
    assert value(samples, "pragma_worker_last_poll_age_seconds", provider="testkit") >= 0


def test_http_requests_are_labelled_by_route_template(metrics_server: RunningServer) -> None:
    name = unique()
    headers = {"Authorization": f"Bearer {metrics_server.token}"}
    before = scrape(metrics_server)
    for _ in range(2):
        missing = httpx.get(f"{metrics_server.url}/resources/resource:testkit_item_{name}", headers=headers)
        assert missing.status_code == 404
    unknown = httpx.get(f"{metrics_server.url}/no-such-route-{name}", headers=headers)
    assert unknown.status_code == 404
    invented = httpx.request("PROPFIND", f"{metrics_server.url}/health")
    assert invented.status_code == 405
    after = scrape(metrics_server)

    def moved(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    template = {"method": "GET", "route": "/resources/{resource_id}"}
    assert moved("pragma_http_requests_total", **template, status="404") == 2
    assert moved("pragma_http_request_duration_seconds_count", **template) == 2
    assert moved("pragma_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert moved("pragma_http_requests_total", method="other", route="/health", status="405") == 1
    assert not any(name.lower() in label.lower() for _, labels in after for pair in labels for label in pair)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Bearer {METRICS_TOKEN}x", METRICS_TOKEN, f"Bearer {BOOTSTRAP_TOKEN}"],
    ids=["none", "wrong", "longer", "not-bearer", "api-token"],
)
def test_a_metrics_token_refuses_scrapes_without_it(
    metrics_server: RunningServer, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    refused = httpx.get(f"{metrics_server.url}/metrics", headers=headers, timeout=30)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert "PRAGMA_METRICS_TOKEN" in refused.json()["detail"]["message"]
    assert METRICS_TOKEN not in refused.text


def test_the_metrics_token_opens_the_scrape(metrics_server: RunningServer) -> None:
    samples = scrape(metrics_server)
    assert value(samples, "pragma_http_requests_total", method="GET", route="/health", status="200") >= 1


def test_metrics_are_open_without_a_metrics_token(server: RunningServer) -> None:
    response = httpx.get(f"{server.url}/metrics", timeout=30)
    assert response.status_code == 200
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"pragma_http_requests", "pragma_resources", "pragma_queue_depth", "pragma_reconcile"} <= families


def test_builds_and_rollouts_are_timed(
    server: RunningServer, client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    before = scrape(server, token=None)
    broken = pushed(
        client, provider_name, widget_project(tmp_path / "broken", provider_name, module="import nowhere\n")
    )
    assert broken.status == BuildStatus.FAILED
    built = pushed(client, provider_name, widget_project(tmp_path / "fine", provider_name))
    assert built.status == BuildStatus.SUCCESS, built.error_message
    assert deployed(client, provider_name).status == DeploymentStatus.AVAILABLE
    after = scrape(server, token=None)
    # The deployed release's worker polls under an id that names its version.
    wait_for(
        lambda: (
            value(scrape(server, token=None), "pragma_workers", provider=provider_name, version=built.version)
            == 1
        ),
        "the deployed worker to be counted under its version",
    )

    def moved(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    assert moved("pragma_build_duration_seconds_count", result="failure") == 1
    assert moved("pragma_build_duration_seconds_count", result="success") == 1
    assert moved("pragma_build_duration_seconds_sum", result="success") > 0
    assert moved("pragma_deploy_duration_seconds_count", result="success") == 1
    client.delete_provider(provider_name, cascade=True)
