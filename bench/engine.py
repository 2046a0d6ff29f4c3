"""Lifecycle engine benchmark: apply → ready throughput and latency, parallel slow handlers,
propagation through a chain and a fan-out. Prints what it measured.

    .venv/bin/python bench/engine.py                 # the full run (10k resources, ...)
    .venv/bin/python bench/engine.py --count 2000    # a quicker run

One fresh ``pragma-os serve`` on SQLite runs a worker process for the test provider
``testkit`` (no-op handlers unless told to sleep); this process applies over HTTP and
follows the watch stream to see resources become ready. Everything runs on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import (  # noqa: E402
    CLIENTS,
    Connection,
    connections,
    free_port,
    machine_info,
    percentile,
    stop_process,
    wait_healthy,
    write_json,
)

TOKEN = "prg_bench-engine"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def start_server(root: Path, concurrency: int) -> tuple[subprocess.Popen[bytes], str]:
    """A server with a worker for ``testkit``; returns the process and its URL."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PRAGMA_")}
    env.update(
        HOME=str(root),
        XDG_CONFIG_HOME=str(root / ".config"),
        PYTHONPATH=str(REPOSITORY / "testing" / "providers"),
        PRAGMA_BOOTSTRAP_TOKEN=TOKEN,
        PRAGMA_WORKER_CONCURRENCY=str(concurrency),
    )
    command = [
        sys.executable, "-m", "pragma_os", "serve", "--port", str(port), "--data-dir", str(root / "data"),
        "--no-write-credentials", "--provider-package", "testkit_provider",
    ]  # fmt: skip
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, lambda: log_path.read_text(errors="replace"), 90)
    return process, url


