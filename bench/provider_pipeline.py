"""Provider pipeline benchmark: push ``examples/mycloud`` -> build success -> deploy available.

    .venv/bin/python bench/provider_pipeline.py              # 3 rounds on a fresh server
    .venv/bin/python bench/provider_pipeline.py --rounds 5

One fresh ``pragma-os serve`` on SQLite; each round pushes the example provider through the
SDK, follows the build log to its end, deploys the new version and waits until it is
available. The uv cache is the user's own, so the provider's dependencies are already in
the local package cache (the first build of a machine may still fetch the build backend).
Prints the time of each step.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from bench._load import argument_parser, write_json  # noqa: E402
from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient  # noqa: E402
from testing.fixtures.db import make_database_url  # noqa: E402
from testing.fixtures.provider_projects import MYCLOUD, tarball  # noqa: E402
from testing.fixtures.server import start_server  # noqa: E402


def one_round(client: PragmaClient) -> dict[str, float]:
    """Push, build, deploy once; seconds per step."""
    started = time.perf_counter()
    version = client.push_provider("mycloud", tarball(MYCLOUD)).version
    pushed = time.perf_counter()
    with client.stream_build_logs("mycloud", version) as response:
        for _line in response.iter_lines():
            pass
    build = client.get_build_status("mycloud", version)
    if build.status != BuildStatus.SUCCESS:
        raise RuntimeError(f"build failed: {build.error_message}")
    built = time.perf_counter()
    client.deploy_provider("mycloud", version)
    while (status := client.get_deployment_status("mycloud")).status == DeploymentStatus.PROGRESSING:
        time.sleep(0.02)
    if status.status != DeploymentStatus.AVAILABLE or status.version != version:
        raise RuntimeError(f"deployment ended {status}")
    available = time.perf_counter()
    return {
        "push_seconds": round(pushed - started, 3),
        "build_seconds": round(built - pushed, 3),
        "deploy_seconds": round(available - built, 3),
        "total_seconds": round(available - started, 3),
    }


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pragma-bench-pipeline-") as directory:
        root = Path(directory)
        server = start_server(root, make_database_url("sqlite", root))
        try:
            with PragmaClient(base_url=server.url, auth_token=server.token, timeout=60) as client:
                rounds = []
                for number in range(1, args.rounds + 1):
                    figures = one_round(client)
                    rounds.append(figures)
                    steps = ", ".join(
                        f"{key.removesuffix('_seconds')} {value:.2f} s" for key, value in figures.items()
                    )
                    print(f"round {number}: {steps}", flush=True)
        finally:
            server.stop()
    totals = [figures["total_seconds"] for figures in rounds]
    payload = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "rounds": rounds,
        "total_median_seconds": round(statistics.median(totals), 3),
        "total_max_seconds": max(totals),
    }
    print(json.dumps(payload, indent=2))
    write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
