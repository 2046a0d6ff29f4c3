"""What ``--help`` and shell completion show of each command: whole sentences, flags as flags.

Click shortens a command's help to about 45 characters for command lists and completion
("Create or update the resources of manifest..."); Typer shows a flag's type (``--debug
<bool>``) as if it took a value. ``tidy`` fixes both once, on the built command tree.
"""

from __future__ import annotations

import re

import typer
from typer.core import TyperGroup, TyperOption

HELP_OPTION_NAMES = ["-h", "--help"]
# Completion scripts render each description on a line of 80 columns: a longer one would
# break the line, and fish would read the rest as another completion.
SHORT_HELP_LIMIT = 72


def short_help(text: str) -> str:
    """The first sentence of ``text``, whole, for command lists and completion.

    A sentence too long for a line ends before its list or aside (``:``, ``;``, `` (``):
    "Create a provider project: a package with..." becomes "Create a provider project.".
    """
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    sentence = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    if len(sentence) > SHORT_HELP_LIMIT:
        cuts = [index for index in (sentence.find(mark) for mark in (":", ";", " (")) if index > 0]
        if cuts:
            sentence = sentence[: min(cuts)].rstrip(",") + "."
    return sentence


def tidy(command: typer.core.TyperCommand | TyperGroup) -> None:
    """Give ``command`` and every subcommand a whole short help, and flags no value type."""
    if command.help and not command.short_help:
        command.short_help = short_help(command.help)
    context = typer.Context(command, help_option_names=HELP_OPTION_NAMES)
    for param in [*command.params, command.get_help_option(context)]:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""
    if isinstance(command, TyperGroup):
        for child in command.commands.values():
            tidy(child)  # type: ignore[arg-type]
