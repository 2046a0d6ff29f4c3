"""Entry point of the ``pragma`` command: global options, command groups, error reporting.

``main`` runs the Typer app without Click's standalone handling so that every failure ends
the same way: one ``error:`` line on stderr and exit code 1 (operation failed), 2 (usage
error) or 130 (interrupted); ``--debug`` adds the traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from pragma_cli import __version__
from pragma_cli.command_groups import LazyGroups
from pragma_cli.commands import completions
from pragma_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, CliError, explain
from pragma_cli.global_options import hoist
from pragma_cli.help_text import tidy
from pragma_cli.output import OutputFormat
from pragma_cli.state import CliState, state_of

app = typer.Typer(
    cls=LazyGroups,
    name="pragma",
    help="Manage Pragmatiks resources and providers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("completions")(completions.completions)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"pragma {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    context: Annotated[
        str | None,
        typer.Option(
            "--context",
            "-c",
            envvar="PRAGMA_CONTEXT",
            help="Context to use (see 'pragma config').",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", "-t", help="API token to send instead of the stored one.", show_default=False
        ),
    ] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", help="API URL instead of the context's.", show_default=False)
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--output", "-o", help="Default output of commands that print data.", case_sensitive=False
        ),
    ] = OutputFormat.TABLE,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Manage Pragmatiks resources and providers.

    Global options (--context, --token, --api-url, --debug) may also follow the subcommand.
    """
    state = state_of(ctx)
    state.context = context or None
    state.token = token or None
    state.api_url = api_url or None
    state.output = output
    state.debug = debug


def _usage_line(error: typer.TyperException) -> str:
    message = error.format_message()
    command_ctx = getattr(error, "ctx", None)
    if command_ctx is not None:
        return f"{message} (see '{command_ctx.command_path} --help')"
    return message


def _is_http_error(error: Exception) -> bool:
    # httpx is imported by the commands that talk to the API, not for --help or 'pragma config'.
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(error, httpx.HTTPError)


def run(args: list[str], state: CliState) -> int:
    """Run ``pragma`` with ``args``; returns the exit code after reporting any failure."""
    errors = Console(stderr=True, highlight=False, soft_wrap=True)

    def report(line: str) -> None:
        if state.debug:
            traceback.print_exc()
        errors.print(f"[bold red]error:[/] {escape(line)}")

    completions.enable()
    command = typer.main.get_command(app)
    tidy(command)  # type: ignore[arg-type]
    try:
        result = command.main(args=hoist(args), prog_name="pragma", standalone_mode=False, obj=state)
    except CliError as error:
        report(error.line())
        for detail in error.details:
            errors.print(f"  {escape(detail)}")
        return error.exit_code
    except typer.TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # a group without its subcommand: help was shown
            if error.format_message().strip():
                errors.print(escape(error.format_message().rstrip()))
            return EXIT_USAGE
        report(_usage_line(error))
        return error.exit_code
    except typer.Abort:
        report("aborted")
        return EXIT_FAILED
    except KeyboardInterrupt:
        errors.print("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (``pragma ... | head``): nothing left to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as error:
        if _is_http_error(error):
            explained = explain(error, context=state.context_name)
            report(explained.line())
            for detail in explained.details:
                errors.print(f"  {escape(detail)}")
            return EXIT_FAILED
        # the last line of defence: one line, not a traceback
        report(f"unexpected {type(error).__name__}: {error}. Run again with --debug to see the traceback")
        return EXIT_FAILED
    if result == EXIT_INTERRUPTED:
        errors.print("interrupted")
    return result if isinstance(result, int) else 0


def main() -> None:
    """Run the ``pragma`` command."""
    sys.exit(run(sys.argv[1:], CliState()))
