"""Failures the CLI reports as one line, and how API and network errors become such a line.

Every command raises ``CliError`` (exit 1) or ``UsageError`` (exit 2) for what it expects to
go wrong; ``main`` prints them and turns httpx errors into them with ``explain``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

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
    """A ``CliError`` for an API or network error: what was being done, the server's reason
    (as the SDK's ``PragmaAPIError`` carries it), the status.

    Args:
        error: The SDK's ``PragmaAPIError`` (an ``httpx.HTTPStatusError``), an
            ``httpx.TransportError`` or another httpx error.
        action: What the command was doing ("get mycloud/database/db"); the request's method
            and path when not given.
        context: The context in use, named in the hint for authentication failures.
    """
    import httpx

    from pragma_sdk.errors import PragmaAPIError

    if isinstance(error, PragmaAPIError):
        what = action or f"{error.request.method} {error.request.url.path}"
        reason = error.message
        if error.status == 401:
            reason = reason.split(". ")[0].rstrip(".")  # the server's how-to-log-in follows
        details: list[str] = []
        if len(error.problems) > 1:  # one line for the error, one below it for each problem
            reason = error.summary or f"{len(error.problems)} problems"
            details = [str(problem) for problem in error.problems]
        subject = what.partition(" ")[2]
        if subject and reason.startswith(f"{subject} "):
            # The server's sentence already says what could not be done to what.
            message = f"{reason.rstrip('.')} (HTTP {error.status})"
        else:
            message = f"cannot {what}: {reason.rstrip('.')} (HTTP {error.status})"
        return CliError(message, _status_hint(error.status, context), details)
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
