"""``python -m pragma_sdk.worker``: run a provider package as a worker process."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import importlib.util
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import httpx

from pragma_sdk import tracing
from pragma_sdk.client import AsyncPragmaClient
from pragma_sdk.log_format import LOG_FORMATS, JsonFormatter, current_request_id
from pragma_sdk.provider import Provider, discover_providers
from pragma_sdk.worker._runtime import Worker
from pragma_sdk.worker._transport import LeanTransport

_PR_SET_PDEATHSIG = 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pragma_sdk.worker", description="Run a provider package's handlers."
    )
    parser.add_argument("--package", action="append", required=True, help="provider package (repeatable)")
    parser.add_argument("--api-url", default=None, help="API URL (default: PRAGMA_API_URL or the context's)")
    parser.add_argument("--context", default=None, help="context for token discovery")
    parser.add_argument("--concurrency", type=int, default=100, help="handlers running at once")
    parser.add_argument("--worker-id", default=None, help="id of this worker's leases")
    parser.add_argument("--handler-timeout", type=float, default=300.0, help="seconds per handler")
    parser.add_argument("--shutdown-grace", type=float, default=30.0, help="seconds to finish on SIGTERM")
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=os.environ.get("PRAGMA_LOG_FORMAT") or "plain",
        help="plain text, or one JSON object per line (default: PRAGMA_LOG_FORMAT or plain)",
    )
    parser.add_argument(
        "--parent-pid",
        type=int,
        default=None,
        help="stop when this process (the one that started it) is gone",
    )
    return parser.parse_args(argv)


class _WorkerClient(AsyncPragmaClient):
    """The worker's client: its protocol's requests (lease, complete, heartbeat) go through
    ``LeanTransport``, everything else (a handler's subresources, files) through httpx's own."""

    def _http_options(self) -> dict[str, Any]:
        return {
            "transport": LeanTransport(httpx.AsyncHTTPTransport()),
            "event_hooks": {"request": [_forward_request_id, _forward_traceparent]},
        }


async def _forward_request_id(request: httpx.Request) -> None:
    """A handler's calls (its subresources' applies) carry the request id of the event it runs
    for: the subresource's own event, and the server's lines about it, then carry it too."""
    request_id = current_request_id()
    if request_id is not None and "x-request-id" not in request.headers:
        request.headers["X-Request-ID"] = request_id


async def _forward_traceparent(request: httpx.Request) -> None:
    """A handler's calls continue its span's trace: a subresource's apply is its child."""
    traceparent = tracing.traceparent_of_current()
    if traceparent is not None and "traceparent" not in request.headers:
        request.headers["traceparent"] = traceparent


async def _serve(arguments: argparse.Namespace, providers: list[Provider]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if arguments.parent_pid is not None and not _stop_with_parent(arguments.parent_pid):
        stop.set()
    async with _WorkerClient(
        base_url=arguments.api_url, context=arguments.context, require_auth=True, timeout=30.0
    ) as client:
        worker = Worker(
            providers,
            client,
            concurrency=arguments.concurrency,
            worker_id=arguments.worker_id,
            handler_timeout=arguments.handler_timeout,
            shutdown_grace=arguments.shutdown_grace,
        )
        names = ", ".join(sorted(provider.name for provider in providers))
        logging.getLogger("pragma_sdk.worker").info(
            "Worker %s serving %s against %s", worker.worker_id, names, client.base_url
        )
        await worker.run(stop)


def _stop_with_parent(parent_pid: int) -> bool:
    """Have the kernel send SIGTERM (a graceful stop) when the parent dies (Linux); returns
    whether the parent is still there (it may have died while this process started)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    return os.getppid() == parent_pid


def _skip_absent_sniffio() -> None:
    """Make ``import sniffio`` fail at once when it is not installed.

    httpcore imports ``sniffio`` several times per request to learn the event loop, and a
    failed import is not cached: each one searches ``sys.path`` again (measured: a sixth of an
    idle worker's CPU, about 0.7 ms per request on a 2-core VM). ``None`` in ``sys.modules``
    fails it without the search; httpcore then assumes asyncio, which is what this process
    runs. Only this process, a worker started as a program, is affected.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (the platform's server installs it), a cheaper
    loop for a worker's many small requests; asyncio's own otherwise."""
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _configure_logging(log_format: str) -> None:
    """Lines on stderr at INFO: plain text, or JSON objects carrying the handler's context."""
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    """Run the worker until SIGTERM or SIGINT; returns the exit code."""
    arguments = _arguments(argv)
    _skip_absent_sniffio()
    _configure_logging(arguments.log_format)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        providers = [provider for package in arguments.package for provider in discover_providers(package)]
    except (ImportError, LookupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        # Global: spans the handlers (and their libraries) make join the handler's span.
        tracing.configure("pragma-worker", global_provider=True)
    except tracing.TracingUnavailableError as error:
        # Handlers run all the same, untraced: a provider's environment may lack the extra.
        logging.getLogger("pragma_sdk.worker").warning("%s; handlers run without traces", error)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_serve(arguments, providers))
    except ValueError as error:  # no token found
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        tracing.shutdown()  # exports the spans still buffered
    return 0


if __name__ == "__main__":
    sys.exit(main())
