"""Counters and histograms kept as plain numbers, for the paths every request and every
transition takes.

``prometheus_client``'s own metrics take a lock per value and walk the buckets in Python on
every observation (about 5,000 and 10,000 instructions); these cost a dict lookup and an
addition (a ``bisect`` for a histogram). They are only ever changed on the event loop's thread,
so they need no lock. They are collectors of ``prometheus_client``'s registry: the scrape
reads them as families of the same names, labels and buckets a ``Counter`` or ``Histogram``
would expose.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString


class CounterSeries:
    """One series of a counter."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


class HistogramSeries:
    """One series of a histogram: a count per bucket (the last one past every bound) and the sum."""

    __slots__ = ("_bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self._bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, amount: float) -> None:
        # The first bound at or above the value: the bucket "le" that bound.
        self.counts[bisect_left(self._bounds, amount)] += 1
        self.total += amount


class CounterFamily:
    """A counter's series by label values (``name`` without ``_total``, as for ``Counter``)."""

    def __init__(
        self, name: str, documentation: str, labels: Sequence[str], registry: CollectorRegistry
    ) -> None:
        self._name, self._documentation, self._labels = name, documentation, list(labels)
        self._series: dict[tuple[str, ...], CounterSeries] = {}
        registry.register(self)

    def __call__(self, *values: str) -> CounterSeries:
        """The series of these label values, in the family's label order."""
        series = self._series.get(values)
        if series is None:
            series = self._series[values] = CounterSeries()
        return series

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labels)
        for values, series in list(self._series.items()):
            family.add_metric(list(values), series.value)
        yield family


class HistogramFamily:
    """A histogram's series by label values, with the bucket bounds of every series."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str],
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self._name, self._documentation, self._labels = name, documentation, list(labels)
        self._bounds = tuple(sorted(buckets))
        self._le = [floatToGoString(bound) for bound in self._bounds] + ["+Inf"]  # type: ignore[no-untyped-call]
        self._series: dict[tuple[str, ...], HistogramSeries] = {}
        registry.register(self)

    def __call__(self, *values: str) -> HistogramSeries:
        """The series of these label values, in the family's label order."""
        series = self._series.get(values)
        if series is None:
            series = self._series[values] = HistogramSeries(self._bounds)
        return series

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self._name, self._documentation, labels=self._labels)
        for values, series in list(self._series.items()):
            cumulative, buckets = 0, []
            for le, count in zip(self._le, list(series.counts), strict=True):
                cumulative += count
                buckets.append((le, float(cumulative)))
            family.add_metric(list(values), buckets, series.total)
        yield family
