"""The global options of one ``pragma`` run, and the clients and consoles built from them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from pragma_cli.errors import CliError
from pragma_cli.output import OutputFormat

# The SDK's clients import httpx and pydantic: only commands that talk to the API need them.
if TYPE_CHECKING:
    from pragma_sdk import AsyncPragmaClient, PragmaClient

REQUEST_TIMEOUT = 30.0


@dataclass
class CliState:
    """What ``--context``, ``--token``, ``--api-url``, ``--output`` and ``--debug`` said.

    ``main`` creates it and keeps it, so it can still see ``debug`` after a failure.
    """

    context: str | None = None
    token: str | None = None
    api_url: str | None = None
    output: OutputFormat = OutputFormat.TABLE
    debug: bool = False

    @cached_property
    def out(self) -> Console:
        """Console for data (stdout)."""
        return Console(highlight=False)

    @cached_property
    def err(self) -> Console:
        """Console for progress, notes and errors (stderr)."""
        return Console(stderr=True, highlight=False)

    @property
    def context_name(self) -> str:
        """The context in force: ``--context``, ``PRAGMA_CONTEXT``, the config's, or ``default``."""
        from pragma_sdk import credentials

        return credentials.current_context(self.context)

    @property
    def base_url(self) -> str:
        """The API URL: ``--api-url``, ``PRAGMA_API_URL``, the context's ``api_url`` or localhost."""
        from pragma_sdk import credentials

        return (self.api_url or credentials.api_url(self.context_name)).rstrip("/")

    def auth_token(self) -> str:
        """The token to send: ``--token``, else the one the SDK finds for the context.

        Raises:
            CliError: There is none; says how to log in.
        """
        from pragma_sdk import credentials

        token = self.token or credentials.discover_token(self.context_name)
        if not token:
            raise CliError(
                f"not logged in: no API token for context '{self.context_name}'",
                "Run 'pragma auth login', pass --token, or set PRAGMA_AUTH_TOKEN",
            )
        return token

    def client(self, token: str | None = None, timeout: float = REQUEST_TIMEOUT) -> PragmaClient:
        """A client for the API URL and token in force (``token`` replaces the token)."""
        from pragma_sdk import PragmaClient

        return PragmaClient(
            base_url=self.base_url,
            timeout=timeout,
            auth_token=token or self.auth_token(),
            context=self.context_name,
        )

    def async_client(self, timeout: float = REQUEST_TIMEOUT) -> AsyncPragmaClient:
        """An async client for the API URL and token in force (used to watch with a deadline)."""
        from pragma_sdk import AsyncPragmaClient

        return AsyncPragmaClient(
            base_url=self.base_url, timeout=timeout, auth_token=self.auth_token(), context=self.context_name
        )

    def output_format(self, override: OutputFormat | None) -> OutputFormat:
        """The command's ``-o`` when given, else the global one; ``wide`` is a table too."""
        chosen = override or self.output
        return OutputFormat.TABLE if chosen is OutputFormat.WIDE else chosen

    def is_wide(self, override: OutputFormat | None) -> bool:
        """Whether ``-o wide`` asked for tables with more columns and messages whole."""
        return (override or self.output) is OutputFormat.WIDE


def state_of(ctx: typer.Context) -> CliState:
    """The run's ``CliState``, kept on the root context."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
