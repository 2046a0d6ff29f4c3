"""Asking before a command discards something, and refusing when there is no one to ask."""

from __future__ import annotations

import sys

import typer

from pragma_cli.errors import CliError, UsageError


def confirm(question: str, *, doing: str = "delete") -> None:
    """Ask ``question`` on the terminal; go on only on a yes (``doing``: what it would do).

    Raises:
        UsageError: stdin is not a terminal (a script, a pipe): the command needs ``--yes``.
        CliError: The answer was no.
    """
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to {doing} without confirmation", "Pass --yes to confirm")
    if not typer.confirm(question, default=False):
        raise CliError(f"cancelled; nothing was {'applied' if doing == 'apply' else 'deleted'}")
