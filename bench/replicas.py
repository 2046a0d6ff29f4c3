"""N replicas on one PostgreSQL: apply → ready throughput with the load spread over them, and
the CPU each process used. Prints what it measured.

    .venv/bin/python bench/replicas.py                       # 1 and 2 replicas, 5,000 resources each
    .venv/bin/python bench/replicas.py --replicas 1 2 4 8 --count 20000 --json out.json

For each N, a fresh database on the PostgreSQL at ``--postgres`` (the test suite's by
default) gets N ``pragma-os serve`` processes, each with its own worker process for the test
provider ``testkit`` (no-op handlers). The applies go round-robin over the replicas (the
in-flight connections are spread evenly); readiness is counted in the database itself, so
that no replica does more work than another for the bench. CPU seconds are read from
``/proc`` for every server, every worker, the PostgreSQL backends of the bench's database
and this load generator, over the measured phase. Run it on a machine with more cores than
the processes it starts to judge the scaling; on a small one they share the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _load import (
    CLIENTS,
    Connection,
    argument_parser,
    dumps,
    machine_info,
    process_cpu_seconds,
    self_cpu_seconds,
    start_testkit_server,
    stop_process,
    write_json,
)

from testing.fixtures.db import POSTGRES_DSN, create_postgres_database, drop_postgres_database

TOKEN = "prg_bench-replicas"


@dataclass
class Replica:
    """A server process and the worker process it started."""

    index: int
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def worker_pids(self) -> list[int]:
        """The worker processes this server started (they name it as their parent)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"pragma_sdk.worker" in command and str(self.process.pid).encode() in command:
                pids.append(int(entry.name))
        return pids


def start_replica(root: Path, index: int, database_url: str, concurrency: int) -> Replica:
    home = root / f"replica-{index}"
    home.mkdir(parents=True)
    process, url = start_testkit_server(home, TOKEN, concurrency, ["--database-url", database_url])
    return Replica(index, url, process, home / "server.log")


