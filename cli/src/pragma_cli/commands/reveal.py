"""``pragma resources reveal``: the plaintext values of a pragma/secret (each reveal is audited)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pragma_cli.arguments import NameArgument, TypeArgument
from pragma_cli.errors import CliError, UsageError, doing
from pragma_cli.output import OutputOption, emit, new_table
from pragma_cli.state import state_of

SECRET_TYPE = "pragma/secret"


def reveal(
    ctx: typer.Context,
    resource_type: TypeArgument,
    name: NameArgument,
    key: Annotated[str | None, typer.Argument(help="Print only this key's value, as it is.")] = None,
    output: OutputOption = None,
) -> None:
    """Show the plaintext values of a pragma/secret, which are redacted everywhere else.

    The server logs every reveal (who, which secret, when). With KEY, prints that value alone,
    so it can be piped.

    Examples:
        pragma resources reveal pragma/secret db-credentials
        pragma resources reveal pragma/secret db-credentials password
        pragma resources reveal pragma/secret db-credentials -o json
    """
    state = state_of(ctx)
    if resource_type != SECRET_TYPE:
        raise UsageError(f"only a {SECRET_TYPE} can be revealed, not a {resource_type}")
    with state.client() as client, doing(f"reveal {SECRET_TYPE}/{name}", context=state.context_name):
        revealed = client.reveal_secret(name)
    data: dict[str, object] = dict(revealed.get("data") or {})
    if key is not None:
        if key not in data:
            known = ", ".join(sorted(data)) or "none"
            raise CliError(f"{SECRET_TYPE}/{name} has no key '{key}' (its keys: {known})")
        state.out.print(str(data[key]), markup=False, highlight=False, soft_wrap=True)
        return

    def table() -> Table:
        rendered = new_table("KEY", "VALUE")
        for item, value in data.items():
            rendered.add_row(item, str(value))
        return rendered

    emit(state.out, revealed, state.output_format(output), table)
