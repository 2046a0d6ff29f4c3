"""Shared load generator for the benchmarks in ``bench/``.

Both ``apply_and_list.py`` (the real server) and ``bare_fastapi.py`` (the baseline) drive
their server with the functions here, so the client side of the comparison is identical:
the same request bodies (pre-encoded), the same ``httpx.AsyncClient`` settings, the same
number of in-flight requests over one keep-alive pool, on the same event loop (uvloop
when available).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import random
import subprocess
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# httpcore 1.0 runs ``import sniffio`` on every request to detect the event loop. This venv
# has no sniffio (anyio 4 no longer needs it), and a failed import is not cached: each one
# scans sys.path, ~0.4 ms, several times a request, which made the load generator the
# bottleneck at ~150 req/s on one core. ``None`` in sys.modules makes the import fail at once
# and httpcore falls back to "asyncio", which is what it would detect anyway. Load-generator
# process only; the servers are separate processes and are not affected by this.
if importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

import httpx

# The benchmarks start servers as the tests do: the repository's ``testing`` package holds the
# helpers both use (this folder, not the repository, is what the scripts put on sys.path).
REPOSITORY = Path(__file__).resolve().parents[1]
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from testing.processes import free_port as free_port  # noqa: E402
from testing.processes import stop_process as stop_process  # noqa: E402

try:  # same fast encoder as the server; falls back to the standard library
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

    loads = orjson.loads
except ImportError:  # pragma: no cover

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    loads = json.loads


BENCH_TOKEN = "prg_bench"
REQUEST_TIMEOUT = 60.0

PROVIDERS = [f"prov{k}" for k in range(10)]
RESOURCE_TYPES = ["compute/instance", "storage/bucket", "network/vpc", "database/postgres", "dns/record"]
ENVS = ["env:prod", "env:dev"]
TEAMS = [f"team:{k}" for k in range(8)]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]
SIZES = ["small", "medium", "large"]
SEED = 20240601


# ---------------------------------------------------------------------------------------------
# Request bodies


@dataclass(frozen=True)
class Spec:
    """What resource number ``index`` is: used to build its body and to predict list results."""

    index: int
    provider: str
    resource: str
    name: str
    env: str
    team: str

    @property
    def tags(self) -> list[str]:
        return [self.env, self.team]


def make_specs(count: int) -> list[Spec]:
    """``count`` distinct resources, deterministic: the first N are the same for every caller."""
    rng = random.Random(SEED)
    specs = []
    for index in range(count):
        specs.append(
            Spec(
                index=index,
                provider=rng.choice(PROVIDERS),
                resource=rng.choice(RESOURCE_TYPES),
                name=f"r-{index:07d}",
                env=rng.choice(ENVS),
                team=rng.choice(TEAMS),
            )
        )
    return specs


def body_of(spec: Spec) -> dict[str, Any]:
    """The ``POST /resources/apply`` body of a resource (~250 bytes of JSON)."""
    i = spec.index
    return {
        "provider": spec.provider,
        "resource": spec.resource,
        "name": spec.name,
        "config": {
            "region": REGIONS[i % len(REGIONS)],
            "size": SIZES[(i // 3) % len(SIZES)],
            "replicas": 1 + i % 5,
            "labels": {"app": f"app-{i % 50}", "index": str(i)},
        },
        "tags": spec.tags,
    }


def encode_bodies(specs: Sequence[Spec]) -> list[bytes]:
    """Bodies encoded ahead of time, so encoding costs the load generator nothing while timed."""
    return [dumps(body_of(spec)) for spec in specs]


# ---------------------------------------------------------------------------------------------
# Measurement helpers


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` percentile (0..100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def process_cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process, all its threads (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan"), float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks  # utime, stime


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    return sum(process_cpu_times(pid))


def self_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class PhaseResult:
    """One measured phase: a number of requests, their latencies and the CPU it took."""

    name: str
    kind: str  # "apply" or "list"
    requests: int
    concurrency: int
    elapsed_s: float
    ok: int
    errors: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    rate_per_s: float
    server_cpu_cores: float = float("nan")
    loadgen_cpu_cores: float = float("nan")
    stored_before: int | None = None
    stored_after: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    name: str,
    kind: str,
    latencies: Sequence[float],
    *,
    concurrency: int,
    elapsed: float,
    errors: int,
    server_cpu: float,
    loadgen_cpu: float,
) -> PhaseResult:
    requests = len(latencies) + errors
    ms = [value * 1000 for value in latencies]
    return PhaseResult(
        name=name,
        kind=kind,
        requests=requests,
        concurrency=concurrency,
        elapsed_s=round(elapsed, 3),
        ok=len(latencies),
        errors=errors,
        p50_ms=round(percentile(ms, 50), 3),
        p99_ms=round(percentile(ms, 99), 3),
        mean_ms=round(sum(ms) / len(ms), 3) if ms else float("nan"),
        max_ms=round(max(ms), 3) if ms else float("nan"),
        rate_per_s=round(len(latencies) / elapsed, 1) if elapsed > 0 else float("nan"),
        server_cpu_cores=round(server_cpu / elapsed, 2) if elapsed > 0 else float("nan"),
        loadgen_cpu_cores=round(loadgen_cpu / elapsed, 2) if elapsed > 0 else float("nan"),
    )


# ---------------------------------------------------------------------------------------------
# Clients: one keep-alive connection per in-flight request slot


class HttpxConnection:
    """One ``httpx.AsyncClient`` holding one keep-alive connection.

    One client per in-flight slot rather than one client with a 64-connection pool: httpcore's
    pool scans every pooled connection (``is_idle``, ``has_expired`` with a socket poll) on
    each request, which made a shared 64-connection pool cost the load generator ~3x more CPU
    per request than 64 single-connection pools (~200/s against ~750/s on this machine).
    """

    def __init__(self, base_url: str, token: str | None) -> None:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=httpx.Timeout(REQUEST_TIMEOUT),
            verify=False,  # plain HTTP on loopback; skips loading the CA bundle per client
            trust_env=False,  # loopback only: never route through a proxy from the environment
        )

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        response = await self.client.post(path, content=body)
        return response.status_code, response.headers, response.content  # type: ignore[return-value]

    async def get(self, path_and_query: str) -> tuple[int, dict[str, str], bytes]:
        response = await self.client.get(path_and_query)
        return response.status_code, response.headers, response.content  # type: ignore[return-value]

    async def aclose(self) -> None:
        await self.client.aclose()


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (loopback benchmarking only).

    Sends exactly what ``HttpxConnection`` sends (same method, path, body, content-type and
    authorization headers) and reads a Content-Length response. Costs the load generator a
    small fraction of httpx's CPU per request, so the server, not the client, is measured.
    """

    def __init__(self, base_url: str, token: str | None) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the raw client only talks to loopback addresses")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        auth = f"authorization: Bearer {token}\r\n" if token else ""
        self.fixed = f"host: {parsed.netloc}\r\n{auth}".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        return self.reader, self.writer

    async def _exchange(self, head: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            return await asyncio.wait_for(self._send(head, body), REQUEST_TIMEOUT)
        except BaseException:
            await self.aclose()
            raise

    async def _send(self, head: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
        reader, writer = await self._connection()
        writer.write(head + body)
        raw_head = await reader.readuntil(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise RuntimeError(f"response without content-length: {lines[0]}")
        content = await reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return status, headers, content

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\n".encode()
            + self.fixed
            + f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        )
        return await self._exchange(head, body)

    async def get(self, path_and_query: str) -> tuple[int, dict[str, str], bytes]:
        head = f"GET {path_and_query} HTTP/1.1\r\n".encode() + self.fixed + b"\r\n"
        return await self._exchange(head, b"")

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
            self.writer = self.reader = None


CLIENTS = {"httpx": HttpxConnection, "raw": RawConnection}
Connection = HttpxConnection | RawConnection


@contextlib.asynccontextmanager
async def connections(
    kind: str, base_url: str, count: int, token: str | None = BENCH_TOKEN
) -> AsyncIterator[list[Connection]]:
    """``count`` keep-alive connections of client ``kind``, opened before any timing starts."""
    pool: list[Connection] = [CLIENTS[kind](base_url, token) for _ in range(count)]
    try:
        await asyncio.gather(*(c.get("/health") for c in pool))  # connect now, not while timed
        yield pool
    finally:
        await asyncio.gather(*(c.aclose() for c in pool), return_exceptions=True)


# ---------------------------------------------------------------------------------------------
# The apply load


@dataclass
class ErrorSample:
    count: int = 0
    first: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(text[:300])


TRANSPORT_ERRORS = (httpx.HTTPError, OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, RuntimeError)


async def measure_phase(
    name: str,
    kind: str,
    load: Callable[[], Awaitable[object]],
    latencies: Sequence[float],
    errors: ErrorSample,
    *,
    concurrency: int,
    server_pid: int | None,
) -> PhaseResult:
    """Run ``load``, which fills ``latencies`` and ``errors``, and summarize it with the CPU the
    server (``server_pid``, if known) and this process used meanwhile."""
    server_before = process_cpu_seconds(server_pid) if server_pid else float("nan")
    server_sys_before = process_cpu_times(server_pid)[1] if server_pid else float("nan")
    self_before = self_cpu_seconds()
    started = time.perf_counter()
    await load()
    elapsed = time.perf_counter() - started
    result = summarize(
        name,
        kind,
        latencies,
        concurrency=concurrency,
        elapsed=elapsed,
        errors=errors.count,
        server_cpu=(process_cpu_seconds(server_pid) - server_before) if server_pid else float("nan"),
        loadgen_cpu=self_cpu_seconds() - self_before,
    )
    if server_pid:
        result.notes["server_sys_cores"] = round(
            (process_cpu_times(server_pid)[1] - server_sys_before) / elapsed, 2
        )
    if errors.first:
        result.notes["first_errors"] = errors.first
    return result


async def apply_load(
    pool: Sequence[Connection],
    path: str,
    bodies: Sequence[bytes],
    *,
    name: str,
    server_pid: int | None,
) -> PhaseResult:
    """POST every body to ``path``, one request in flight per connection of ``pool``."""
    latencies: list[float] = []
    errors = ErrorSample()
    position = 0
    total = len(bodies)
    perf = time.perf_counter

    async def worker(connection: Connection) -> None:
        nonlocal position
        while position < total:
            body = bodies[position]
            position += 1
            start = perf()
            try:
                status, _headers, content = await connection.post(path, body)
            except TRANSPORT_ERRORS as error:
                errors.add(f"{type(error).__name__}: {error}")
                continue
            if status == 200:
                latencies.append(perf() - start)
            else:
                errors.add(f"{status}: {content[:300].decode(errors='replace')}")

    return await measure_phase(
        name,
        "apply",
        lambda: asyncio.gather(*(worker(connection) for connection in pool)),
        latencies,
        errors,
        concurrency=len(pool),
        server_pid=server_pid,
    )


# ---------------------------------------------------------------------------------------------
# The list load


async def list_load(
    pool: Sequence[Connection],
    queries: Sequence[Mapping[str, str]],
    expected: Sequence[int],
    requests: int,
    *,
    name: str,
    page_size: int,
    server_pid: int | None,
) -> PhaseResult:
    """``requests`` GETs of ``/resources/`` pages, walking each query's pages with its cursor.

    Each connection of ``pool`` is a walker that starts on a different query, follows
    ``X-Next-Cursor`` and moves to another query when the pages run out. A walk that reaches
    the end is checked against the number of stored resources that match the query.
    """
    latencies: list[float] = []
    errors = ErrorSample()
    issued = 0
    items_seen = 0
    walks_checked = 0
    perf = time.perf_counter
    walkers = len(pool)

    async def walker(connection: Connection, first_query: int) -> None:
        nonlocal issued, items_seen, walks_checked
        query = first_query
        cursor: str | None = None
        walked = 0
        while issued < requests:
            issued += 1
            params = {**queries[query], "limit": str(page_size)}
            if cursor:
                params["cursor"] = cursor
            start = perf()
            try:
                status, headers, content = await connection.get(
                    "/resources/?" + urllib.parse.urlencode(params)
                )
            except TRANSPORT_ERRORS as error:
                errors.add(f"{type(error).__name__}: {error}")
                cursor = None
                continue
            if status != 200:
                errors.add(f"{status}: {content[:300].decode(errors='replace')}")
                cursor = None
                continue
            latencies.append(perf() - start)
            count = len(loads(content))
            items_seen += count
            walked += count
            cursor = headers.get("x-next-cursor")
            if cursor is None:
                if walked != expected[query]:
                    errors.add(f"walk of {dict(queries[query])} saw {walked}, expected {expected[query]}")
                walks_checked += 1
                walked = 0
                query = (query + walkers) % len(queries)

    result = await measure_phase(
        name,
        "list",
        lambda: asyncio.gather(*(walker(c, k % len(queries)) for k, c in enumerate(pool))),
        latencies,
        errors,
        concurrency=walkers,
        server_pid=server_pid,
    )
    result.notes["avg_items_per_page"] = round(items_seen / max(len(latencies), 1), 1)
    result.notes["complete_walks_checked"] = walks_checked
    return result


# ---------------------------------------------------------------------------------------------
# Processes, machine, output


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log: Callable[[], str], seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log()[-4000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become healthy in {seconds}s:\n{log()[-4000:]}")


def start_testkit_server(
    home: Path,
    token: str,
    concurrency: int,
    extra_args: Sequence[str] = (),
    *,
    wrapper: Sequence[str] = (),
    healthy_within: float = 90,
) -> tuple[subprocess.Popen[bytes], str]:
    """``pragma-os serve`` with a worker process for the test provider ``testkit`` (no-op
    handlers unless told otherwise), its home, data and log (``server.log``) in ``home``;
    returns the process and its URL once healthy. ``wrapper``: a command the server runs
    under (a profiler's)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PRAGMA_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        PYTHONPATH=str(REPOSITORY / "testing" / "providers"),
        PRAGMA_BOOTSTRAP_TOKEN=token,
        PRAGMA_WORKER_CONCURRENCY=str(concurrency),
    )
    command = [
        *wrapper, sys.executable, "-m", "pragma_os", "serve",
        "--port", str(port), "--data-dir", str(home / "data"), "--no-write-credentials",
        "--provider-package", "testkit_provider", *extra_args,
    ]  # fmt: skip
    log_path = home / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, lambda: log_path.read_text(errors="replace"), healthy_within)
    return process, url


def argument_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line of a benchmark whose ``--help`` shows ``doc``, its module docstring, as
    written: what it measures and the example runs."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def machine_info(client: str) -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    except (OSError, ValueError, subprocess.CalledProcessError):
        nproc = os.cpu_count() or 0
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "nproc": nproc,
        "cpu_model": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "loadgen_loop": loop,
        "client": f"httpx {httpx.__version__} AsyncClient"
        if client == "httpx"
        else "raw HTTP/1.1 (bench/_load.py)",
    }


def run(coroutine_factory: Callable[[], Any]) -> Any:
    """Run the load generator on uvloop when it is installed (same for every benchmark)."""
    try:
        import uvloop

        return uvloop.run(coroutine_factory())
    except ImportError:  # pragma: no cover
        return asyncio.run(coroutine_factory())


def format_table(results: Sequence[PhaseResult]) -> str:
    header = (
        f"{'phase':<34} {'reqs':>7} {'conc':>4} {'rate/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errs':>4} {'srvCPU':>6} {'of sys':>6} {'genCPU':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<34} {r.requests:>7} {r.concurrency:>4} {r.rate_per_s:>9.1f} {r.p50_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.max_ms:>8.1f} {r.errors:>4} {r.server_cpu_cores:>6.2f} "
            f"{r.notes.get('server_sys_cores', float('nan')):>6.2f} {r.loadgen_cpu_cores:>6.2f}"
        )
    lines.append(
        "rate/s = successful requests / wall time; srvCPU, genCPU = CPU cores used on average by "
        "the server process (all threads; 'of sys' = kernel part) and by the load generator."
    )
    return "\n".join(lines)


def format_machine(info: Mapping[str, Any]) -> str:
    return (
        f"date: {info['date']}\nmachine: nproc={info['nproc']}, cpu={info['cpu_model']}, "
        f"{info['python']} ({info['platform']})\nload generator: {info['client']} on "
        f"{info['loadgen_loop']}, one keep-alive connection per in-flight request, separate "
        "process from the server"
    )


def write_json(path: str | None, payload: Mapping[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"wrote {path}", file=sys.stderr)