async def backend_pids(connection: asyncpg.Connection, database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (the replicas' pools and listeners)."""
    rows = await connection.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database
    )
    return [row["pid"] for row in rows]


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far, all cores (``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


class CpuMeter:
    """CPU seconds of a set of processes over a phase (processes that appear count from zero)."""

    def __init__(self) -> None:
        self._before: dict[int, float] = {}

    def start(self, pids: list[int]) -> None:
        self._before = {pid: process_cpu_seconds(pid) for pid in pids}

    def used(self, pids: list[int]) -> float:
        total = 0.0
        for pid in set(pids) | set(self._before):
            now = process_cpu_seconds(pid)
            if now == now:  # NaN when it exited: its share is lost, as with any /proc reading
                total += now - self._before.get(pid, 0.0)
        return total


async def apply_spread(pools: list[list[Connection]], bodies: list[bytes]) -> int:
    """Apply ``bodies``, one request in flight per connection, the connections spread over replicas."""
    position = 0
    errors = 0

    async def sender(connection: Connection) -> None:
        nonlocal position, errors
        while position < len(bodies):
            body = bodies[position]
            position += 1
            status, _headers, content = await connection.post("/resources/apply", body)
            if status != 200:
                errors += 1
                if errors <= 3:
                    print(f"apply answered {status}: {content[:200]!r}", file=sys.stderr)

    await asyncio.gather(*(sender(connection) for pool in pools for connection in pool))
    return errors


async def count_ready(connection: asyncpg.Connection, prefix: str) -> int:
    value = await connection.fetchval(
        "SELECT count(*) FROM resources WHERE lifecycle_state = 'ready' AND name LIKE $1", prefix + "%"
    )
    return int(value)


async def wait_ready(connection: asyncpg.Connection, prefix: str, count: int, timeout: float) -> None:
    """Return once ``count`` resources named ``prefix...`` are ready (looking every 20 ms)."""
    deadline = time.monotonic() + timeout
    while (ready := await count_ready(connection, prefix)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {ready} of {count} ready after {timeout:g} s")
        await asyncio.sleep(0.02)


def bodies_for(prefix: str, count: int) -> list[bytes]:
    return [
        dumps(
            {"provider": "testkit", "resource": "item", "name": f"{prefix}{index}", "config": {"value": "x"}}
        )
        for index in range(count)
    ]


async def measure(args: argparse.Namespace, replicas: list[Replica], database: str) -> dict[str, Any]:
    """Warm up, then apply ``args.count`` resources spread over the replicas until all are ready."""
    dsn = args.postgres.rsplit("/", 1)[0] + f"/{database}"
    watcher = await asyncpg.connect(dsn)
    per_replica = max(1, args.in_flight // len(replicas))
    pools = [[CLIENTS[args.client](replica.url, TOKEN) for _ in range(per_replica)] for replica in replicas]
    try:
        for pool in pools:
            await asyncio.gather(*(connection.get("/health") for connection in pool))
        warm = f"w{uuid.uuid4().hex[:6]}-"
        await apply_spread(pools, bodies_for(warm, args.warmup))
        await wait_ready(watcher, warm, args.warmup, args.timeout)

        run = f"r{uuid.uuid4().hex[:6]}-"
        bodies = bodies_for(run, args.count)
        workers = {replica.index: replica.worker_pids() for replica in replicas}
        servers, postgres = CpuMeter(), CpuMeter()
        worker_meters = {index: CpuMeter() for index in workers}
        meters_per_server = {replica.index: CpuMeter() for replica in replicas}
        for replica in replicas:
            meters_per_server[replica.index].start([replica.process.pid])
            worker_meters[replica.index].start(workers[replica.index])
        servers.start([replica.process.pid for replica in replicas])
        postgres.start(await backend_pids(watcher, database))
        generator_before = self_cpu_seconds()
        machine_before = machine_cpu()

        started = time.perf_counter()
        errors = await apply_spread(pools, bodies)
        applied = time.perf_counter() - started
        await wait_ready(watcher, run, args.count, args.timeout)
        elapsed = time.perf_counter() - started

        processes = []
        for replica in replicas:
            server_cpu = meters_per_server[replica.index].used([replica.process.pid])
            worker_cpu = worker_meters[replica.index].used(workers[replica.index])
            processes.append({"process": f"server {replica.index}", "cpu_seconds": round(server_cpu, 2)})
            processes.append({"process": f"worker {replica.index}", "cpu_seconds": round(worker_cpu, 2)})
        postgres_cpu = postgres.used(await backend_pids(watcher, database))
        processes.append({"process": "postgresql (bench database)", "cpu_seconds": round(postgres_cpu, 2)})
        generator_cpu = self_cpu_seconds() - generator_before
        machine_busy = machine_cpu()[0] - machine_before[0]
        processes.append({"process": "load generator", "cpu_seconds": round(generator_cpu, 2)})
        for entry in processes:
            entry["cores"] = round(entry["cpu_seconds"] / elapsed, 2)
        return {
            "replicas": len(replicas),
            "resources": args.count,
            "errors": errors,
            "apply_seconds": round(applied, 2),
            "ready_seconds": round(elapsed, 2),
            "resources_per_second": round(args.count / elapsed, 1),
            "cpu": processes,
            "total_cores": round(sum(entry["cpu_seconds"] for entry in processes) / elapsed, 2),
            "machine_busy_cores": round(machine_busy / elapsed, 2),
            "machine_cores": os.cpu_count(),
        }
    finally:
        await watcher.close()
        await asyncio.gather(*(c.aclose() for pool in pools for c in pool), return_exceptions=True)


def run_one(args: argparse.Namespace, count: int) -> dict[str, Any]:
    url = create_postgres_database(args.postgres)
    replicas: list[Replica] = []
    with tempfile.TemporaryDirectory(prefix="pragma-bench-replicas-") as directory:
        try:
            for index in range(count):
                replicas.append(start_replica(Path(directory), index, url, args.concurrency))
            return asyncio.run(measure(args, replicas, database=url.rsplit("/", 1)[1]))
        except BaseException:
            for replica in replicas:
                lines = replica.log_path.read_text(errors="replace").splitlines()[-20:]
                print(f"--- last lines of replica {replica.index}'s log ---\n" + "\n".join(lines))
            raise
        finally:
            for replica in replicas:
                stop_process(replica.process)
            drop_postgres_database(url, args.postgres)


def print_figures(figures: dict[str, Any]) -> None:
    print(
        f"{figures['replicas']} replica(s): {figures['resources']} no-op resources applied in "
        f"{figures['apply_seconds']:.1f} s, all ready in {figures['ready_seconds']:.1f} s: "
        f"{figures['resources_per_second']:.0f}/s ({figures['errors']} errors)"
    )
    for entry in figures["cpu"]:
        print(f"    {entry['process']:<30} {entry['cpu_seconds']:>7.2f} CPU s  {entry['cores']:>5.2f} cores")
    print(f"    {'all of them':<30} {'':>7}         {figures['total_cores']:>5.2f} cores")
    print(
        f"    {'the whole machine (busy)':<30} {'':>7}         {figures['machine_busy_cores']:>5.2f} "
        f"cores of {figures['machine_cores']}",
        flush=True,
    )


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2], help="replica counts to measure")
    parser.add_argument("--count", type=int, default=5000, help="no-op resources per measurement")
    parser.add_argument("--warmup", type=int, default=500, help="resources applied before measuring")
    parser.add_argument(
        "--in-flight", type=int, default=64, help="concurrent applies, spread over the replicas"
    )
    parser.add_argument("--concurrency", type=int, default=200, help="handlers per worker")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw", help="load generator for applies")
    parser.add_argument("--postgres", default=POSTGRES_DSN, help="a DSN whose user may create databases")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for all to be ready")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    results = []
    for count in args.replicas:
        figures = run_one(args, count)
        print_figures(figures)
        results.append(figures)
    payload = {"machine": machine_info(args.client), "in_flight": args.in_flight, "runs": results}
    print(json.dumps(payload, indent=2))
    write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
