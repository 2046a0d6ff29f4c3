"""Arguments and options several commands share, checked while the command line is parsed."""

from __future__ import annotations

from typing import Annotated

import typer

from pragma_cli.errors import UsageError
from pragma_cli.references import split_type


def _checked_type(value: str | None) -> str | None:
    if value is not None:
        try:
            split_type(value)
        except UsageError as error:
            raise typer.BadParameter(error.message) from error
    return value


TypeArgument = Annotated[
    str,
    typer.Argument(
        metavar="PROVIDER/TYPE", help="Resource type, such as mycloud/database.", callback=_checked_type
    ),
]
NameArgument = Annotated[str, typer.Argument(help="Resource name.")]
WaitTimeoutOption = Annotated[
    float,
    typer.Option("--timeout", help="With --wait: give up after this many seconds (0: never).", min=0),
]
