"""OpenTelemetry traces, off unless the standard ``OTEL_*`` variables ask for them.

``configure`` installs a tracer provider exporting over OTLP/HTTP when
``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set, or
``OTEL_TRACES_EXPORTER`` names an exporter other than ``none``; ``OTEL_SDK_DISABLED=true``
keeps it off. Without it ``span`` costs one check and OpenTelemetry is never imported, so the
SDK works without the ``otel`` extra installed.

Spans are joined across processes by W3C ``traceparent`` strings: an event records the one of
the apply that caused it, and the worker's handler span takes it as its parent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer

_log = logging.getLogger(__name__)

Attributes = Mapping[str, str | int | float | bool]

_provider: TracerProvider | None = None
_tracer: Tracer | None = None


class TracingUnavailableError(RuntimeError):
    """Traces were asked for, but the OpenTelemetry SDK is not installed."""


def wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the standard OpenTelemetry variables ask for traces to be exported."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def enabled() -> bool:
    """Whether ``configure`` installed a tracer provider in this process."""
    return _tracer is not None


def configure(
    service_name: str, environ: Mapping[str, str] | None = None, *, global_provider: bool = False
) -> bool:
    """Install a tracer provider when the environment asks for traces; returns whether it did.

    ``service_name`` is the ``service.name`` unless ``OTEL_SERVICE_NAME`` (or
    ``OTEL_RESOURCE_ATTRIBUTES``) names another. With ``global_provider`` it also becomes
    OpenTelemetry's global tracer provider, so the spans other code makes (a handler's, its
    libraries') are exported with ours.

    Raises:
        TracingUnavailableError: Traces are asked for and ``opentelemetry-sdk`` is missing.
    """
    global _provider, _tracer
    env = os.environ if environ is None else environ
    if _tracer is not None or not wanted(env):
        return _tracer is not None
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as error:
        raise TracingUnavailableError(
            "OTEL_* variables ask for traces, but OpenTelemetry is not installed: "
            "pip install 'pragmatiks-sdk[otel]'"
        ) from error
    named = env.get("OTEL_SERVICE_NAME") or "service.name" in _resource_attributes(env)
    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; what it is given wins.
    provider = TracerProvider(resource=Resource.create({} if named else {SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(env)))
    if global_provider:
        trace.set_tracer_provider(provider)
    _provider, _tracer = provider, provider.get_tracer("pragma")
    return True


def _resource_attributes(env: Mapping[str, str]) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(",") if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def _exporter(env: Mapping[str, str]) -> Any:
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
    if protocol and protocol != "http/protobuf":
        _log.warning("OTLP protocol %r is not supported; exporting traces over http/protobuf", protocol)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def shutdown() -> None:
    """Export the spans still buffered and uninstall the tracer provider."""
    global _provider, _tracer
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


def _context(traceparent: str | None) -> Context | None:
    """The remote parent a ``traceparent`` string names (``None``: none, or malformed)."""
    if not traceparent:
        return None
    from opentelemetry.trace import get_current_span
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    context = TraceContextTextMapPropagator().extract({"traceparent": traceparent})
    return context if get_current_span(context).get_span_context().is_valid else None


def traceparent_of_current() -> str | None:
    """The ``traceparent`` of the span current in this context (``None`` when tracing is off)."""
    if _tracer is None:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span(
    name: str,
    *,
    parent: str | None = None,
    attributes: Attributes | None = None,
    links: Sequence[str] = (),
    start_time: int | None = None,
) -> Iterator[str | None]:
    """Run the block in a span ``name``, a child of the ``parent`` traceparent when given (else of
    the current span); yields the span's own traceparent, ``None`` when tracing is off.

    An exception leaving the block is recorded on the span and sets its status to error.
    """
    if _tracer is None:
        yield None
        return
    from opentelemetry.trace import Link, get_current_span, use_span

    context = _context(parent)
    span_links = [
        Link(get_current_span(linked).get_span_context())
        for linked in filter(None, (_context(traceparent) for traceparent in links))
    ]
    started = _tracer.start_span(
        name, context=context, attributes=attributes, links=span_links, start_time=start_time
    )
    with use_span(started, end_on_exit=True, record_exception=True, set_status_on_exception=True):
        yield traceparent_of_current()


@contextmanager
def continued(traceparent: str | None) -> Iterator[None]:
    """Make the remote span ``traceparent`` names the current parent within the block (as for a
    request carrying a ``traceparent`` header); nothing when tracing is off or it is malformed."""
    context = _context(traceparent) if _tracer is not None else None
    if context is None:
        yield
        return
    from opentelemetry.context import attach, detach

    token = attach(context)
    try:
        yield
    finally:
        detach(token)


def fail_current(description: str) -> None:
    """Set the current span's status to error (for a failure returned rather than raised)."""
    if _tracer is None:
        return
    from opentelemetry.trace import Status, StatusCode, get_current_span

    get_current_span().set_status(Status(StatusCode.ERROR, description))
