"""Exceptions of provider authoring: dependencies, subresources and discovery.

Client calls raise ``httpx`` errors instead (see ``pragma_sdk.client``). The tree::

    Exception
    ├── ResourceFailedError          a subresource waited on ended in ``failed``
    ├── LookupError
    │   └── ProviderDiscoveryError   no Provider, or several, in a provider package
    └── RuntimeError
        ├── DependencyNotResolvedError   ``Dependency.resolve()`` before the runtime filled it
        └── NoRuntimeContextError        ``Resource.apply()``/``wait_ready()`` outside a handler
"""

from __future__ import annotations


class ResourceFailedError(Exception):
    """A resource ended in the ``failed`` state while a handler waited for it to become ready.

    Attributes:
        resource_id: Id of the resource that failed.
        error: The error the platform recorded for it, when known.
    """

    def __init__(self, resource_id: str, error: str | None = None) -> None:
        """Build the error for ``resource_id`` with the platform's ``error`` text."""
        super().__init__(f"{resource_id} failed: {error or 'no error message'}")
        self.resource_id = resource_id
        self.error = error


class DependencyNotResolvedError(RuntimeError):
    """A ``Dependency`` was read before the runtime resolved it to the resource it names."""


class NoRuntimeContextError(RuntimeError):
    """``Resource.apply()`` or ``wait_ready()`` was called outside a running handler."""


class ProviderDiscoveryError(LookupError):
    """A provider package holds no ``Provider`` instance at module level, or several."""
