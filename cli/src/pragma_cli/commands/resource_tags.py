"""``pragma resources tags``: list, add and remove the tags of a resource.

The API has no call that changes only tags, so adding or removing one applies the resource
again with its stored config and the new tags. Tags do not change the generation, so a ready
resource is not processed again; a failed one is retried (applying a failed resource queues it).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import RenderableType
from rich.markup import escape

from pragma_cli.arguments import NameArgument, TypeArgument
from pragma_cli.errors import CliError, doing
from pragma_cli.fetching import fetch_resource
from pragma_cli.output import OutputOption, emit_list, new_table
from pragma_cli.references import document_path
from pragma_cli.state import CliState, state_of
from pragma_sdk import PragmaClient

app = typer.Typer(help="List, add and remove a resource's tags.", no_args_is_help=True)

TagsArgument = Annotated[list[str], typer.Argument(metavar="TAG", help="Tags, such as env:prod.")]

REDACTED = "[redacted]"
_APPLIED_FIELDS = ("provider", "resource", "name", "config", "dependencies", "owner_references")


def _holds_redacted(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds_redacted(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_redacted(item) for item in value)
    return bool(value == REDACTED)


def _retag(state: CliState, client: PragmaClient, document: dict[str, Any], tags: list[str]) -> None:
    path = document_path(document)
    if (document.get("provider"), document.get("resource")) == ("pragma", "secret") or _holds_redacted(
        document.get("config")
    ):
        raise CliError(
            f"cannot change the tags of {path}: the API shows its values redacted, and applying them "
            "back would overwrite them",
            "Change the tags in its manifest and apply that",
        )
    if document.get("deleting"):
        raise CliError(f"cannot change the tags of {path}: it is being deleted")
    body = {key: document[key] for key in _APPLIED_FIELDS if key in document}
    body["tags"] = tags
    if document.get("lifecycle_state") == "draft":
        body["lifecycle_state"] = "draft"  # applying without it would submit the draft
    elif document.get("lifecycle_state") == "failed":
        state.err.print(f"Note: {escape(path)} is failed; applying it to change its tags retries it.")
    with doing(f"apply {path} with new tags", context=state.context_name):
        client.apply_resource(body)


@app.command("list")
def list_tags(
    ctx: typer.Context, resource_type: TypeArgument, name: NameArgument, output: OutputOption = None
) -> None:
    """List a resource's tags.

    Examples:
        pragma resources tags list mycloud/database orders
    """
    state = state_of(ctx)
    with state.client() as client:
        tags = list(fetch_resource(state, client, resource_type, name).get("tags") or [])

    def table() -> RenderableType:
        grid = new_table("TAG")
        for tag in tags:
            grid.add_row(tag)
        return grid

    emit_list(state, tags, output, table, empty="No tags.")


@app.command()
def add(ctx: typer.Context, resource_type: TypeArgument, name: NameArgument, tags: TagsArgument) -> None:
    """Add tags to a resource.

    Examples:
        pragma resources tags add mycloud/database orders env:prod team:data
    """
    state = state_of(ctx)
    with state.client() as client:
        document = fetch_resource(state, client, resource_type, name)
        current = list(document.get("tags") or [])
        wanted = current + [tag for tag in dict.fromkeys(tags) if tag not in current]
        if wanted != current:
            _retag(state, client, document, wanted)
    state.out.print(
        f"{escape(document_path(document))} tags: {escape(', '.join(wanted) or '-')}", soft_wrap=True
    )


@app.command()
def remove(ctx: typer.Context, resource_type: TypeArgument, name: NameArgument, tags: TagsArgument) -> None:
    """Remove tags from a resource (tags it does not have are ignored).

    Examples:
        pragma resources tags remove mycloud/database orders env:prod
    """
    state = state_of(ctx)
    with state.client() as client:
        document = fetch_resource(state, client, resource_type, name)
        current = list(document.get("tags") or [])
        wanted = [tag for tag in current if tag not in tags]
        if wanted != current:
            _retag(state, client, document, wanted)
    state.out.print(
        f"{escape(document_path(document))} tags: {escape(', '.join(wanted) or '-')}", soft_wrap=True
    )
