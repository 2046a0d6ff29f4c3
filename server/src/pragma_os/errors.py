"""The server's exception tree; the API edge maps each type to one HTTP status.

PragmaError
├── InvalidInputError      422  a field breaks a rule
├── BatchRefusedError      422  documents of a batch break rules (409 when each clashes)
├── AuthenticationError    401  no valid token
├── ForbiddenError         403  a credential that does not allow this (a bad signed URL, a
│                               worker token outside the worker routes)
├── NotFoundError          404  absent, or another tenant's
├── ConflictError          409  clashes with what is stored
├── PayloadTooLargeError   413  request body over the limit
├── ProviderUnavailableError 503 no worker answered a provider query
└── sandbox.SandboxUnavailableError 503  pushed code cannot be sandboxed here
"""

from __future__ import annotations

from typing import Any


class PragmaError(Exception):
    """Base of domain errors; ``detail`` is what the client is told."""

    status_code = 500

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def detail(self) -> dict[str, Any]:
        """The ``detail`` object of the error response."""
        return {"message": self.message, **self.extra}


class BadRequestError(PragmaError):
    """The request is well-formed but cannot be carried out as asked (a required choice is missing)."""

    status_code = 400


class InvalidInputError(PragmaError):
    """Input that breaks a rule; names the field."""

    status_code = 422

    def __init__(self, field: str, rule: str, **extra: Any) -> None:
        super().__init__(f"{field}: {rule}", field=field, **extra)


class BatchRefusedError(PragmaError):
    """Several documents applied together were refused; none of them was written.

    ``errors`` holds one entry per problem (``index``, ``field``, ``rule``, ``status`` and what
    the single refusal carried); ``field`` is the first entry's. The status is 409 when every
    problem is a clash with stored state, else 422.
    """

    def __init__(self, errors: list[dict[str, Any]], documents: int) -> None:
        first = errors[0]
        refused = len({entry["index"] for entry in errors})
        super().__init__(
            f"{refused} of {documents} document(s) refused, nothing was applied: "
            f"{first['field']}: {first['rule']}",
            field=first["field"],
            errors=errors,
        )
        self.status_code = 409 if all(entry["status"] == 409 for entry in errors) else 422


class AuthenticationError(PragmaError):
    """The request carries no valid token."""

    status_code = 401


class ForbiddenError(PragmaError):
    """The request carries a credential, but it does not allow this request."""

    status_code = 403


class NotFoundError(PragmaError):
    """The thing does not exist for this tenant."""

    status_code = 404


class ConflictError(PragmaError):
    """The request clashes with stored state."""

    status_code = 409


class PayloadTooLargeError(PragmaError):
    """The request body exceeds the configured limit."""

    status_code = 413


class ProviderUnavailableError(PragmaError):
    """A question for a provider got no answer: no worker runs, or its handler failed."""

    status_code = 503
