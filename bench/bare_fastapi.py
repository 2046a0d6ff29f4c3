"""Baseline: the least a FastAPI + SQLite apply endpoint costs on this machine.

    .venv/bin/python bench/bare_fastapi.py                 # start the app, drive 10,000 applies
    .venv/bin/python bench/bare_fastapi.py --count 10000 --concurrency 64 --json /tmp/bare.json
    .venv/bin/python bench/bare_fastapi.py serve --port 8123 --db /tmp/bare.db   # the app alone

The app has one endpoint, ``POST /apply``: it validates a pydantic model shaped like the
``/resources/apply`` body and does one ``INSERT OR REPLACE`` plus one commit with aiosqlite
(WAL, synchronous=NORMAL like the real server). uvicorn runs it with the real server's
settings: httptools, uvloop, access log off, one worker. The driver is the load generator of
``apply_and_list.py`` (``bench/_load.py``): same bodies, same client, same in-flight count
(``--client httpx|raw`` as there).

By default each request's INSERT + commit runs under an asyncio.Lock, one transaction at a
time like the real server's SQLite write lock. ``--variant nolock`` (commits interleave) and
``--variant nodb`` (no database: the framework's own cost) are there for diagnosis.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _load
import aiosqlite
import orjson
from fastapi import FastAPI
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# ---------------------------------------------------------------------------------------------
# The app

ProviderName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=63)]
ResourceType = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*(/[a-z][a-z0-9_-]*)*$", max_length=253)
]
ResourceName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=63)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class ApplyBody(BaseModel):
    """The shape of the ``/resources/apply`` body (the fields a client sends)."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    resource: ResourceType
    name: ResourceName
    config: dict[str, Any] = Field(default_factory=dict)
    tags: list[Tag] | None = Field(default=None, max_length=64)


UPSERT = (
    "INSERT OR REPLACE INTO resources (id, provider, resource, name, config, tags, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
VARIANTS = {
    "lock": "INSERT OR REPLACE + commit per request, one transaction at a time (asyncio.Lock)",
    "nolock": "INSERT OR REPLACE + commit per request, no lock (diagnostic)",
    "nodb": "validate and answer, no database (diagnostic: the framework's own cost)",
}


def create_app(db_path: str, variant: str = "lock") -> FastAPI:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        db = await aiosqlite.connect(db_path)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS resources ("
            " id TEXT PRIMARY KEY, provider TEXT NOT NULL, resource TEXT NOT NULL, name TEXT NOT NULL,"
            " config TEXT NOT NULL, tags TEXT, updated_at REAL NOT NULL)"
        )
        await db.commit()
        state["db"] = db
        state["lock"] = asyncio.Lock()  # one transaction per request, as in the real server
        try:
            yield
        finally:
            await db.close()

    app = FastAPI(lifespan=lifespan)
    slash = re.compile("/")

    @app.post("/apply")
    async def apply(body: ApplyBody) -> Response:
        resource_id = f"resource:{body.provider}_{slash.sub('_', body.resource)}_{body.name}"
        db = state["db"]
        row = (
            resource_id,
            body.provider,
            body.resource,
            body.name,
            orjson.dumps(body.config),
            orjson.dumps(body.tags),
            time.time(),
        )
        if variant == "lock":
            async with state["lock"]:
                await db.execute(UPSERT, row)
                await db.commit()
        elif variant == "nolock":  # commits may then also cover other requests' statements
            await db.execute(UPSERT, row)
            await db.commit()
        document = {"id": resource_id, **body.model_dump()}
        return Response(orjson.dumps(document), media_type="application/json")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve(port: int, db_path: str, variant: str) -> None:
    import uvicorn

    uvicorn.run(
        create_app(db_path, variant),
        host="127.0.0.1",
        port=port,
        http="httptools",
        loop="uvloop",
        access_log=False,
        workers=1,
        log_level="warning",
    )


# ---------------------------------------------------------------------------------------------
# The driver


def drive(args: argparse.Namespace) -> int:
    info = _load.machine_info(args.client)
    specs = _load.make_specs(args.count)
    bodies = _load.encode_bodies(specs)
    with tempfile.TemporaryDirectory(prefix="bare-fastapi-") as root:
        port = _load.free_port()
        log_path = Path(root) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "serve",
                    "--port",
                    str(port),
                    "--db",
                    str(Path(root) / "bare.db"),
                    "--variant",
                    args.variant,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _load.wait_healthy(url, process, lambda: log_path.read_text(errors="replace"))

            async def load() -> list[_load.PhaseResult]:
                results = []
                for round_number in range(args.rounds):
                    async with _load.connections(args.client, url, args.concurrency) as pool:
                        result = await _load.apply_load(
                            pool,
                            "/apply",
                            bodies,
                            name=f"bare apply x{args.count} (round {round_number + 1})",
                            server_pid=process.pid,
                        )
                    results.append(result)
                    print(f"{result.name}: {result.rate_per_s:.0f}/s errors {result.errors}", file=sys.stderr)
                    if result.notes.get("first_errors"):
                        print(f"  first errors: {result.notes['first_errors']}", file=sys.stderr)
                return results

            results = _load.run(lambda: asyncio.wait_for(load(), timeout=args.max_seconds))
        finally:
            _load.stop_process(process)

    print()
    print(f"bare FastAPI + aiosqlite baseline, POST /apply, variant {args.variant}: {VARIANTS[args.variant]}")
    print(_load.format_machine(info))
    print(
        f"settings: count={args.count} concurrency={args.concurrency} rounds={args.rounds} "
        "(uvicorn: httptools, uvloop, access log off, 1 worker; SQLite WAL, synchronous=NORMAL)"
    )
    print()
    print(_load.format_table(results))
    best = max(results, key=lambda r: r.rate_per_s)
    print(f"\nbaseline applies/s: {results[0].rate_per_s:.1f} (round 1; best round {best.rate_per_s:.1f})")
    _load.write_json(
        args.json,
        {
            "benchmark": "bare_fastapi",
            "machine": info,
            "settings": vars(args),
            "results": [r.as_dict() for r in results],
        },
    )
    return 1 if any(r.errors for r in results) else 0


def main() -> int:
    parser = _load.argument_parser(__doc__)
    sub = parser.add_subparsers(dest="mode")
    serve_parser = sub.add_parser("serve", help="run the app alone")
    serve_parser.add_argument("--port", type=int, required=True)
    serve_parser.add_argument("--db", required=True)
    serve_parser.add_argument("--variant", choices=sorted(VARIANTS), default="lock")
    parser.add_argument(
        "--variant", choices=sorted(VARIANTS), default="lock",
        help="; ".join(f"{k}: {v}" for k, v in VARIANTS.items()),
    )  # fmt: skip
    parser.add_argument("--count", type=int, default=10_000, help="applies to send")
    parser.add_argument("--concurrency", type=int, default=64, help="in-flight applies")
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the load (later rounds replace the same rows)"
    )
    parser.add_argument(
        "--client", choices=sorted(_load.CLIENTS), default="httpx",
        help="load generator HTTP client: httpx.AsyncClient, or a minimal raw HTTP/1.1 client",
    )  # fmt: skip
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args()
    if args.mode == "serve":
        serve(args.port, args.db, args.variant)
        return 0
    return drive(args)


if __name__ == "__main__":
    sys.exit(main())
