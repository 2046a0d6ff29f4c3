"""A provider for the property-based engine test: every handler call is recorded.

``proptest/node`` echoes its config into its outputs and can fail on purpose. Each call
appends a ``start`` and an ``end`` line (JSON) to ``$HOME/proptest-calls.jsonl``: the worker
runs with a scrubbed environment that keeps ``HOME`` (the server's own), so the file lands
in the home directory the test gave the server. Lines carry ``time.monotonic()`` (one clock
for every process of the machine), the event and what the handler was given.

Failures count calls, not attempts, so that a retried dead letter gets a fresh chance: the
first ``fail_calls`` calls for one ``(name, value)`` fail, with ``ValueError`` (permanent)
when ``permanent`` is set and ``RuntimeError`` (retried) otherwise. ``DELETE`` never fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from pragma_sdk import Config, Outputs, Provider, Resource
from pragma_sdk.provider import current_scope

RECORD_FILE = "proptest-calls.jsonl"

proptest = Provider(name="proptest")

_calls: dict[tuple[str, str], int] | None = None


def record_path() -> Path:
    """Where the calls are recorded: the worker's home directory (the server's)."""
    return Path.home() / RECORD_FILE


def _record(line: dict[str, Any]) -> None:
    with record_path().open("a", encoding="utf-8") as out:
        out.write(json.dumps({**line, "pid": os.getpid()}, sort_keys=True) + "\n")


def _count_call(name: str, value: str) -> int:
    """The number of this call among the CREATE/UPDATE calls for ``(name, value)``, from 1.

    Counted in memory, seeded from the file, so a restarted worker keeps counting.
    """
    global _calls
    if _calls is None:
        _calls = {}
        path = record_path()
        if path.exists():
            for text in path.read_text(encoding="utf-8").splitlines():
                try:
                    line = json.loads(text)
                except ValueError:
                    continue
                if line.get("phase") == "start" and line.get("event_type") != "DELETE":
                    key = (line["name"], line["value"])
                    _calls[key] = _calls.get(key, 0) + 1
    key = (name, value)
    _calls[key] = _calls.get(key, 0) + 1
    return _calls[key]


class NodeConfig(Config):
    value: str
    inputs: dict[str, Any] = {}  # field references to other nodes' outputs.value, resolved
    uses: dict[str, Any] = {}  # whole-resource dependency markers, kept as sent
    after: list[str] = []  # names also listed in the apply's `dependencies` (ordering only)
    fail_calls: int = 0
    permanent: bool = False
    sleep: float = 0.0


class NodeOutputs(Outputs):
    value: str
    inputs: dict[str, Any] = {}


@proptest.resource("node")
class Node(Resource[NodeConfig, NodeOutputs]):
    """Records each call, sleeps a little, fails as configured, echoes its config."""

    async def on_create(self) -> NodeOutputs:
        return await self._handle()

    async def on_update(self, previous_config: NodeConfig) -> NodeOutputs:
        return await self._handle()

    async def on_delete(self) -> None:
        await self._handle()

    async def _handle(self) -> NodeOutputs:
        event = current_scope("proptest").event
        kind = event.event_type.value
        call = 0 if kind == "DELETE" else _count_call(self.name, self.config.value)
        used = {
            dependency_id: {
                "name": document.get("name"),
                "lifecycle_state": document.get("lifecycle_state"),
                "deleting": document.get("deleting"),
                "outputs": document.get("outputs"),
            }
            for dependency_id, document in event.resolved_dependencies.items()
        }
        base = {"name": self.name, "event_id": event.event_id, "attempt": event.attempt, "event_type": kind}
        _record(
            {
                **base,
                "phase": "start",
                "t": time.monotonic(),
                "value": self.config.value,
                "inputs": self.config.inputs,
                "uses": sorted(self.config.uses),
                "after": self.config.after,
                "used": used,
                "call": call,
            }
        )
        outcome, error = "ok", None
        try:
            if self.config.sleep:
                await asyncio.sleep(self.config.sleep)
            if kind != "DELETE" and call <= self.config.fail_calls:
                if self.config.permanent:
                    raise ValueError(f"{self.name} fails for good on call {call}")
                raise RuntimeError(f"{self.name} fails on call {call}")
        except Exception as exc:
            outcome, error = "fail", f"{type(exc).__name__}: {exc}"
            raise
        except BaseException:
            outcome = "cancelled"
            raise
        finally:
            _record({**base, "phase": "end", "t": time.monotonic(), "outcome": outcome, "error": error})
        return NodeOutputs(value=self.config.value, inputs=self.config.inputs)
