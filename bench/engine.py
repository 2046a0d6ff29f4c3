"""Lifecycle engine benchmark, side by side with a bare FastAPI + SQLite insert endpoint.

    .venv/bin/python bench/engine.py                       # the full run
    .venv/bin/python bench/engine.py --duration 3 --sleepers 0 --fan-out 0 --latency-samples 50

One run measures both, with the same load generators, one after the other:

1. **The bare endpoint** (``bench/bare_fastapi.py``: validate the body, one SQLite insert and
   commit): its insert rate under ``wrk`` (``--connections`` open, ``--duration`` seconds),
   and its round trip one request at a time (``--latency-samples``), whose p50 is the unit
   "bare round trips" below.
2. **The platform**: a fresh ``pragma-os serve`` on SQLite with a worker process of the test
   provider ``testkit`` (no-op handlers unless told to sleep); this process follows the watch
   stream. ``wrk`` drives ``POST /resources/apply`` (same script, same body, same
   connections and duration as for the bare endpoint) while the watch counts the resources
   reaching ``ready``: apply → ready per second, from wrk's start to the last one ready, and
   its ratio to the bare insert rate. Then, one at a time, apply sent → ``ready`` seen on the
   watch (p50, p99, and where the time went: apply answered, ``processing`` and ``ready``
   seen); 1,000 handlers sleeping 1 s; a change through a 100-deep chain (per hop, also in
   bare round trips); a change fanned out to 1,000 dependents.

The throughput load generator is ``wrk`` (C, ``bench/wrk_apply.lua`` gives every request a
name of its own). Install it with ``apt-get install -y wrk`` (Debian, Ubuntu) or
``brew install wrk`` (macOS). One-at-a-time requests use the light HTTP/1.1 client of
``bench/_load.py`` for both servers. The targets (issue 15) are printed beside the figures;
nothing asserts them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _load import (  # noqa: E402
    Connection,
    RawConnection,
    argument_parser,
    connections,
    free_port,
    machine_info,
    percentile,
    process_cpu_seconds,
    self_cpu_seconds,
    start_testkit_server,
    stop_process,
    wait_healthy,
    write_json,
)

TOKEN = "prg_bench-engine"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
WRK_SCRIPT = BENCH / "wrk_apply.lua"
WRK_MISSING = (
    "wrk, the load generator of the throughput phases, is not installed.\n"
    "Install it with `apt-get install -y wrk` (Debian, Ubuntu; as root) or `brew install wrk` (macOS),\n"
    "or point --wrk at its binary."
)
# Issue 15's targets, printed beside the figures (not asserted anywhere).
TARGETS = {
    "throughput_ratio": 0.3,  # apply -> ready per second, at least this fraction of the bare insert rate
    "idle_p50_round_trips": 6,
    "idle_p99_round_trips": 15,
    "chain_hop_round_trips": 4,
}


# ---------------------------------------------------------------------------------------------
# Processes


def start_bare(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``bench/bare_fastapi.py serve``: one insert + commit per request, one at a time."""
    port = free_port()
    log_path = root / "bare.log"
    command = [
        sys.executable, str(BENCH / "bare_fastapi.py"), "serve", "--port", str(port),
        "--db", str(root / "bare.db"), "--variant", "lock",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, lambda: log_path.read_text(errors="replace"), 60)
    return process, url


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux ``/proc``; the server's worker process)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


class CpuMeter:
    """CPU seconds of the server, its children (the worker) and this process over a phase."""

    def __init__(self, server_pid: int | None) -> None:
        self._pid = server_pid
        self._children = children(server_pid) if server_pid else []
        self._before = self._read()
        self._started = time.perf_counter()

    def _read(self) -> dict[str, float]:
        values = {"bench": self_cpu_seconds()}
        if self._pid:
            values["server"] = process_cpu_seconds(self._pid)
            values["worker"] = sum(process_cpu_seconds(child) for child in self._children)
        return values

    def seconds(self) -> dict[str, float]:
        """CPU seconds used since the meter was made, per process."""
        after = self._read()
        return {key: after[key] - self._before[key] for key in after}

    def cores(self) -> dict[str, float]:
        """CPU cores used on average since the meter was made, per process."""
        elapsed = time.perf_counter() - self._started
        after = self._read()
        return {key: round((after[key] - self._before[key]) / elapsed, 2) for key in after}


