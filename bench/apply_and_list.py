"""Apply and list throughput of a real ``pragma-os serve`` process.

    .venv/bin/python bench/apply_and_list.py                       # 10k then 100k, SQLite
    .venv/bin/python bench/apply_and_list.py --initial 1000 --total 5000   # quick run
    .venv/bin/python bench/apply_and_list.py --postgres --json /tmp/pg.json

Phases, all against one fresh server (a subprocess; this process is the load generator):

1. apply ``--initial`` distinct resources with ``--concurrency`` requests in flight;
2. list pages of ``--page-size`` filtered by provider / provider+resource / tag /
   provider+tag, ``--list-requests`` each, at ``--initial`` stored;
3. apply ``--sequential`` more resources one at a time (a single client, for reference);
4. apply the rest up to ``--total`` as fast as possible (same concurrency as phase 1);
5. the list measurements again, at ``--total`` stored.

Options worth knowing:

- ``--client raw`` swaps httpx for a minimal HTTP/1.1 client in ``_load.py``. On this 2-vCPU
  machine httpx costs the load generator ~1.3 ms of CPU per request, which the server then
  does not get; the raw client costs a small fraction of that (compare the genCPU column).
- ``--source-ref REF`` runs the server from a ``git archive`` of REF's server/ and sdk/
  sources instead of the working tree, so a run is not affected by edits in progress.
- ``--profile PREFIX`` samples the server with py-spy during phase 4 (``PREFIX.txt``, raw
  collapsed stacks; ``--profile-native`` for C frames and idle time). It perturbs that phase:
  profile on a separate run from the one you report.

The server CPU columns count the API server process only (not PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _load
from _load import PhaseResult, Spec

from testing.fixtures.db import create_postgres_database, drop_postgres_database

# ---------------------------------------------------------------------------------------------
# The server under test


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path
    database_url: str | None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(root: Path, database_url: str | None, source: Path | None = None) -> Iterator[Server]:
    home = root / "home"
    data_dir = root / "data"
    (home / ".config").mkdir(parents=True)
    port = _load.free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PRAGMA_")}
    env.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PRAGMA_BOOTSTRAP_TOKEN=_load.BENCH_TOKEN
    )
    if source is not None:  # PYTHONPATH wins over the editable install's .pth entries
        paths = [str(source / "server" / "src"), str(source / "sdk" / "src")]
        env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
    command = [
        sys.executable, "-m", "pragma_os", "serve",
        "--host", "127.0.0.1", "--port", str(port),
        "--data-dir", str(data_dir), "--no-write-credentials",
    ]  # fmt: skip
    if database_url:
        command += ["--database-url", database_url]
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = Server(f"http://127.0.0.1:{port}", process, log_path, data_dir, database_url)
    try:
        _load.wait_healthy(server.url, process, server.log)
        yield server
    finally:
        _load.stop_process(process)


def sqlite_bytes(data_dir: Path) -> int | None:
    files = list(data_dir.glob("pragma.db*"))
    return sum(path.stat().st_size for path in files) if files else None


def export_source(ref: str, destination: Path) -> str:
    """Extract server/ and sdk/ sources of git ``ref`` (read-only on the repo); returns its hash."""
    repo = Path(__file__).resolve().parent.parent
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    destination.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", commit, "server/src", "sdk/src"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return commit


def source_revision() -> str:
    """The commit the server runs from, and whether its sources (server/, sdk/) are modified."""
    repo = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "server", "sdk"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + {len(changed)} modified/untracked paths in server/, sdk/" if changed else commit


# ---------------------------------------------------------------------------------------------
# List queries and what they should return


def list_queries(kind: str, specs: list[Spec]) -> tuple[list[dict[str, str]], list[int]]:
    """The filter values of one list kind, and how many stored resources match each."""
    if kind == "provider":
        counts = Counter(s.provider for s in specs)
        keys = [(p,) for p in _load.PROVIDERS]
        queries = [{"provider": p} for (p,) in keys]
        return queries, [counts[k[0]] for k in keys]
    if kind == "provider+resource":
        counts2 = Counter((s.provider, s.resource) for s in specs)
        keys2 = [(p, r) for p in _load.PROVIDERS for r in _load.RESOURCE_TYPES]
        return [{"provider": p, "resource": r} for p, r in keys2], [counts2[k] for k in keys2]
    if kind == "tag":
        counts3 = Counter(tag for s in specs for tag in s.tags)
        tags = [*_load.ENVS, *_load.TEAMS]
        return [{"tags": t} for t in tags], [counts3[t] for t in tags]
    if kind == "provider+tag":
        counts4 = Counter((s.provider, tag) for s in specs for tag in s.tags)
        keys4 = [(p, t) for p in _load.PROVIDERS for t in [*_load.ENVS, *_load.TEAMS]]
        return [{"provider": p, "tags": t} for p, t in keys4], [counts4[k] for k in keys4]
    raise ValueError(kind)


LIST_KINDS = ["provider", "provider+resource", "tag", "provider+tag"]


# ---------------------------------------------------------------------------------------------
# The run


def start_profiler(pid: int, prefix: str, seconds: int, native: bool) -> subprocess.Popen[bytes] | None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("py-spy not found; not profiling", file=sys.stderr)
        return None
    command = [
        py_spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
        "--threads", "--format", "raw", "-o", f"{prefix}.txt",
    ]  # fmt: skip
    # --gil: only the thread holding the GIL, i.e. where Python CPU goes. --native --idle: every
    # thread with C frames (SQLite, epoll) too, idle included, for code that releases the GIL.
    command += ["--native", "--idle"] if native else ["--gil"]
    print(f"profiling: {' '.join(command)}", file=sys.stderr)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "wb"))


async def measure(args: argparse.Namespace, server: Server) -> tuple[list[PhaseResult], dict[str, Any]]:
    pid = server.process.pid
    specs = _load.make_specs(args.total)
    bodies = _load.encode_bodies(specs)
    results: list[PhaseResult] = []
    extra: dict[str, Any] = {}
    stored = 0

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def note(result: PhaseResult, before: int, after: int) -> None:
        result.stored_before, result.stored_after = before, after
        results.append(result)
        log(
            f"{result.name}: {result.rate_per_s:.0f}/s p50 {result.p50_ms:.1f} ms "
            f"p99 {result.p99_ms:.1f} ms errors {result.errors}"
        )
        if result.notes.get("first_errors"):
            log(f"  first errors: {result.notes['first_errors']}")

    async def lists(at: int) -> None:
        label = f"{at // 1000}k" if at >= 1000 else str(at)
        async with _load.connections(args.client, server.url, args.list_concurrency) as pool:
            for kind in LIST_KINDS:
                queries, expected = list_queries(kind, specs[:at])
                # Warm-up, not counted: the first pages of each query (database pages, plans).
                await _load.list_load(
                    pool, queries, expected, args.list_concurrency * 4,
                    name="warmup", page_size=args.page_size, server_pid=None,
                )  # fmt: skip
                result = await _load.list_load(
                    pool, queries, expected, args.list_requests,
                    name=f"list {kind} @{label}", page_size=args.page_size, server_pid=pid,
                )  # fmt: skip
                note(result, at, at)

    # Phase 1: the initial apply, concurrent.
    initial = min(args.initial, args.total)
    log(f"server pid {pid} at {server.url}; applying {initial} with {args.concurrency} in flight")
    async with _load.connections(args.client, server.url, args.concurrency) as pool:
        result = await _load.apply_load(
            pool, "/resources/apply", bodies[:initial],
            name=f"apply 0->{initial} (concurrent)", server_pid=pid,
        )  # fmt: skip
    note(result, 0, initial)
    stored = initial
    extra["sqlite_bytes_initial"] = sqlite_bytes(server.data_dir) if not server.database_url else None

    # Phase 2: list at the initial size.
    await lists(stored)

    # Phase 3: a single client, one request at a time.
    sequential = min(args.sequential, args.total - stored)
    if sequential > 0:
        async with _load.connections(args.client, server.url, 1) as pool:
            result = await _load.apply_load(
                pool, "/resources/apply", bodies[stored : stored + sequential],
                name=f"apply {sequential} (sequential, 1 client)", server_pid=pid,
            )  # fmt: skip
        note(result, stored, stored + sequential)
        stored += sequential

    # Phase 4: grow to the total, concurrent.
    if args.total > stored:
        profiler = (
            start_profiler(pid, args.profile, args.profile_seconds, args.profile_native)
            if args.profile
            else None
        )
        async with _load.connections(args.client, server.url, args.concurrency) as pool:
            result = await _load.apply_load(
                pool, "/resources/apply", bodies[stored : args.total],
                name=f"apply {stored}->{args.total} (concurrent)", server_pid=pid,
            )  # fmt: skip
        note(result, stored, args.total)
        stored = args.total
        if profiler is not None:
            profiler.wait(timeout=args.profile_seconds + 60)
        extra["sqlite_bytes_total"] = sqlite_bytes(server.data_dir) if not server.database_url else None

        # Phase 5: list at the total size.
        await lists(stored)
    return results, extra


def main() -> int:
    parser = _load.argument_parser(__doc__)
    parser.add_argument("--initial", type=int, default=10_000, help="resources before the first list round")
    parser.add_argument("--total", type=int, default=100_000, help="resources before the second list round")
    parser.add_argument("--concurrency", type=int, default=64, help="in-flight applies")
    parser.add_argument("--sequential", type=int, default=1000, help="applies done by a single client")
    parser.add_argument("--list-requests", type=int, default=300, help="requests per list kind")
    parser.add_argument("--list-concurrency", type=int, default=4, help="in-flight list requests")
    parser.add_argument("--page-size", type=int, default=100, help="limit= of list requests")
    parser.add_argument(
        "--client", choices=sorted(_load.CLIENTS), default="httpx",
        help="load generator HTTP client: httpx.AsyncClient, or a minimal raw HTTP/1.1 client",
    )  # fmt: skip
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--max-seconds", type=float, default=3600, help="abort the run after this long")
    parser.add_argument("--profile", metavar="PREFIX", help="py-spy the server during the growth phase")
    parser.add_argument("--profile-seconds", type=int, default=20)
    parser.add_argument(
        "--profile-native", action="store_true", help="py-spy --native --idle instead of --gil"
    )
    parser.add_argument(
        "--source-ref",
        metavar="REF",
        help="run the server from this git commit's server/ and sdk/ sources (git archive to the temp "
        "dir) instead of the working tree, e.g. to pin the code while others edit it",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log, database)")
    args = parser.parse_args()

    info = _load.machine_info(args.client)
    root = Path(tempfile.mkdtemp(prefix="pragma-bench-"))
    source = None
    if args.source_ref:
        source = root / "src"
        info["revision"] = f"{export_source(args.source_ref, source)} (exported, clean)"
    else:
        info["revision"] = source_revision()  # read before the server starts, i.e. the code it loads
    database = "postgresql" if args.postgres else "sqlite"
    try:
        with contextlib.ExitStack() as stack:
            database_url = None
            if args.postgres:
                database_url = create_postgres_database()
                stack.callback(drop_postgres_database, database_url)
            server = stack.enter_context(running_server(root, database_url, source))
            results, extra = _load.run(
                lambda: asyncio.wait_for(measure(args, server), timeout=args.max_seconds)
            )
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    print()
    print(f"pragma-os apply/list benchmark ({database})")
    print(_load.format_machine(info))
    print(f"server source: git {info['revision']}")
    print(
        f"settings: initial={args.initial} total={args.total} apply concurrency={args.concurrency} "
        f"sequential={args.sequential} list: {args.list_requests} req/kind, "
        f"{args.list_concurrency} in flight, limit={args.page_size}"
    )
    print()
    print(_load.format_table(results))
    for key, value in extra.items():
        if value is not None:
            print(f"{key}: {value / 1e6:.1f} MB")
    pages = {r.name: r.notes.get("avg_items_per_page") for r in results if r.kind == "list"}
    print("avg items per list page: " + ", ".join(f"{k.removeprefix('list ')}={v}" for k, v in pages.items()))
    _load.write_json(
        args.json,
        {
            "benchmark": "apply_and_list",
            "database": database,
            "machine": info,
            "settings": vars(args),
            "results": [r.as_dict() for r in results],
            **extra,
        },
    )
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
