"""Exceptions of the SDK: client answers, provider authoring (dependencies, subresources, discovery).

Every error answer of the API raises ``PragmaAPIError``, an ``httpx.HTTPStatusError`` (so
``except httpx.HTTPStatusError`` and ``error.response.status_code`` keep working) that carries
what the server said: ``status``, ``message``, ``field``, ``detail`` and ``problems``. Transport
failures stay ``httpx.TransportError``. The tree::

    Exception
    ├── httpx.HTTPStatusError
    │   └── PragmaAPIError           any 4xx or 5xx answer of the API
    │       ├── NotFoundError        404: no such resource (or build, file, event...)
    │       └── ConflictError        409: clashes with what is stored (dependents, a lease lost)
    ├── ResourceFailedError          a resource waited on ended in ``failed`` or was deleted
    ├── LookupError
    │   └── ProviderDiscoveryError   no Provider, or several, in a provider package
    └── RuntimeError
        ├── DependencyNotResolvedError   ``Dependency.resolve()`` before the runtime filled it
        └── NoRuntimeContextError        ``Resource.apply()``/``wait_ready()`` outside a handler
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import httpx


@dataclass(frozen=True)
class Problem:
    """One problem an error answer names: a broken rule of a config, a refused document of a
    batch, an entry of a request validation error.

    Attributes:
        field: Where the problem is (``config.size``, ``documents[1].config``), or ``None``
            when the server names no place.
        message: What is wrong there.
    """

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class PragmaAPIError(httpx.HTTPStatusError):
    """An error answer (4xx or 5xx) of the API, with what the server said about it.

    Attributes:
        status: The HTTP status, as ``response.status_code``.
        message: The server's explanation in one line, naming every problem it lists.
        field: The field the server names (``detail.field``; for a request validation error,
            the first entry's location), or ``None``.
        detail: The ``detail`` of the answer as sent: a dict for the server's own errors, a
            list for request validation errors, the text of an answer that is not JSON.
        problems: Every problem the answer names, in the server's order: ``detail.errors``
            (each broken rule of a config, each refused document of a batch), each entry of
            a request validation error, or the one field-naming problem; empty when the
            server names none.
    """

    status: int
    message: str
    field: str | None
    detail: Any
    problems: tuple[Problem, ...]

    _by_status: ClassVar[dict[int, type[PragmaAPIError]]] = {}

    def __init__(
        self, message: str | None = None, *, request: httpx.Request, response: httpx.Response
    ) -> None:
        """Read the server's explanation from ``response``; ``message`` replaces the text of
        ``str(error)``, which by default names the status, the request and the explanation."""
        self.status = response.status_code
        self.detail, self.field, self.problems, headline = _read_detail(response)
        several = len(self.problems) > 1
        listed = "; ".join(str(problem) for problem in self.problems)
        self.message = (f"{headline}: {listed}" if headline else listed) if several else headline
        self._headline = headline if several else self.message
        text = f"{self.status} {response.reason_phrase} for {request.method} {request.url}: {self.message}"
        super().__init__(message or text, request=request, response=response)

    @property
    def summary(self) -> str:
        """The message without the problems it lists when there are several (``"1 of 2
        document(s) refused, nothing was applied"``); empty when the server said only them."""
        return self._headline

    @classmethod
    def from_response(cls, response: httpx.Response) -> PragmaAPIError:
        """The error for an error answer: ``NotFoundError`` for a 404, ``ConflictError`` for a
        409, else ``PragmaAPIError``. The response must have been read."""
        kind = cls._by_status.get(response.status_code, PragmaAPIError)
        return kind(request=response.request, response=response)


class NotFoundError(PragmaAPIError):
    """What a client call asked for does not exist; ``status`` is 404.

    Also raised by ``delete_resource`` for a resource that was already gone. An
    ``httpx.HTTPStatusError``, so ``except httpx.HTTPStatusError`` and a check of
    ``error.response.status_code == 404`` keep working.
    """


class ConflictError(PragmaAPIError):
    """The request clashes with what is stored; ``status`` is 409.

    Deleting a resource others depend on, deploying a version without a type still in use,
    a worker that no longer holds an event's lease, a batch whose every refusal is a clash.
    """


PragmaAPIError._by_status.update({404: NotFoundError, 409: ConflictError})


def _read_detail(response: httpx.Response) -> tuple[Any, str | None, tuple[Problem, ...], str]:
    """``detail``, ``field``, the problems and the server's own message of an error answer."""
    try:
        body = response.json()
    except httpx.ResponseNotRead:
        return None, None, (), response.reason_phrase
    except ValueError:
        text = response.text.strip()
        return text or None, None, (), text or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):  # request validation: an entry per problem, no message
        problems = tuple(_validation_problem(entry) for entry in detail)
        field = problems[0].field if problems else None
        if len(problems) == 1:
            return detail, field, problems, str(problems[0])
        return detail, field, problems, ""
    if not isinstance(detail, dict):
        return detail, None, (), str(detail)
    message = str(detail.get("message") or detail)
    field = detail["field"] if isinstance(detail.get("field"), str) else None
    listed = detail.get("errors")
    if isinstance(listed, list) and listed:
        problems = tuple(_listed_problem(entry) for entry in listed)
    elif field:  # the server's own errors say "field: rule"
        problems = (Problem(field, message.removeprefix(f"{field}: ")),)
    else:
        problems = ()
    if len(problems) > 1:  # the message ends with the first problem: keep what precedes it
        message = message.removesuffix(str(problems[0])).rstrip(": ")
    return detail, field, problems, message


def _listed_problem(entry: Any) -> Problem:
    if not isinstance(entry, dict):
        return Problem(None, str(entry))
    field = entry.get("field")
    return Problem(str(field) if field else None, str(entry.get("rule") or entry.get("message") or entry))


def _validation_problem(entry: Any) -> Problem:
    if not isinstance(entry, dict):
        return Problem(None, str(entry))
    location = [str(part) for part in entry.get("loc", []) if part not in ("body", "query", "path")]
    return Problem(".".join(location) or None, str(entry.get("msg", entry)))


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
