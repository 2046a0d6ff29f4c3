"""``pragma ops dead-letter``: events that failed for good, to inspect, retry or discard."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from pragma_cli import views
from pragma_cli.confirmation import confirm
from pragma_cli.errors import UsageError, doing
from pragma_cli.output import OutputOption, emit, emit_list
from pragma_cli.state import state_of

app = typer.Typer(help="Operations: the dead-letter queue.", no_args_is_help=True)
dead_letter = typer.Typer(
    help="Events whose retries ran out (or failed for good): list, show, retry, delete.", no_args_is_help=True
)
app.add_typer(dead_letter, name="dead-letter")

EventArgument = Annotated[str, typer.Argument(metavar="EVENT_ID", help="Dead letter event id (evt_...).")]


@dead_letter.command("list")
def list_dead_letters(
    ctx: typer.Context,
    provider: Annotated[str | None, typer.Option("--provider", "-p", help="Only this provider's.")] = None,
    output: OutputOption = None,
) -> None:
    """List dead letters, newest first.

    Examples:
        pragma ops dead-letter list
        pragma ops dead-letter list --provider mycloud -o json
    """
    state = state_of(ctx)
    with state.client() as client, doing("list dead letters", context=state.context_name):
        letters: list[dict[str, Any]] = client.list_dead_letter_events(provider=provider)
    emit_list(
        state,
        letters,
        output,
        lambda: views.dead_letters_table(letters, wide=state.is_wide(output)),
        empty="No dead letters.",
    )


@dead_letter.command()
def show(ctx: typer.Context, event_id: EventArgument, output: OutputOption = None) -> None:
    """Show one dead letter: its resource, error, attempts and the event's payload.

    Examples:
        pragma ops dead-letter show evt_0123456789abcdef01234567
    """
    state = state_of(ctx)
    with state.client() as client, doing(f"get dead letter {event_id}", context=state.context_name):
        letter = client.get_dead_letter_event(event_id)
    emit(state.out, letter, state.output_format(output), lambda: views.dead_letter_view(letter))


@dead_letter.command()
def retry(
    ctx: typer.Context,
    event_id: Annotated[
        str | None, typer.Argument(metavar="[EVENT_ID]", help="The dead letter to retry.")
    ] = None,
    all_events: Annotated[bool, typer.Option("--all", help="Retry every dead letter.")] = False,
) -> None:
    """Queue a dead letter again (or all of them); its resource goes back to pending.

    Examples:
        pragma ops dead-letter retry evt_0123456789abcdef01234567
        pragma ops dead-letter retry --all
    """
    state = state_of(ctx)
    if (event_id is None) == (not all_events):
        raise UsageError(
            "give either an EVENT_ID or --all", "For example: pragma ops dead-letter retry --all"
        )
    with state.client() as client:
        if all_events:
            with doing("retry all dead letters", context=state.context_name):
                count = client.retry_all_dead_letter_events()
            state.out.print(f"Retried {count} dead letter(s).")
        else:
            assert event_id is not None
            with doing(f"retry dead letter {event_id}", context=state.context_name):
                client.retry_dead_letter_event(event_id)
            state.out.print(f"Retried {escape(event_id)}: its resource is pending again.", soft_wrap=True)


@dead_letter.command()
def delete(
    ctx: typer.Context,
    event_id: Annotated[
        str | None, typer.Argument(metavar="[EVENT_ID]", help="The dead letter to discard.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="Discard every dead letter of this provider.")
    ] = None,
    all_events: Annotated[bool, typer.Option("--all", help="Discard every dead letter.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --all: do not ask for confirmation.")
    ] = False,
) -> None:
    """Discard dead letters without retrying them: one, a provider's, or all.

    The resources stay failed; apply them again to retry later. --all asks for confirmation
    unless --yes.

    Examples:
        pragma ops dead-letter delete evt_0123456789abcdef01234567
        pragma ops dead-letter delete --provider mycloud
        pragma ops dead-letter delete --all --yes
    """
    state = state_of(ctx)
    if sum([event_id is not None, provider is not None, all_events]) != 1:
        raise UsageError("give exactly one of EVENT_ID, --provider P or --all")
    if all_events and not yes:
        confirm("Discard every dead letter of the organization?")
    with state.client() as client:
        if event_id is not None:
            with doing(f"delete dead letter {event_id}", context=state.context_name):
                client.delete_dead_letter_event(event_id)
            state.out.print(f"Deleted {escape(event_id)}.", soft_wrap=True)
            return
        with doing("delete dead letters", context=state.context_name):
            count = client.delete_dead_letter_events(provider=provider, all=all_events)
        state.out.print(f"Deleted {count} dead letter(s).")