async def run_wrk(args: argparse.Namespace, url: str, path: str, prefix: str) -> dict[str, Any]:
    """``wrk`` POSTing unique no-op items to ``path`` for ``--duration`` seconds; its summary."""
    command = [
        args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s",
        "-H", f"Authorization: Bearer {TOKEN}", "-s", str(WRK_SCRIPT), url + path, "--", prefix,
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    started = time.perf_counter()
    stdout, stderr = await process.communicate()
    ended = time.perf_counter()
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}: {stderr.decode(errors='replace')}")
    summary: dict[str, Any] | None = None
    for line in stdout.decode().splitlines():
        if line.startswith('{"wrk_summary"'):
            summary = json.loads(line)["wrk_summary"]
    if summary is None:
        raise RuntimeError(f"wrk printed no summary:\n{stdout.decode(errors='replace')}")
    summary["started"], summary["ended"] = started, ended
    errors = sum(summary[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    summary["ok"] = summary["requests"] - summary["non_200"]
    summary["rate_per_second"] = round(summary["ok"] / (summary["duration_us"] / 1e6), 1)
    summary["errors"] = errors + summary["non_200"]
    return summary


# ---------------------------------------------------------------------------------------------
# The watch


class Tracker:
    """Follows the watch stream: the latest document of every resource, when each was first
    seen ready, and for the ``traced`` ones every state with the time it was seen."""

    def __init__(self, client: httpx.AsyncClient, provider: str = "testkit") -> None:
        self._client = client
        self._provider = provider
        self.latest: dict[str, dict[str, Any]] = {}
        self.seen_at: dict[str, float] = {}
        self.ready_at: dict[str, float] = {}
        self.traced: dict[str, list[tuple[str, float]]] = {}
        self.messages = 0
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
                    now = time.perf_counter()
                    document = json.loads("".join(data))
                    data = []
                    self.messages += 1
                    resource_id = document["id"]
                    state = document.get("lifecycle_state")
                    self.latest[resource_id] = document
                    self.seen_at[resource_id] = now
                    if state == "ready":
                        self.ready_at.setdefault(resource_id, now)
                    trace = self.traced.get(resource_id)
                    if trace is not None:
                        trace.append((state, now))
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


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "samples": len(values),
        "p50": round(percentile(values, 50), 2),
        "p90": round(percentile(values, 90), 2),
        "p99": round(percentile(values, 99), 2),
        "mean": round(statistics.fmean(values), 2) if values else float("nan"),
    }


# ---------------------------------------------------------------------------------------------
# The bare endpoint


async def measure_bare(args: argparse.Namespace, url: str, pid: int, run: str) -> dict[str, Any]:
    meter = CpuMeter(pid)
    load = await run_wrk(args, url, "/apply", f"b{run}")
    cpu = meter.cores()
    print(f"bare: {load['rate_per_second']:.0f} inserts/s under wrk ({args.connections} connections, "
          f"{args.duration} s; p50 {load['p50_us'] / 1000:.1f} ms, p99 {load['p99_us'] / 1000:.1f} ms, "
          f"{load['errors']} errors); server {cpu['server']} cores", flush=True)  # fmt: skip
    connection = RawConnection(url, TOKEN)
    round_trips = []
    try:
        await connection.get("/health")
        for index in range(args.latency_samples):
            body = json.dumps(item(f"i{run}-{index}", value="x")).encode()
            sent = time.perf_counter()
            status, _headers, content = await connection.post("/apply", body)
            round_trips.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                raise RuntimeError(f"bare apply answered {status}: {content[:200]!r}")
    finally:
        await connection.aclose()
    idle = summary_ms(round_trips)
    print(f"bare: round trip one at a time p50 {idle['p50']} ms, p99 {idle['p99']} ms "
          f"({len(round_trips)} samples)", flush=True)  # fmt: skip
    return {"wrk": load, "cpu_cores": cpu, "round_trip_ms": idle}


# ---------------------------------------------------------------------------------------------
# The platform


async def measure_platform(args: argparse.Namespace, url: str, pid: int, run: str) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    async with (
        httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=60, trust_env=False) as client,
        connections("raw", url, args.in_flight, token=TOKEN) as pool,
    ):
        tracker = Tracker(client)
        await tracker.start()
        # Warm up (imports, caches, the worker's first lease) before anything is timed.
        await apply_all(pool, [item(f"warm{run}-{index}", value="x") for index in range(200)])
        await tracker.until(lambda: all(rid(f"warm{run}-{i}") in tracker.ready_at for i in range(200)), 120)

        # 1. Throughput: wrk applies unique no-op items while the watch counts them ready.
        prefix = f"resource:testkit_item_w{run}-"
        meter = CpuMeter(pid)
        bench_messages = tracker.messages
        load = await run_wrk(args, url, "/resources/apply", f"w{run}")

        def settled() -> bool:
            seen = [key for key in tracker.latest if key.startswith(prefix)]
            return len(seen) >= load["ok"] and all(key in tracker.ready_at for key in seen)

        await tracker.until(settled, 600)
        spent, cpu = meter.seconds(), meter.cores()
        ready_times = [at for key, at in tracker.ready_at.items() if key.startswith(prefix)]
        last_ready = max(ready_times)
        elapsed = last_ready - load["started"]
        rate = len(ready_times) / elapsed
        figures["throughput"] = {
            "applies_ok": load["ok"],
            "apply_errors": load["errors"],
            "applies_per_second": load["rate_per_second"],
            "apply_p50_ms": load["p50_us"] / 1000,
            "apply_p99_ms": load["p99_us"] / 1000,
            "ready": len(ready_times),
            "last_ready_after_seconds": round(elapsed, 2),
            "ready_per_second": round(rate, 1),
            "watch_messages": tracker.messages - bench_messages,
            "cpu_cores": cpu,
            "cpu_ms_per_resource": {
                key: round(value * 1000 / len(ready_times), 2) for key, value in spent.items()
            },
        }
        print(f"platform: apply -> ready {rate:.0f}/s ({len(ready_times)} ready, the last "
              f"{elapsed:.2f} s after wrk started; applies answered at {load['rate_per_second']:.0f}/s, "
              f"p50 {load['p50_us'] / 1000:.1f} ms, p99 {load['p99_us'] / 1000:.1f} ms, "
              f"{load['errors']} errors); cores: {cpu}, CPU ms per resource: "
              f"{figures['throughput']['cpu_ms_per_resource']}", flush=True)  # fmt: skip

        # 2. Idle latency, one at a time: apply sent -> answered, processing and ready on the watch.
        connection = pool[0]
        totals, answered, leased, finished = [], [], [], []
        meter = CpuMeter(pid)
        for index in range(args.latency_samples):
            name = f"l{run}-{index}"
            tracker.traced[rid(name)] = []
            body = json.dumps(item(name, value="x")).encode()
            sent = time.perf_counter()
            status, _headers, content = await connection.post("/resources/apply", body)
            replied = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"apply answered {status}: {content[:200]!r}")
            await tracker.until(lambda name=name: rid(name) in tracker.ready_at, 30)
            ready = tracker.ready_at[rid(name)]
            processing = next((at for state, at in tracker.traced[rid(name)] if state == "processing"), None)
            totals.append((ready - sent) * 1000)
            answered.append((replied - sent) * 1000)
            if processing is not None:
                leased.append((processing - sent) * 1000)
                finished.append((ready - processing) * 1000)
        cpu_ms = {key: round(value * 1000 / len(totals), 2) for key, value in meter.seconds().items()}
        figures["latency_ms"] = summary_ms(totals)
        figures["latency_cpu_ms_per_apply"] = cpu_ms
        figures["latency_parts_ms"] = {
            "apply_answered": summary_ms(answered),
            "processing_seen": summary_ms(leased),
            "processing_to_ready_seen": summary_ms(finished),
        }
        print(f"platform: apply -> ready one at a time p50 {figures['latency_ms']['p50']} ms, "
              f"p99 {figures['latency_ms']['p99']} ms ({len(totals)} samples; apply answered p50 "
              f"{percentile(answered, 50):.2f} ms, processing seen p50 {percentile(leased, 50):.2f} ms, "
              f"processing -> ready p50 {percentile(finished, 50):.2f} ms); CPU per apply: server "
              f"{cpu_ms['server']} ms, worker {cpu_ms['worker']} ms, watcher {cpu_ms['bench']} ms",
              flush=True)  # fmt: skip

        # 3. Parallel slow handlers: N resources whose handler sleeps 1 s.
        if args.sleepers:
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
            print(
                f"platform: {args.sleepers} handlers sleeping 1 s each: all ready in {elapsed:.2f} s",
                flush=True,
            )

        # 4. A change at the root of a chain reaches the leaf.
        if args.chain:
            chain = [f"c{run}-{index}" for index in range(args.chain)]
            bodies = [item(chain[0], value="v1")] + [
                item(name, echo=ref(chain[index - 1], "outputs.echo" if index > 1 else "outputs.value"))
                for index, name in enumerate(chain[1:], start=1)
            ]
            await apply_all(pool, bodies)
            await tracker.until(lambda: tracker.ready(rid(chain[-1]), echo="v1"), 300)
            started = time.perf_counter()
            status, _headers, content = await connection.post(
                "/resources/apply", json.dumps(item(chain[0], value="v2")).encode()
            )
            if status != 200:
                raise RuntimeError(f"apply answered {status}: {content[:200]!r}")
            await tracker.until(lambda: tracker.ready(rid(chain[-1]), echo="v2"), 300)
            elapsed = time.perf_counter() - started
            figures["chain"] = {
                "depth": args.chain,
                "root_to_leaf_seconds": round(elapsed, 3),
                "hop_ms": round(elapsed * 1000 / args.chain, 2),
            }
            print(f"platform: change through a {args.chain}-deep chain: leaf updated in {elapsed:.3f} s "
                  f"({figures['chain']['hop_ms']} ms a hop)", flush=True)  # fmt: skip

        # 5. A change fanned out to many dependents.
        if args.fan_out:
            root = f"f{run}-root"
            fans = [f"f{run}-{index}" for index in range(args.fan_out)]
            await apply_all(
                pool, [item(root, value="v1")] + [item(n, echo=ref(root, "outputs.value")) for n in fans]
            )
            await tracker.until(lambda: all(tracker.ready(rid(n), echo="v1") for n in fans), 300)
            started = time.perf_counter()
            status, _headers, content = await connection.post(
                "/resources/apply", json.dumps(item(root, value="v2")).encode()
            )
            if status != 200:
                raise RuntimeError(f"apply answered {status}: {content[:200]!r}")
            await tracker.until(lambda: all(tracker.ready(rid(n), echo="v2") for n in fans), 300)
            elapsed = time.perf_counter() - started
            figures["fan_out"] = {"dependents": args.fan_out, "all_updated_seconds": round(elapsed, 3)}
            print(
                f"platform: change fanned out to {args.fan_out} dependents: all updated in {elapsed:.3f} s",
                flush=True,
            )
        await tracker.stop()
    return figures


