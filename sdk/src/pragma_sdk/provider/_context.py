"""The runtime context of a running handler: what ``Resource.apply()`` and ``wait_ready()`` use.

``handle_event`` sets it in a contextvar for the duration of a handler; the worker runtime
supplies an HTTP-backed ``RuntimeContext``, ``ProviderHarness`` an in-memory one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pragma_sdk.errors import NoRuntimeContextError
from pragma_sdk.models import OwnerReference

if TYPE_CHECKING:
    from pragma_sdk.provider._events import LifecycleEvent
    from pragma_sdk.resource import Resource


@runtime_checkable
class RuntimeContext(Protocol):
    """How handlers reach the platform for subresources.

    One context may serve many events at once: the owner of each call is on the
    ``HandlerScope`` of the handler making it, not on the context.
    """

    async def apply(self, resource: Resource[Any, Any]) -> Resource[Any, Any]:
        """Apply ``resource`` (its ``owner_references`` already set) and return it as stored."""
        ...

    async def wait_ready(self, resource: Resource[Any, Any], timeout: float) -> Resource[Any, Any]:
        """Wait until ``resource`` is ``ready`` and return it with its outputs.

        Raises:
            TimeoutError: It was not ready within ``timeout`` seconds.
            ResourceFailedError: It ended in ``failed``.
        """
        ...


@dataclass(frozen=True)
class HandlerScope:
    """What a running handler runs for: its event, the identity of its resource, the runtime.

    Attributes:
        event: The event being handled.
        owner: The resource the handler runs for; owner of subresources it applies.
        runtime: The runtime context, or ``None`` when none was given to ``handle_event``.
    """

    event: LifecycleEvent
    owner: OwnerReference
    runtime: RuntimeContext | None

    def require_runtime(self, operation: str) -> RuntimeContext:
        """Return the runtime context, or raise ``NoRuntimeContextError`` naming ``operation``."""
        if self.runtime is None:
            raise NoRuntimeContextError(
                f"{operation} needs a runtime context, and none was given to handle_event() "
                f"for event {self.event.event_id}"
            )
        return self.runtime


_current_scope: ContextVar[HandlerScope | None] = ContextVar("pragma_handler_scope", default=None)


def current_scope(operation: str = "this operation") -> HandlerScope:
    """Return the scope of the handler running in this task.

    Raises:
        NoRuntimeContextError: No handler is running; ``operation`` names what was attempted.
    """
    scope = _current_scope.get()
    if scope is None:
        raise NoRuntimeContextError(
            f"{operation} works only inside a lifecycle handler run by the worker runtime or "
            "ProviderHarness; elsewhere use PragmaClient.apply_resource()"
        )
    return scope


@contextmanager
def handler_scope(scope: HandlerScope) -> Iterator[HandlerScope]:
    """Make ``scope`` current for the code in the ``with`` block (and tasks it starts)."""
    token = _current_scope.set(scope)
    try:
        yield scope
    finally:
        _current_scope.reset(token)
