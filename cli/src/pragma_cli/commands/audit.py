"""``pragma audit``: who did what in the organization, newest first."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pragma_cli import views
from pragma_cli.errors import doing
from pragma_cli.output import OutputOption, emit_list
from pragma_cli.state import state_of

app = typer.Typer(help="Who applied, deleted, revealed, pushed, deployed: the organization's audit.")


@app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    action: Annotated[
        str | None,
        typer.Option(
            "--action",
            "-a",
            help="Only this action: resource.apply, resource.delete, secret.reveal, provider.push, "
            "provider.deploy, provider.rollback, provider.delete, dead_letter.retry, dead_letter.discard.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many entries.")] = 50,
    output: OutputOption = None,
) -> None:
    """List the organization's audit, newest first: who did what to which thing, and when.

    Examples:
        pragma audit
        pragma audit --action secret.reveal
        pragma audit -n 500 -o json
    """
    state = state_of(ctx)
    with state.client() as client, doing("read the audit", context=state.context_name):
        events = client.list_audit_events(action, limit=limit)
    entries: list[dict[str, Any]] = [event.model_dump(mode="json") for event in events]
    emit_list(
        state,
        entries,
        output,
        lambda: views.audit_table(entries, wide=state.is_wide(output)),
        empty="No audit entries.",
    )
