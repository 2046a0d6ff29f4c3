"""Live progress of resources, driven by the server's watch stream (never by polling).

``wait_for`` follows applied resources until each is ready or failed, or deleted ones until
they are gone. On a terminal it shows a live table with spinners; otherwise it prints a line
per state change, which reads well in CI logs.

A resource is ready once the generation that was applied has been processed *and* every
followed resource it refers to has ended: when a dependency succeeds, the engine queues an
update of each dependent whose inputs changed in the same commit, so the dependent is read
again then (``Tracker.released``), rather than trusted from its state before that commit.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
from rich.console import Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.text import Text

from pragma_cli.errors import CliError
from pragma_cli.failures import retry_text
from pragma_cli.output import new_table, squeeze, state_label
from pragma_cli.references import document_path, references
from pragma_cli.state import CliState
from pragma_sdk.client import AsyncPragmaClient, WatchEvent

Changed = Callable[["Followed"], None]


class Goal(StrEnum):
    """What the resources being followed should reach."""

    READY = "ready"
    GONE = "gone"


class Outcome(StrEnum):
    """How a followed resource ended."""

    READY = "ready"
    FAILED = "failed"
    GONE = "gone"


@dataclass
class Followed:
    """One resource being followed: its latest document, or that it is gone."""

    path: str
    document: dict[str, Any]
    started: float
    generation: int = 0
    gone: bool = False
    finished: float | None = None
    # Followed dependencies (id to path) still on their way: their success may update this one.
    holds: dict[str, str] = field(default_factory=dict)
    # Its dependencies ended since its document was read: read it again before judging it.
    stale: bool = False

    def outcome(self, goal: Goal) -> Outcome | None:
        """How it ended, or None while it has not reached an end yet."""
        if self.gone:
            return Outcome.GONE
        state = self.document.get("lifecycle_state")
        if state == "failed" and (goal is Goal.READY or self.document.get("deleting")):
            # Waiting for a deletion, only a failure of the deletion itself counts.
            return Outcome.FAILED
        processed = int(self.document.get("observed_generation") or 0) >= self.generation
        settled = not self.holds and not self.stale
        ready = state == "ready" and processed and settled
        if goal is Goal.READY and ready and not self.document.get("deleting"):
            # An earlier version finishing while the applied change waits its turn is not it.
            return Outcome.READY
        return None

    def elapsed(self) -> float:
        """Seconds since the wait began, frozen once it ended."""
        return (self.finished or time.monotonic()) - self.started

    def detail(self) -> str:
        """The error, what it waits on, what the server says of it (no worker), or nothing."""
        if self.gone:
            return "deleted"
        retrying = retry_text(self.document)
        if self.document.get("error"):
            error = str(self.document["error"])
            return f"{error} ({retrying})" if retrying else error
        waiting = self.document.get("waiting_on") or []
        said = [f"waiting on {', '.join(map(str, waiting))}"] if waiting else []
        if not waiting and self.holds and self.document.get("lifecycle_state") == "ready":
            said.append(f"may be updated: waiting for {', '.join(self.holds.values())}")
        if self.document.get("message"):
            said.append(str(self.document["message"]))
        return "; ".join(said) or retrying


@dataclass
class Tracker:
    """Resources followed toward ``goal``, updated from watch events."""

    goal: Goal
    followed: dict[str, Followed] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: list[dict[str, Any]], goal: Goal) -> Tracker:
        """Follow ``documents`` (as the API returned them) toward ``goal``."""
        now = time.monotonic()
        tracker = cls(goal)
        for document in documents:
            generation = int(document.get("generation") or 0) if goal is Goal.READY else 0
            tracker.followed[str(document["id"])] = Followed(
                document_path(document), dict(document), now, generation
            )
        if goal is Goal.READY:  # a deletion has only just been asked for: nothing has ended yet
            for identifier, item in tracker.followed.items():
                item.holds = {
                    target: path
                    for target, path in references(item.document).items()
                    if target != identifier and target in tracker.followed
                }
            # What waits on nothing unfinished has ended if its state says so, which frees what
            # waited only on it: repeat until nothing more ends.
            progressed = True
            while progressed:
                progressed = False
                for item in tracker.followed.values():
                    if item.finished is None and item.outcome(goal) is not None:
                        item.finished = now
                        tracker._release(item, stale=False)  # all read after the apply
                        progressed = True
        return tracker

    def _release(self, ended: Followed, *, stale: bool = True) -> list[Followed]:
        """Stop holding the followed resources that wait for ``ended``; returns those now free
        (to be read again when ``stale``)."""
        identifier = next(key for key, item in self.followed.items() if item is ended)
        freed = []
        for item in self.followed.values():
            if item.holds.pop(identifier, None) is not None and not item.holds:
                item.stale = stale
                freed.append(item)
        return freed

    def released(self, ended: Followed) -> list[Followed]:
        """The followed resources ``ended`` held back and that wait for nothing else now: read
        each again (``refresh``) before judging it."""
        return self._release(ended) if ended.finished is not None else []

    def refresh(self, item: Followed, document: dict[str, Any] | None) -> None:
        """Take the document of ``item`` read again (``None``: it is gone)."""
        item.stale = False
        if document is None:
            item.gone = True
        else:
            item.document = dict(document)
        if item.outcome(self.goal) is not None:
            item.finished = time.monotonic()

    def update(self, event: WatchEvent) -> Followed | None:
        """Take one watch event; returns the followed resource whose state it changed."""
        item = self.followed.get(str(event.data.get("id")))
        if item is None or item.finished is not None:
            return None
        before = (state_label(item.document).plain, item.gone, item.detail())
        if event.event == "deleted":
            item.gone = True
        elif event.event == "resource":
            item.document = dict(event.data)
        else:
            return None
        if item.outcome(self.goal) is not None:
            item.finished = time.monotonic()
        return item if (state_label(item.document).plain, item.gone, item.detail()) != before else None

    @property
    def done(self) -> bool:
        """Whether every followed resource reached an end."""
        return all(item.finished is not None for item in self.followed.values())

    def ended(self, outcome: Outcome) -> list[Followed]:
        """The followed resources that ended with ``outcome``."""
        return [item for item in self.followed.values() if item.outcome(self.goal) is outcome]

    def unfinished(self) -> list[Followed]:
        """The followed resources still on their way."""
        return [item for item in self.followed.values() if item.finished is None]

    def filters(self) -> dict[str, str]:
        """The narrowest watch filters that still match every followed resource."""
        documents = [item.document for item in self.followed.values()]
        filters: dict[str, str] = {}
        for key in ("provider", "resource", "name"):
            values = {str(document.get(key)) for document in documents}
            if len(values) != 1:
                break
            filters[key] = values.pop()
        return filters

    def render(self) -> RenderableType:
        """The live table: a spinner or a mark, the resource, its state, time, detail."""
        table = new_table("", "RESOURCE", "STATE", "TIME", "DETAIL")
        squeeze(table, 4)
        for item in self.followed.values():
            outcome = item.outcome(self.goal)
            if outcome is None:
                mark: RenderableType = Spinner("dots", style="cyan")
            elif outcome is Outcome.FAILED or (outcome is Outcome.GONE and self.goal is Goal.READY):
                mark = Text("✗", style="bold red")
            else:
                mark = Text("✓", style="green")
            label = Text("[GONE]", style="dim") if item.gone else state_label(item.document)
            table.add_row(mark, item.path, label, f"{item.elapsed():.0f}s", item.detail())
        ready = len(self.ended(Outcome.READY if self.goal is Goal.READY else Outcome.GONE))
        failed = len(self.followed) - ready - len(self.unfinished())
        verb = "ready" if self.goal is Goal.READY else "deleted"
        heading = Text.assemble(
            (f"Waiting for {len(self.followed)} resource(s): ", "bold"),
            (f"{ready} {verb}", "green"),
            ", ",
            (f"{failed} failed", "red" if failed else ""),
            f", {len(self.unfinished())} to go (Ctrl-C stops waiting)",
        )
        return Group(heading, table)


async def _follow(state: CliState, tracker: Tracker, replay: bool, changed: Changed) -> None:
    async with state.async_client() as client:
        watching = asyncio.ensure_future(_watch(client, tracker, replay, changed))
        unserved = asyncio.ensure_future(_fail_when_unserved(client, tracker, _worker_grace()))
        try:
            done, _ = await asyncio.wait({watching, unserved}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watching, unserved):
                task.cancel()
            await asyncio.gather(watching, unserved, return_exceptions=True)
        for task in done:
            task.result()


async def _watch(client: AsyncPragmaClient, tracker: Tracker, replay: bool, changed: Changed) -> None:
    events = client.watch_resources(**tracker.filters(), snapshot=True, last_event_id="0" if replay else None)
    async for event in events:
        if (item := tracker.update(event)) is not None:
            changed(item)
            await _read_released(client, tracker, item, changed)
        if tracker.done:
            return


WORKER_GRACE_VARIABLE = "PRAGMA_WORKER_GRACE_SECONDS"
_WORKER_GRACE_SECONDS = 15.0


def _worker_grace() -> float:
    """How long ``--wait`` gives a provider's worker to connect (``PRAGMA_WORKER_GRACE_SECONDS``)."""
    try:
        return max(float(os.environ.get(WORKER_GRACE_VARIABLE, _WORKER_GRACE_SECONDS)), 0.0)
    except ValueError:
        return _WORKER_GRACE_SECONDS


