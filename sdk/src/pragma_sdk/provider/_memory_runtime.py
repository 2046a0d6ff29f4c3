"""``InMemoryRuntime``: the runtime context ``ProviderHarness`` gives handlers, with no server.

Subresources a handler applies are kept in memory and are ready at once, unless a test says
they fail or never become ready.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pragma_sdk.errors import ResourceFailedError
from pragma_sdk.models import LifecycleState
from pragma_sdk.resource import Outputs, Resource, outputs_class_of


def _identity(resource: Resource[Any, Any] | str) -> str:
    return resource if isinstance(resource, str) else resource.id


class InMemoryRuntime:
    """A ``RuntimeContext`` keeping subresources in memory.

    A subresource is ready as soon as it is applied, with the outputs set by ``set_outputs``
    (or ``None``); ``fail`` and ``hold`` make ``wait_ready`` raise ``ResourceFailedError`` or
    wait out its timeout and raise ``TimeoutError``.

    Attributes:
        applied: Every subresource applied, in order, as applied (copies).
    """

    def __init__(self) -> None:
        """Start with no subresources and no configured outcomes."""
        self.applied: list[Resource[Any, Any]] = []
        self._stored: dict[str, Resource[Any, Any]] = {}
        self._outputs: dict[str, Outputs | Mapping[str, Any]] = {}
        self._failures: dict[str, str] = {}
        self._held: set[str] = set()

    def set_outputs(self, resource: Resource[Any, Any] | str, outputs: Outputs | Mapping[str, Any]) -> None:
        """Report ``outputs`` for ``resource`` (an instance or an id) when it becomes ready."""
        self._outputs[_identity(resource)] = outputs

    def fail(self, resource: Resource[Any, Any] | str, error: str) -> None:
        """Make ``resource`` end in ``failed``: ``wait_ready`` raises ``ResourceFailedError(error)``."""
        self._failures[_identity(resource)] = error

    def hold(self, resource: Resource[Any, Any] | str) -> None:
        """Keep ``resource`` from becoming ready: ``wait_ready`` raises ``TimeoutError`` after its timeout."""
        self._held.add(_identity(resource))

    def clear(self) -> None:
        """Forget the subresources applied; configured outcomes stay."""
        self.applied.clear()
        self._stored.clear()

    async def apply(self, resource: Resource[Any, Any]) -> Resource[Any, Any]:
        """Record ``resource`` and return it as stored, ``pending``."""
        stored = resource.model_copy(deep=True)
        stored.lifecycle_state = LifecycleState.PENDING
        self.applied.append(stored.model_copy(deep=True))
        self._stored[stored.id] = stored
        return stored.model_copy(deep=True)

    async def wait_ready(self, resource: Resource[Any, Any], timeout: float) -> Resource[Any, Any]:
        """Return ``resource`` ready with its configured outputs, or raise as configured.

        Raises:
            ResourceFailedError: ``fail()`` was called for it.
            TimeoutError: ``hold()`` was called for it; raised after ``timeout`` seconds.
            LookupError: It was never applied.
        """
        identifier = resource.id
        if identifier not in self._stored:
            raise LookupError(f"{identifier} was never applied in this harness")
        if identifier in self._failures:
            raise ResourceFailedError(identifier, self._failures[identifier])
        if identifier in self._held:
            await asyncio.sleep(timeout)
            raise TimeoutError(f"{identifier} was not ready within {timeout} seconds")
        ready = self._stored[identifier].model_copy(deep=True)
        ready.lifecycle_state = LifecycleState.READY
        outputs = self._outputs.get(identifier)
        outputs_class = outputs_class_of(type(resource))
        if isinstance(outputs, Mapping) and outputs_class is not None:
            ready.outputs = outputs_class.model_validate(outputs)
        elif outputs is not None:
            ready.outputs = outputs
        self._stored[identifier] = ready
        return ready.model_copy(deep=True)
