"""What the built-in handlers reach in the server: file storage, URL signing, the caller's organization."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from pragma_os.files.storage import FileStorage


@dataclass(frozen=True)
class BuiltinServices:
    """Set once when the server starts the built-in provider."""

    files: FileStorage
    signing_key: bytes
    api_url: str


class BuiltinNotStartedError(RuntimeError):
    """A built-in handler ran outside the server's built-in worker."""


_services: ContextVar[BuiltinServices] = ContextVar("pragma_builtin_services")
_organization: ContextVar[str] = ContextVar("pragma_builtin_organization")


def use_services(services: BuiltinServices) -> None:
    """Make ``services`` available to the handlers run in this context."""
    _services.set(services)


def use_organization(organization_id: str) -> None:
    """The organization whose event the handler in this context runs for."""
    _organization.set(organization_id)


def services() -> BuiltinServices:
    """The server's services for built-in handlers."""
    try:
        return _services.get()
    except LookupError:
        raise BuiltinNotStartedError("the built-in pragma provider runs only inside the server") from None


def organization() -> str:
    """The organization of the event being handled."""
    try:
        return _organization.get()
    except LookupError:
        raise BuiltinNotStartedError("no organization is set for this built-in handler") from None
