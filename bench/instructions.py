"""Instructions the server executes per resource, counted by valgrind's callgrind.

    .venv/bin/python bench/instructions.py                  # 300 resources, 16 applies in flight
    .venv/bin/python bench/instructions.py --resources 1000 --in-flight 32

Throughput and CPU time move with whatever else the machine runs; an instruction count does
not (two runs of the same commit agree within about 1 %). That makes it the measure for an
A/B of the server's own cost per resource, to run in each checkout being compared.

A fresh ``pragma-os serve`` on SQLite with the ``testkit`` worker runs under
``valgrind --tool=callgrind``, instrumentation off. After a warm-up of 50 resources (the worker
connected, caches filled), instrumentation goes on; ``--resources`` applies (``--in-flight`` at a
time) each turn ready (read back once, or again until ready); then the counts are dumped. The
figure is the server process's instructions over that phase divided by the resources: request
handling, the engine, the store and SQLite, not the worker (a process of its own) nor the start.
Needs valgrind (``apt-get install -y valgrind``); about a minute for 300 resources.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _load import argument_parser, start_testkit_server, stop_process

TOKEN = "prg_bench-instructions"


async def applied_and_ready(url: str, prefix: str, count: int, in_flight: int) -> None:
    """Apply ``count`` items, ``in_flight`` at a time, and wait until each is ready."""
    limit = asyncio.Semaphore(in_flight)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300, trust_env=False) as client:

        async def apply(index: int) -> None:
            async with limit:
                body = {
                    "provider": "testkit",
                    "resource": "item",
                    "name": f"{prefix}{index}",
                    "config": {"value": "v"},
                }
                response = await client.post("/resources/apply", json=body)
                response.raise_for_status()

        async def ready(index: int) -> bool:
            document = (await client.get(f"/resources/resource:testkit_item_{prefix}{index}")).json()
            return bool(document["lifecycle_state"] == "ready")

        await asyncio.gather(*(apply(index) for index in range(count)))
        for index in range(count):
            for _ in range(600):
                if await ready(index):
                    break
                await asyncio.sleep(0.5)
            else:
                raise RuntimeError(f"{prefix}{index} not ready after 5 minutes")


def total_instructions(dump: Path) -> int:
    """The ``summary:`` (or ``totals:``) line of a callgrind dump."""
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no instruction total in {dump}")


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--resources", type=int, default=300, help="resources applied while counting")
    parser.add_argument("--in-flight", type=int, default=16, help="applies sent at a time")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install -y valgrind")
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as directory:
        home = Path(directory)
        out = home / "callgrind.out"
        wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        process, url = start_testkit_server(home, TOKEN, 100, wrapper=wrapper, healthy_within=600)
        try:
            asyncio.run(applied_and_ready(url, "warm", 50, args.in_flight))
            time.sleep(2)
            subprocess.run(
                ["callgrind_control", "--instr=on", str(process.pid)], check=True, capture_output=True
            )
            started = time.monotonic()
            asyncio.run(applied_and_ready(url, "counted", args.resources, args.in_flight))
            subprocess.run(["callgrind_control", "--dump", str(process.pid)], check=True, capture_output=True)
            elapsed = time.monotonic() - started
        finally:
            stop_process(process)
        [dump] = [path for path in home.glob("callgrind.out.*") if path.stat().st_size]
        total = total_instructions(dump)
    print(
        f"server: {total / 1e6:,.0f} M instructions for {args.resources} resources applied and ready: "
        f"{total / args.resources / 1e6:.3f} M per resource ({elapsed:.0f} s under callgrind)"
    )


if __name__ == "__main__":
    main()