# ---------------------------------------------------------------------------------------------
# Side by side


def compare(bare: dict[str, Any], platform: dict[str, Any]) -> dict[str, Any]:
    """The platform's figures in the bare endpoint's units, with the targets."""
    unit = bare["round_trip_ms"]["p50"]
    ratios: dict[str, Any] = {"bare_round_trip_p50_ms": unit}
    ratios["throughput_ratio"] = round(
        platform["throughput"]["ready_per_second"] / bare["wrk"]["rate_per_second"], 3
    )
    ratios["applies_only_ratio"] = round(
        platform["throughput"]["applies_per_second"] / bare["wrk"]["rate_per_second"], 3
    )
    ratios["idle_p50_round_trips"] = round(platform["latency_ms"]["p50"] / unit, 1)
    ratios["idle_p99_round_trips"] = round(platform["latency_ms"]["p99"] / unit, 1)
    if "chain" in platform:
        ratios["chain_hop_round_trips"] = round(platform["chain"]["hop_ms"] / unit, 1)
    return ratios


def report(bare: dict[str, Any], platform: dict[str, Any], ratios: dict[str, Any], load: str) -> str:
    unit = ratios["bare_round_trip_p50_ms"]

    def row(label: str, bare_value: str, value: float, ratio: str, target: str) -> str:
        return f"{label:<58} {bare_value:>10} {value:>10.2f} {ratio:>8} {target:>8}"

    throughput = platform["throughput"]
    lines = [
        "",
        f"side by side (machine load average before the run: {load})",
        f"{'measurement':<58} {'bare':>10} {'platform':>10} {'ratio':>8} {'target':>8}",
        "-" * 98,
        row(
            "throughput /s (bare: inserts; platform: apply -> ready)",
            f"{bare['wrk']['rate_per_second']:.0f}",
            throughput["ready_per_second"],
            f"{ratios['throughput_ratio']:.2f}x",
            f">= {TARGETS['throughput_ratio']}x",
        ),
        row(
            "  (platform: applies answered /s)",
            "",
            throughput["applies_per_second"],
            f"{ratios['applies_only_ratio']:.2f}x",
            "",
        ),
        row(
            "idle p50 ms (bare: round trip; platform: apply -> ready)",
            f"{unit:.2f}",
            platform["latency_ms"]["p50"],
            f"{ratios['idle_p50_round_trips']:.1f}rt",
            f"<= {TARGETS['idle_p50_round_trips']}rt",
        ),
        row(
            "idle p99 ms",
            f"{bare['round_trip_ms']['p99']:.2f}",
            platform["latency_ms"]["p99"],
            f"{ratios['idle_p99_round_trips']:.1f}rt",
            f"<= {TARGETS['idle_p99_round_trips']}rt",
        ),
    ]
    if "chain" in platform:
        lines.append(
            row(
                f"chain hop ms ({platform['chain']['depth']}-deep chain / depth)",
                f"{unit:.2f}",
                platform["chain"]["hop_ms"],
                f"{ratios['chain_hop_round_trips']:.1f}rt",
                f"<= {TARGETS['chain_hop_round_trips']}rt",
            )
        )
    lines.append("rt = bare round trips (the bare endpoint's p50, one request at a time, this run)")
    return "\n".join(lines)


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk load, each server")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--in-flight", type=int, default=64, help="concurrent applies when setting up chains etc."
    )
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--sleepers", type=int, default=1000, help="0 skips the phase")
    parser.add_argument("--chain", type=int, default=100, help="0 skips the phase")
    parser.add_argument("--fan-out", type=int, default=1000, help="0 skips the phase")
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="the wrk binary (default: wrk on PATH)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    if not args.wrk or not Path(args.wrk).exists():
        print(WRK_MISSING, file=sys.stderr)
        return 2
    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    run = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="pragma-bench-engine-") as directory:
        root = Path(directory)
        process, url = start_bare(root)
        try:
            bare = asyncio.run(measure_bare(args, url, process.pid, run))
        finally:
            stop_process(process)
        process, url = start_testkit_server(root, TOKEN, concurrency=max(args.sleepers * 2, 200))
        try:
            platform = asyncio.run(measure_platform(args, url, process.pid, run))
        except BaseException:
            log = (root / "server.log").read_text(errors="replace")
            print("--- last lines of the server's log ---\n" + "\n".join(log.splitlines()[-40:]))
            print(f"--- server exit code: {process.poll()}")
            raise
        finally:
            stop_process(process)
    ratios = compare(bare, platform)
    print(report(bare, platform, ratios, load))
    payload = {
        "machine": machine_info("raw")
        | {
            "load_average_before": load,
            "load_average_after": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        },
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "settings": {key: value for key, value in vars(args).items() if key != "json"},
        "bare": bare,
        "platform": platform,
        "side_by_side": ratios,
        "targets": TARGETS,
    }
    write_json(args.json, payload)
    if not args.json:
        print(json.dumps(payload, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
