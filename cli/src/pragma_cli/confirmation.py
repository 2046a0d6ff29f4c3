"""Asking before a command discards something, and refusing when there is no one to ask."""

from __future__ import annotations

import sys

import typer

from pragma_cli.errors import CliError, UsageError


def confirm(question: str) -> None:
    """Ask ``question`` on the terminal; go on only on a yes.

    Raises:
        UsageError: stdin is not a terminal (a script, a pipe): the command needs ``--yes``.
        CliError: The answer was no.
    """
    if not sys.stdin.isatty():
        raise UsageError("refusing to delete without confirmation", "Pass --yes to confirm")
    if not typer.confirm(question, default=False):
        raise CliError("cancelled; nothing was deleted")
