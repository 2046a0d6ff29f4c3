"""The server's Prometheus metrics: their one definition (names, help, labels, buckets).

Counters and histograms count what this process saw (kept as plain numbers,
``observability/families.py``, without ``*_created`` series); what the database knows (resources by
state, the queue, dead letters, workers) is read at scrape time by ``services/metrics.py``
and is the same on every replica. Label values are provider and resource type names, states,
event types and route templates, never resource names or config values, so that the number of
series stays bounded. ``docs/metrics.md`` lists them for users.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from pragma_os.observability.families import CounterFamily, HistogramFamily

REGISTRY = CollectorRegistry()
"""This process's metrics (the library's global registry is left alone)."""

ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# Handlers, builds and time to ready run from milliseconds to many minutes.
_LONG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
_BUILD_BUCKETS = (1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800)
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

reconciles = CounterFamily(
    "pragma_reconcile",
    "Results of provider handlers taken by this replica: result is success, retry (failed, retried "
    "after a backoff) or failure (failed for good, dead letter).",
    ["provider", "resource", "event", "result"],
    registry=REGISTRY,
)
reconcile_seconds = HistogramFamily(
    "pragma_reconcile_duration_seconds",
    "From an event's lease to its handler's result, for leases and results this replica saw.",
    ["provider", "resource", "event"],
    buckets=_LONG_BUCKETS,
    registry=REGISTRY,
)
queue_wait_seconds = HistogramFamily(
    "pragma_queue_wait_seconds",
    "From an event being due (queued, or its backoff over) to a worker leasing it.",
    ["provider"],
    buckets=_LONG_BUCKETS,
    registry=REGISTRY,
)
retries = CounterFamily(
    "pragma_retries",
    "Failed attempts (handler errors and expired leases) put back in the queue for another try.",
    ["provider"],
    registry=REGISTRY,
)
time_to_ready_seconds = HistogramFamily(
    "pragma_time_to_ready_seconds",
    "From an apply that needs processing to the resource being ready, both seen by this replica.",
    ["provider", "resource"],
    buckets=_LONG_BUCKETS,
    registry=REGISTRY,
)
deletion_seconds = HistogramFamily(
    "pragma_deletion_seconds",
    "From a delete request to the resource being gone, both seen by this replica.",
    ["provider", "resource"],
    buckets=_LONG_BUCKETS,
    registry=REGISTRY,
)
build_seconds = HistogramFamily(
    "pragma_build_duration_seconds",
    "Builds of pushed provider code run by this replica, by result (success or failure).",
    ["result"],
    buckets=_BUILD_BUCKETS,
    registry=REGISTRY,
)
deploy_seconds = HistogramFamily(
    "pragma_deploy_duration_seconds",
    "Rollouts of provider versions run by this replica, until healthy or failed, by result.",
    ["result"],
    buckets=_BUILD_BUCKETS,
    registry=REGISTRY,
)
http_requests = CounterFamily(
    "pragma_http_requests",
    "HTTP requests answered, by method, route template (/resources/{provider}/..., never the "
    "raw path) and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
http_seconds = HistogramFamily(
    "pragma_http_request_duration_seconds",
    "Time to answer an HTTP request in full (streams count until they end), by route template.",
    ["method", "route"],
    buckets=_HTTP_BUCKETS,
    registry=REGISTRY,
)
