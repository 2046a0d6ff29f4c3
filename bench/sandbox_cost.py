"""What the sandbox costs: push -> available and apply -> ready, with and without it, side by side.

    .venv/bin/python bench/sandbox_cost.py                  # 3 pairs of servers, 3,000 resources each
    .venv/bin/python bench/sandbox_cost.py --pairs 2 --count 5000

Each pair starts two fresh servers on SQLite, one after the other: one sandboxing pushed code
(bubblewrap, needs root), one started with ``--insecure-unsandboxed``. On each, a provider
with a no-op handler is pushed, built and deployed ``--rounds`` times (the first round of a
sandboxed server fills its organization's empty uv cache, so it is reported apart), then
``--count`` resources are applied, 64 in flight, until the watch stream shows them all ready.
Prints every figure and the medians of each side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import argument_parser, connections, machine_info, write_json  # noqa: E402
from engine import Tracker, apply_all  # noqa: E402

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient  # noqa: E402
from testing.fixtures.db import make_database_url  # noqa: E402
from testing.fixtures.provider_projects import tarball, widget_project  # noqa: E402
from testing.fixtures.server import RunningServer, start_server  # noqa: E402

PROVIDER = "noop"
MODES = {"sandboxed": (), "unsandboxed": ("--insecure-unsandboxed",)}


def push_to_available(client: PragmaClient, archive: bytes) -> float:
    """Seconds from the push until the new version is available."""
    started = time.perf_counter()
    version = client.push_provider(PROVIDER, archive).version
    with client.stream_build_logs(PROVIDER, version) as response:
        for _line in response.iter_lines():
            pass
    build = client.get_build_status(PROVIDER, version)
    if build.status != BuildStatus.SUCCESS:
        raise RuntimeError(f"build failed: {build.error_message}")
    client.deploy_provider(PROVIDER, version)
    while (status := client.get_deployment_status(PROVIDER)).status == DeploymentStatus.PROGRESSING:
        time.sleep(0.02)
    if status.status != DeploymentStatus.AVAILABLE or status.version != version:
        raise RuntimeError(f"deployment ended {status}")
    return time.perf_counter() - started


async def apply_to_ready(server: RunningServer, count: int, in_flight: int) -> float:
    """Resources per second from the first apply until the last is ready."""
    headers = {"Authorization": f"Bearer {server.token}"}
    async with (
        httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as client,
        connections("raw", server.url, in_flight, token=server.token) as pool,
    ):
        tracker = Tracker(client, provider=PROVIDER)
        await tracker.start()
        run = uuid.uuid4().hex[:6]
        names = [f"w{run}-{index}" for index in range(count)]
        bodies = [
            {"provider": PROVIDER, "resource": "widget", "name": n, "config": {"size": 1}} for n in names
        ]
        started = time.perf_counter()
        await apply_all(pool, bodies)
        await tracker.until(
            lambda: all(tracker.ready(f"resource:{PROVIDER}_widget_{name}") for name in names), 600
        )
        elapsed = time.perf_counter() - started
        await tracker.stop()
    return count / elapsed


def measure(mode: str, args: argparse.Namespace, archive: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"pragma-bench-sandbox-{mode}-") as directory:
        root = Path(directory)
        server = start_server(root, make_database_url("sqlite", root), extra_args=MODES[mode])
        try:
            with PragmaClient(base_url=server.url, auth_token=server.token, timeout=120) as client:
                rounds = [round(push_to_available(client, archive), 3) for _ in range(args.rounds)]
            rate = asyncio.run(apply_to_ready(server, args.count, args.in_flight))
        finally:
            server.stop()
    figures = {
        "mode": mode,
        "push_to_available_seconds": rounds,
        "apply_to_ready_per_second": round(rate, 1),
    }
    print(json.dumps(figures), flush=True)
    return figures


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--pairs", type=int, default=3, help="sandboxed/unsandboxed server pairs")
    parser.add_argument("--rounds", type=int, default=3, help="push -> available rounds per server")
    parser.add_argument("--count", type=int, default=3000, help="resources applied per server")
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        archive = tarball(widget_project(Path(directory), PROVIDER))
    runs = [measure(mode, args, archive) for _ in range(args.pairs) for mode in MODES]
    summary = {}
    for mode in MODES:
        mine = [run for run in runs if run["mode"] == mode]
        warm = [seconds for run in mine for seconds in run["push_to_available_seconds"][1:]]
        summary[mode] = {
            "first_push_to_available_median_seconds": statistics.median(
                run["push_to_available_seconds"][0] for run in mine
            ),
            "push_to_available_median_seconds": statistics.median(warm) if warm else None,
            "apply_to_ready_median_per_second": statistics.median(
                run["apply_to_ready_per_second"] for run in mine
            ),
        }
    payload = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine_info("raw"),
        "runs": runs,
        "summary": summary,
    }
    print(json.dumps(summary, indent=2))
    write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