async def _fail_when_unserved(client: AsyncPragmaClient, tracker: Tracker, grace: float) -> None:
    """Raise once a followed resource still says, ``grace`` seconds on, that no worker of its
    provider has connected (read again then: a worker may have connected without the resource
    changing yet); returns only when the tracker is done."""
    while not tracker.done:
        await asyncio.sleep(grace)
        unserved = []
        for item in tracker.unfinished():
            if not item.document.get("message") or item.gone:
                continue
            document = item.document
            try:
                current = await client.get_resource(
                    str(document["provider"]), str(document["resource"]), str(document["name"])
                )
            except httpx.HTTPStatusError:
                continue  # deleted meanwhile: the watch reports it
            if isinstance(current, dict) and current.get("message"):
                item.document = current
                unserved.append(item)
        if unserved:
            raise CliError(
                f"{', '.join(item.path for item in unserved)} still pending after {grace:g} s: "
                f"{unserved[0].document['message']}",
                "The resources stay applied and are processed once a worker of their provider "
                "connects; follow them with 'pragma resources watch'",
            )


async def _read_released(
    client: AsyncPragmaClient, tracker: Tracker, ended: Followed, changed: Changed
) -> None:
    """Read again what ``ended`` held back: the commit that ended it queued their updates."""
    freed = tracker.released(ended)
    while freed:
        item = freed.pop()
        document = item.document
        try:
            fresh = await client.get_resource(
                str(document["provider"]), str(document["resource"]), str(document["name"])
            )
        except httpx.HTTPStatusError as error:
            if error.response.status_code != 404:
                raise
            fresh = None
        tracker.refresh(item, fresh if isinstance(fresh, dict) or fresh is None else None)
        changed(item)
        freed += tracker.released(item)


