"""The worker never runs more handlers than its concurrency, though a poll and a report that
asks to lease are out side by side: against a fake server that hands each of them as many
events as it asks for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count

from pragma_sdk import Config, Outputs, Provider, Resource
from pragma_sdk.provider import (
    CompleteRequest,
    CompleteResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeasedEvent,
    LeaseRequest,
    LeaseResponse,
)
from pragma_sdk.worker import Worker

CONCURRENCY = 3
slots = Provider(name="slots")
running = 0
most_running = 0


class NapConfig(Config):
    seconds: float


class NapOutputs(Outputs):
    done: bool


@slots.resource("nap")
class Nap(Resource[NapConfig, NapOutputs]):
    async def on_create(self) -> NapOutputs:
        global running, most_running
        running += 1
        most_running = max(most_running, running)
        try:
            await asyncio.sleep(self.config.seconds)
        finally:
            running -= 1
        return NapOutputs(done=True)


class Greedy:
    """Hands out naps, half of them instant, to every poll and report, as many as asked for."""

    base_url = "fake://server"

    def __init__(self, total: int) -> None:
        self.left = total
        self.numbers = count()
        self.results: list[str] = []
        self.reports_that_leased = 0
        self.all_reported = asyncio.Event()
        self.total = total

    def _events(self, wanted: int) -> list[LeasedEvent]:
        taken = min(wanted, self.left)
        self.left -= taken
        until = datetime.now(UTC) + timedelta(seconds=30)
        events = []
        for _ in range(taken):
            number = next(self.numbers)
            events.append(
                LeasedEvent(
                    event_id=f"evt_{number}",
                    event_type="CREATE",
                    provider="slots",
                    resource="nap",
                    name=f"n{number}",
                    config={"seconds": 0.0 if number % 2 else 0.02},
                    lease_expires_at=until,
                )
            )
        return events

    async def lease_events(self, request: LeaseRequest) -> LeaseResponse:
        await asyncio.sleep(0.005)
        return LeaseResponse(events=self._events(request.max_events), lease_seconds=30)

    async def complete_events(self, request: CompleteRequest) -> CompleteResponse:
        await asyncio.sleep(0.001)
        self.results += [result.event_id for result in request.results]
        if len(self.results) >= self.total:
            self.all_reported.set()
        events = self._events(request.lease.max_events) if request.lease else []
        self.reports_that_leased += bool(events)
        return CompleteResponse(accepted=[r.event_id for r in request.results], rejected=[], events=events)

    async def heartbeat_events(self, request: HeartbeatRequest) -> HeartbeatResponse:
        return HeartbeatResponse(held=request.event_ids, lost=[])


async def test_a_poll_and_a_leasing_report_together_stay_within_the_concurrency() -> None:
    server = Greedy(total=200)
    worker = Worker([slots], server, concurrency=CONCURRENCY, wait_seconds=0.01)  # type: ignore[arg-type]
    stop = asyncio.Event()
    serving = asyncio.create_task(worker.run(stop))
    async with asyncio.timeout(30):
        await server.all_reported.wait()
    stop.set()
    await serving
    assert sorted(server.results) == sorted(f"evt_{number}" for number in range(200))
    assert server.reports_that_leased > 0  # reports did bring work back
    assert most_running <= CONCURRENCY
