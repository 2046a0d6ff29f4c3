"""``pragma completions``: the shell completion script for bash, zsh or fish."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

# Typer keeps these in private modules; the script must match the completion classes it
# registers, so both come from Typer itself.
from typer._completion_classes import completion_init
from typer._completion_shared import get_completion_script

COMPLETE_VARIABLE = "_PRAGMA_COMPLETE"


class Shell(StrEnum):
    """Shells with completion."""

    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


def enable() -> None:
    """Register Typer's completion classes, which answer the shell when it asks for completions."""
    completion_init()


def completions(
    shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish.", case_sensitive=False)],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Load it from your shell's startup file:

    \b
        bash:  echo 'eval "$(pragma completions bash)"' >> ~/.bashrc
        zsh:   echo 'eval "$(pragma completions zsh)"' >> ~/.zshrc
        fish:  pragma completions fish > ~/.config/fish/completions/pragma.fish
    """
    enable()
    typer.echo(get_completion_script(prog_name="pragma", complete_var=COMPLETE_VARIABLE, shell=shell.value))
