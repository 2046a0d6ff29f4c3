"""A provider for engine tests: handlers whose behaviour the config controls.

``testkit/item`` can fail a number of attempts (transiently or for good), sleep, echo a
value taken from another resource (and fail on some echoed values), and return a value the
platform cannot store, and make a span of its own;
``testkit/parent`` creates an owned ``item`` subresource and waits for it; ``testkit/wrong``
returns something that is not its Outputs; ``testkit/echo`` returns the strings it was
given, and a digest proving what they were.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from datetime import UTC, datetime

from pragma_sdk import Config, Field, LogEntry, Outputs, Provider, Resource, ResourceHealth
from pragma_sdk.provider import current_scope

testkit = Provider(name="testkit")


class ItemConfig(Config):
    value: str = ""
    echo: Field[str] | None = None
    fail_attempts: int = 0
    permanent: bool = False
    sleep: float = 0.0
    hang: bool = False
    fail_until: float = 0.0  # a Unix time: until then, every attempt fails
    nul_in_output: bool = False  # end the output value with NUL, which the platform refuses
    fail_on_echo: str = ""  # fail (for good with permanent) when the echoed value starts with this
    fail_depth: int = 0  # fail for good that many calls deep (a long traceback)
    log: str = ""  # a line the handlers log (INFO, logger "testkit") first; on_delete adds " (deleting)"
    span: str = ""  # a span the handler makes through OpenTelemetry's global API, first of all


class ItemOutputs(Outputs):
    value: str
    echo: str | None = None
    attempt: int


@testkit.resource("item")
class Item(Resource[ItemConfig, ItemOutputs]):
    """An item whose handler does what its config says."""

    async def on_create(self) -> ItemOutputs:
        attempt = current_scope("on_create").event.attempt
        if self.config.span:
            from opentelemetry import trace

            with trace.get_tracer("testkit").start_as_current_span(self.config.span):
                pass
        if self.config.log:
            logging.getLogger("testkit").info(self.config.log)
        if self.config.hang:
            await asyncio.Event().wait()
        if self.config.sleep:
            await asyncio.sleep(self.config.sleep)
        if attempt <= self.config.fail_attempts or time.time() < self.config.fail_until:
            if self.config.permanent:
                raise ValueError(f"bad item on attempt {attempt}")
            raise RuntimeError(f"transient failure on attempt {attempt}")
        echo = self.config.echo if isinstance(self.config.echo, str) else None
        if self.config.fail_depth:
            _dive(self.config.fail_depth)
        if self.config.fail_on_echo and (echo or "").startswith(self.config.fail_on_echo):
            _refuse(echo or "", permanent=self.config.permanent)
        value = self.config.value + ("\x00" if self.config.nul_in_output else "")
        return ItemOutputs(value=value, echo=echo, attempt=attempt)

    async def on_update(self, previous_config: ItemConfig) -> ItemOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        if self.config.log:
            logging.getLogger("testkit").info("%s (deleting)", self.config.log)

    async def health(self) -> ResourceHealth:
        if self.config.value == "sick":
            raise RuntimeError("cannot reach the item")
        return ResourceHealth(status="healthy", message=f"value is {self.config.value}")

    async def logs(self, since: datetime | None = None, tail: int = 100) -> list[LogEntry]:
        lines = [
            LogEntry(timestamp=datetime(2026, 1, 1, tzinfo=UTC), level="info", message=f"line {n}")
            for n in range(5)
        ]
        if self.config.value == "chatty":  # a new line each time it is asked, for following
            lines.append(LogEntry(timestamp=datetime.now(UTC), level="info", message="still here"))
        return [line for line in lines if since is None or line.timestamp > since][-tail:]


def _refuse(echo: str, *, permanent: bool) -> None:
    """A frame of its own, so that tracebacks show more than the handler."""
    if permanent:
        raise ValueError(f"refusing echo {echo!r}")
    raise RuntimeError(f"refusing echo {echo!r}")


def _dive(depth: int) -> None:
    if depth == 0:
        raise ValueError("gave up at depth 0")
    _dive_further(depth)


def _dive_further(depth: int) -> None:
    # Two functions calling each other: Python collapses a frame repeated as it is.
    _dive(depth - 1)


class ParentConfig(Config):
    child_value: str = "child"


class ParentOutputs(Outputs):
    child_value: str


@testkit.resource("parent")
class Parent(Resource[ParentConfig, ParentOutputs]):
    """Creates an owned item and waits for it to be ready."""

    async def on_create(self) -> ParentOutputs:
        child = Item(name=f"{self.name}-child", config=ItemConfig(value=self.config.child_value))
        await child.apply()
        await child.wait_ready(timeout=20)
        assert child.outputs is not None
        return ParentOutputs(child_value=child.outputs.value)

    async def on_update(self, previous_config: ParentConfig) -> ParentOutputs:
        return await self.on_create()


class WrongConfig(Config):
    returns: str = "string"  # "string", "dict" (missing fields) or "none"


class WrongOutputs(Outputs):
    value: str


@testkit.resource("wrong")
class Wrong(Resource[WrongConfig, WrongOutputs]):
    """A buggy handler: returns something that is not its Outputs."""

    async def on_create(self) -> WrongOutputs:
        returned: object = {"string": "not outputs", "dict": {"unexpected": 1}, "none": None}[
            self.config.returns
        ]
        return returned  # type: ignore[return-value]

    async def on_update(self, previous_config: WrongConfig) -> WrongOutputs:
        return await self.on_create()


class EchoConfig(Config):
    text: str = ""
    items: list[str] = []
    fields: dict[str, str] = {}
    fail: bool = False


class EchoOutputs(Outputs):
    text: str
    parts: list[str]  # ``text`` split at each "-"
    items: list[str]
    fields: dict[str, str]
    digest: str  # of everything it was given: shows what it got without showing it
    handler: str


def echo_digest(text: str, items: list[str], fields: dict[str, str]) -> str:
    """What ``testkit/echo`` reports about the strings it was given."""
    given = json.dumps([text, items, fields], sort_keys=True)
    return hashlib.sha256(given.encode()).hexdigest()[:16]


@testkit.resource("echo")
class Echo(Resource[EchoConfig, EchoOutputs]):
    """Returns what its config held; asked to fail, fails for good quoting its text and its parts."""

    async def on_create(self) -> EchoOutputs:
        return self._echo("on_create")

    async def on_update(self, previous_config: EchoConfig) -> EchoOutputs:
        return self._echo("on_update")

    def _echo(self, handler: str) -> EchoOutputs:
        config = self.config
        parts = config.text.split("-")
        if config.fail:
            raise ValueError(f"refused {config.text} (parts: {', '.join(parts)})")
        return EchoOutputs(
            text=config.text,
            parts=parts,
            items=config.items,
            fields=config.fields,
            digest=echo_digest(config.text, config.items, config.fields),
            handler=handler,
        )
