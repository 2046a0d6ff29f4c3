"""Exceptions of the SDK: client answers, provider authoring (dependencies, subresources, discovery).

Client calls raise ``httpx`` errors (see ``pragma_sdk.client``): ``httpx.HTTPStatusError`` for
an error answer, ``NotFoundError`` (a subclass) when what was asked for does not exist. The tree::

    Exception
    ├── httpx.HTTPStatusError
    │   └── NotFoundError            404: no such resource (or build, file, event...)
    ├── ResourceFailedError          a subresource waited on ended in ``failed``
    ├── LookupError
    │   └── ProviderDiscoveryError   no Provider, or several, in a provider package
    └── RuntimeError
        ├── DependencyNotResolvedError   ``Dependency.resolve()`` before the runtime filled it
        └── NoRuntimeContextError        ``Resource.apply()``/``wait_ready()`` outside a handler
"""

from __future__ import annotations

import httpx


class NotFoundError(httpx.HTTPStatusError):
    """What a client call asked for does not exist; ``response.status_code`` is 404.

    An ``httpx.HTTPStatusError``, so ``except httpx.HTTPStatusError`` and a check of
    ``error.response.status_code == 404`` keep working.
    """


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