class Tracker:
    """Follows the watch stream and keeps the latest document of every resource."""

    def __init__(self, client: httpx.AsyncClient, provider: str = "testkit") -> None:
        self._client = client
        self._provider = provider
        self.latest: dict[str, dict[str, Any]] = {}
        self.seen_at: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow())
        await self._connected.wait()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()

    async def _follow(self) -> None:
        params = {"provider": self._provider, "snapshot": "false"}
        timeout = httpx.Timeout(10, read=None)
        async with self._client.stream("GET", "/resources/watch", params=params, timeout=timeout) as response:
            data: list[str] = []
            async for line in response.aiter_lines():
                if line.startswith(": watching"):
                    self._connected.set()
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line and data:
                    document = json.loads("".join(data))
                    data = []
                    self.latest[document["id"]] = document
                    self.seen_at[document["id"]] = time.perf_counter()
                    async with self._changed:
                        self._changed.notify_all()

    async def until(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    def ready(self, resource_id: str, **outputs: Any) -> bool:
        document = self.latest.get(resource_id)
        if document is None or document.get("lifecycle_state") != "ready":
            return False
        return all(document["outputs"].get(key) == value for key, value in outputs.items())


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def rid(name: str) -> str:
    return f"resource:testkit_item_{name}"


def ref(name: str, field: str) -> dict[str, str]:
    return {"provider": "testkit", "resource": "item", "name": name, "field": field}


async def apply_all(pool: list[Connection], bodies: list[dict[str, Any]]) -> None:
    """Apply ``bodies``, one request in flight per connection of ``pool``."""
    queue = iter(bodies)

    async def sender(connection: Connection) -> None:
        for body in queue:
            status, _headers, content = await connection.post("/resources/apply", json.dumps(body).encode())
            if status != 200:
                raise RuntimeError(f"apply answered {status}: {content[:200]!r}")

    await asyncio.gather(*(sender(connection) for connection in pool))


async def measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with (
        httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60) as client,
        connections(args.client, url, args.in_flight, token=TOKEN) as pool,
    ):
        tracker = Tracker(client)
        await tracker.start()
        run = uuid.uuid4().hex[:6]

        # 1. Throughput: apply N no-op resources concurrently, until all are ready.
        names = [f"t{run}-{index}" for index in range(args.count)]
        started = time.perf_counter()
        await apply_all(pool, [item(name, value="x") for name in names])
        applied = time.perf_counter() - started
        await tracker.until(lambda: all(tracker.ready(rid(name)) for name in names), 600)
        elapsed = time.perf_counter() - started
        figures["throughput"] = {
            "resources": args.count,
            "apply_seconds": round(applied, 2),
            "ready_seconds": round(elapsed, 2),
            "resources_per_second": round(args.count / elapsed, 1),
        }
        print(f"apply -> ready, {args.count} no-op resources: {args.count / elapsed:.0f}/s "
              f"(all applied in {applied:.1f} s, all ready in {elapsed:.1f} s)", flush=True)  # fmt: skip

        # 2. Latency on an idle system: one at a time, apply sent -> ready seen on the watch.
        latencies = []
        for index in range(args.latency_samples):
            name = f"l{run}-{index}"
            sent = time.perf_counter()
            (await client.post("/resources/apply", json=item(name, value="x"))).raise_for_status()
            await tracker.until(lambda name=name: tracker.ready(rid(name)), 30)
            latencies.append((tracker.seen_at[rid(name)] - sent) * 1000)
        figures["latency_ms"] = {
            "samples": len(latencies),
            "p50": round(percentile(latencies, 50), 1),
            "p99": round(percentile(latencies, 99), 1),
            "mean": round(statistics.fmean(latencies), 1),
        }
        print(f"apply -> ready latency, idle: p50 {figures['latency_ms']['p50']} ms, "
              f"p99 {figures['latency_ms']['p99']} ms ({len(latencies)} samples)", flush=True)  # fmt: skip

        # 3. Parallel slow handlers: N resources whose handler sleeps 1 s.
        sleepers = [f"s{run}-{index}" for index in range(args.sleepers)]
        started = time.perf_counter()
        await apply_all(pool, [item(name, value="x", sleep=1.0) for name in sleepers])
        await tracker.until(lambda: all(tracker.ready(rid(name)) for name in sleepers), 300)
        elapsed = time.perf_counter() - started
        figures["sleepers"] = {
            "resources": args.sleepers,
            "handler_seconds": 1.0,
            "all_ready_seconds": round(elapsed, 2),
        }
        print(f"{args.sleepers} handlers sleeping 1 s each: all ready in {elapsed:.2f} s", flush=True)

        # 4. A change at the root of a chain reaches the leaf.
        chain = [f"c{run}-{index}" for index in range(args.chain)]
        bodies = [item(chain[0], value="v1")] + [
            item(name, echo=ref(chain[index - 1], "outputs.echo" if index > 1 else "outputs.value"))
            for index, name in enumerate(chain[1:], start=1)
        ]
        await apply_all(pool, bodies)
        await tracker.until(lambda: tracker.ready(rid(chain[-1]), echo="v1"), 300)
        started = time.perf_counter()
        (await client.post("/resources/apply", json=item(chain[0], value="v2"))).raise_for_status()
        await tracker.until(lambda: tracker.ready(rid(chain[-1]), echo="v2"), 300)
        elapsed = time.perf_counter() - started
        figures["chain"] = {"depth": args.chain, "root_to_leaf_seconds": round(elapsed, 3)}
        print(f"change through a {args.chain}-deep chain: leaf updated in {elapsed:.3f} s", flush=True)

        # 5. A change fanned out to many dependents.
        root = f"f{run}-root"
        fans = [f"f{run}-{index}" for index in range(args.fan_out)]
        await apply_all(
            pool,
            [item(root, value="v1")] + [item(n, echo=ref(root, "outputs.value")) for n in fans],
        )
        await tracker.until(lambda: all(tracker.ready(rid(n), echo="v1") for n in fans), 300)
        started = time.perf_counter()
        (await client.post("/resources/apply", json=item(root, value="v2"))).raise_for_status()
        await tracker.until(lambda: all(tracker.ready(rid(n), echo="v2") for n in fans), 300)
        elapsed = time.perf_counter() - started
        figures["fan_out"] = {"dependents": args.fan_out, "all_updated_seconds": round(elapsed, 3)}
        print(f"change fanned out to {args.fan_out} dependents: all updated in {elapsed:.3f} s", flush=True)
        await tracker.stop()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="no-op resources for the throughput phase")
    parser.add_argument("--in-flight", type=int, default=64, help="concurrent apply requests")
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--sleepers", type=int, default=1000)
    parser.add_argument("--chain", type=int, default=100)
    parser.add_argument("--fan-out", type=int, default=1000)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw", help="load generator for applies")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pragma-bench-engine-") as directory:
        process, url = start_server(Path(directory), concurrency=max(args.sleepers * 2, 200))
        try:
            figures = asyncio.run(measure(args, url))
        except BaseException:
            log = (Path(directory) / "server.log").read_text(errors="replace")
            print("--- last lines of the server's log ---\n" + "\n".join(log.splitlines()[-40:]))
            print(f"--- server exit code: {process.poll()}")
            raise
        finally:
            stop_process(process)
    payload = {
        "machine": machine_info(args.client),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        **figures,
    }
    print(json.dumps(payload, indent=2))
    write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
