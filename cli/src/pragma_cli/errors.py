"""Failures the CLI reports as one line, and how API and network errors become such a line.

Every command raises ``CliError`` (exit 1) or ``UsageError`` (exit 2) for what it expects to
go wrong; ``main`` prints them and turns httpx errors into them with ``explain``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """An expected failure, printed as ``error: message. hint`` on one line.

    Attributes:
        message: What failed and why.
        hint: What to do about it, if there is something to say.
        details: Each of several problems (every broken rule of a config), one line each,
            printed under the error line.
        exit_code: 1 for a failed operation, 2 for a usage error.
    """

    exit_code = EXIT_FAILED

    def __init__(self, message: str, hint: str | None = None, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = list(details)

    def line(self) -> str:
        """The whole report: message and hint, without line breaks."""
        text = self.message.rstrip()
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return " ".join(text.split())


class UsageError(CliError):
    """The command line itself is wrong (a missing choice, a malformed argument): exit 2."""

    exit_code = EXIT_USAGE


def server_reason(response: httpx.Response) -> str:
    """The server's own explanation of an error response, flattened into one line."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    detail: Any = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        message = str(detail.get("message") or detail)
        named = [str(item) for item in detail.get("dependents") or [] if str(item) not in message]
        if named:
            message = f"{message.rstrip('.')} (depended on by {', '.join(named)})"
        return message
    if isinstance(detail, list):
        return "; ".join(_validation_line(item) for item in detail)
    return str(detail)


def server_problems(response: httpx.Response) -> list[dict[str, Any]]:
    """Each problem an error response lists in ``detail.errors`` (every broken rule of a
    config, every refused document of a batch): dicts with ``field`` and ``rule``."""
    try:
        body = response.json()
    except ValueError:
        return []
    detail = body.get("detail") if isinstance(body, dict) else None
    problems = detail.get("errors") if isinstance(detail, dict) else None
    if not isinstance(problems, list):
        return []
    return [item for item in problems if isinstance(item, dict) and item.get("field")]


def problem_line(problem: dict[str, Any]) -> str:
    """``field: rule`` of one problem of ``server_problems``."""
    return f"{problem['field']}: {problem.get('rule') or problem.get('message') or 'is refused'}"


def _validation_line(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path")]
    message = str(item.get("msg", item))
    return f"{'.'.join(location)}: {message}" if location else message


def _status_hint(status: int, context: str | None) -> str | None:
    if status == 401:
        where = f" for context '{context}'" if context else ""
        return f"Log in with 'pragma auth login'{where}, or pass --token"
    if status == 403:
        return "Your token is not allowed to do this; ask an admin of your organization"
    if status >= 500:
        return "The server failed; its log says why"
    return None


def explain(error: Exception, action: str | None = None, *, context: str | None = None) -> CliError:
    """A ``CliError`` for an httpx error: what was being done, the server's reason, the status.

    Args:
        error: An ``httpx.HTTPStatusError``, ``httpx.TransportError`` or another httpx error.
        action: What the command was doing ("get mycloud/database/db"); the request's method
            and path when not given.
        context: The context in use, named in the hint for authentication failures.
    """
    import httpx

    if isinstance(error, httpx.HTTPStatusError):
        response = error.response
        what = action or f"{error.request.method} {error.request.url.path}"
        reason = server_reason(response)
        if response.status_code == 401:
            reason = reason.split(". ")[0].rstrip(".")  # the server's how-to-log-in follows
        problems = [problem_line(problem) for problem in server_problems(response)]
        details: list[str] = []
        if len(problems) > 1:  # the server's message names the first: list them all below
            reason = reason.removesuffix(problems[0]).rstrip(": ") or f"{len(problems)} problems"
            details = problems
        subject = what.partition(" ")[2]
        if subject and reason.startswith(f"{subject} "):
            # The server's sentence already says what could not be done to what.
            message = f"{reason.rstrip('.')} (HTTP {response.status_code})"
        else:
            message = f"cannot {what}: {reason.rstrip('.')} (HTTP {response.status_code})"
        return CliError(message, _status_hint(response.status_code, context), details)
    if isinstance(error, httpx.TimeoutException):
        url = _origin(error)
        return CliError(
            f"cannot {action or 'reach the API'}: the API at {url} did not answer in time",
            "Check that the server is up and not overloaded, then try again",
        )
    if isinstance(error, httpx.TransportError):
        url = _origin(error)
        reason = str(error) or type(error).__name__
        return CliError(
            f"cannot reach the API at {url}: {reason}",
            "Is the server running? Start one with 'pragma-os serve', or point at another with "
            "--api-url or 'pragma config use-context NAME'",
        )
    return CliError(f"cannot {action or 'talk to the API'}: {error}")


def _origin(error: httpx.HTTPError) -> str:
    try:
        url = error.request.url
    except RuntimeError:  # an error raised before any request was built
        return "the configured URL"
    return f"{url.scheme}://{url.netloc.decode()}"


@contextmanager
def doing(action: str, *, context: str | None = None) -> Iterator[None]:
    """Turn httpx errors raised inside the block into a ``CliError`` that names ``action``."""
    import httpx

    try:
        yield
    except httpx.HTTPError as error:
        raise explain(error, action, context=context) from error