def _line(item: Followed) -> str:
    label = "[GONE]" if item.gone else state_label(item.document).plain
    detail = item.detail()
    return f"{item.path} {label}" + (f" {detail}" if detail and not item.gone else "")


def wait_for(
    state: CliState,
    documents: list[dict[str, Any]],
    goal: Goal,
    timeout: float | None,
    *,
    replay: bool = False,
) -> Tracker:
    """Follow ``documents`` until each reaches ``goal`` or fails; returns the tracker.

    Args:
        state: The run's options (for the client and consoles).
        documents: The resources as the API returned them.
        goal: Ready (after an apply) or gone (after a delete).
        timeout: Give up after this many seconds; None waits as long as it takes.
        replay: Start the stream at the beginning of the server's change feed instead of a
            snapshot, so a deletion that finished before the stream opened is still seen.

    Raises:
        CliError: The timeout passed first.
    """
    tracker = Tracker.of(documents, goal)
    if tracker.done:
        return tracker
    console = state.err

    async def run(changed: Changed) -> None:
        async with asyncio.timeout(timeout):
            await _follow(state, tracker, replay, changed)

    try:
        if console.is_terminal:
            with Live(
                get_renderable=tracker.render, console=console, refresh_per_second=8, transient=True
            ) as live:
                live.refresh()
                asyncio.run(run(lambda item: None))
        else:
            for item in tracker.followed.values():
                console.print(escape(_line(item)), soft_wrap=True)
            asyncio.run(run(lambda item: console.print(escape(_line(item)), soft_wrap=True)))
    except KeyboardInterrupt:
        console.print(
            "Stopped waiting; the platform goes on with them ('pragma resources watch' follows them)."
        )
        raise
    except TimeoutError as error:
        waiting = ", ".join(
            f"{item.path} ({state_label(item.document).plain})" for item in tracker.unfinished()
        )
        raise CliError(
            f"gave up waiting after {timeout:g} s for {waiting}",
            "The platform goes on with them; follow them with 'pragma resources watch'",
        ) from error
    return tracker
