"""``GET /metrics``: this process's counters and histograms, with the gauges read from the
database at scrape time (the same on every replica), in Prometheus's text format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from pragma_os.deploy.releases import version_of_worker
from pragma_os.observability.metrics import REGISTRY
from pragma_os.services.presence import WorkerPresence
from pragma_os.store import Database, events
from pragma_os.store import metrics as counts
from pragma_os.store.types import utcnow

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The text format version 0.0.4, which every Prometheus reads."""

_QUEUE_STATES = (events.QUEUED, events.LEASED)
UNKNOWN_VERSION = "unknown"
"""The ``version`` of workers started by hand or for ``--provider-package``."""


@dataclass(frozen=True)
class _Scrape:
    """The registry's metrics followed by the gauges read for one scrape."""

    gauges: Sequence[Metric]

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        yield from self.gauges


async def scrape(database: Database, presence: WorkerPresence) -> bytes:
    """Every metric, as Prometheus's text format."""
    async with database.reading() as connection:
        resources = await counts.resources_by_state(connection)
        queue = await counts.events_by_status(connection)
        letters = await counts.dead_letters_by_provider(connection)
        workers = await counts.present_workers(connection, utcnow())
    providers = sorted({row[0] for row in resources} | {row[0] for row in queue})
    gauges = [
        _gauge(
            "pragma_resources",
            "Resources stored, by provider, resource type and lifecycle state.",
            ["provider", "resource", "state"],
            ((row[:3], row[3]) for row in resources),
        ),
        _gauge(
            "pragma_queue_depth",
            "Events in the queue: queued (waiting for a worker, or for their dependencies or "
            "backoff) and leased (in a worker's hands).",
            ["provider", "state"],
            _with_zeros(providers, queue),
        ),
        _gauge(
            "pragma_dead_letters",
            "Dead letters kept (events that failed for good), by provider.",
            ["provider"],
            (((row[0],), row[1]) for row in letters),
        ),
        _gauge(
            "pragma_workers",
            "Workers polling for a provider now, on any replica, by the version they run "
            f"({UNKNOWN_VERSION!r} for workers that are no deployed release's).",
            ["provider", "version"],
            _by_version(workers),
        ),
        _gauge(
            "pragma_worker_last_poll_age_seconds",
            "Seconds since a worker of the provider last polled this replica.",
            ["provider"],
            (((provider,), age) for provider, age in sorted(presence.last_polls().items())),
        ),
    ]
    return generate_latest(_Scrape(gauges))


def _by_version(workers: Iterable[tuple[str, str]]) -> Iterator[tuple[tuple[str, ...], float]]:
    """How many of the ``(provider, worker id)`` workers run each version of each provider."""
    counted = Counter(
        (provider, version_of_worker(worker_id) or UNKNOWN_VERSION) for provider, worker_id in workers
    )
    yield from sorted(counted.items())


def _with_zeros(
    providers: Iterable[str], queue: Iterable[tuple[str, str, int]]
) -> Iterator[tuple[tuple[str, ...], float]]:
    """The queue's counts, with 0 for each state of a provider with resources and no such events."""
    depth = {(provider, state): 0 for provider in providers for state in _QUEUE_STATES}
    for provider, state, count in queue:
        depth[(provider, state)] = count
    for key, count in sorted(depth.items()):
        yield key, count


def _gauge(
    name: str, documentation: str, labels: list[str], samples: Iterable[tuple[tuple[str, ...], float]]
) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=labels)
    for values, value in samples:
        gauge.add_metric(list(values), value)
    return gauge
