"""``pragma resources``: apply manifests, list, get, describe, tag, delete and watch resources."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape
from rich.text import Text

from pragma_cli import views
from pragma_cli.arguments import NameArgument, TypeArgument, WaitTimeoutOption
from pragma_cli.batches import apply_all
from pragma_cli.commands import resource_tags, reveal
from pragma_cli.confirmation import confirm
from pragma_cli.errors import CliError, UsageError, doing, explain
from pragma_cli.fetching import fetch_resource
from pragma_cli.history_views import history_table
from pragma_cli.manifests import Manifest, Upload, load_manifests
from pragma_cli.output import OutputFormat, OutputOption, emit, emit_list, show, state_label
from pragma_cli.plan_views import plan_view
from pragma_cli.progress import Goal, Outcome, Tracker, wait_for
from pragma_cli.references import dependents, document_path, owned, split_type
from pragma_cli.state import CliState, state_of
from pragma_cli.watching import watch_changes
from pragma_sdk import PragmaClient

DESCRIBE_HISTORY = 5
"""How many of its latest transitions ``describe`` shows."""

app = typer.Typer(help="Apply, inspect, tag, delete and watch resources.", no_args_is_help=True)
app.add_typer(resource_tags.app, name="tags")


def _upload(client: PragmaClient, upload: Upload) -> None:
    """Upload a ``pragma/file``'s content, streamed from disk."""
    with upload.source.open("rb") as content:
        client.upload_file(upload.name, content, upload.content_type)


def _apply_one(
    state: CliState, client: PragmaClient, manifest: Manifest, plan_token: str | None = None
) -> dict[str, Any] | CliError:
    """Apply one manifest; returns the stored document, or why the API refused it."""
    try:
        if manifest.upload is not None:
            with doing(f"upload {manifest.upload.source} for {manifest.path}", context=state.context_name):
                _upload(client, manifest.upload)
        result = client.apply_resource(manifest.body, plan_token=plan_token)
    except httpx.HTTPStatusError as error:
        return explain(error, f"apply {manifest.path} ({manifest.origin})", context=state.context_name)
    except CliError as failure:
        if isinstance(failure.__cause__, httpx.TransportError):
            raise
        return failure
    assert isinstance(result, dict)
    return result


def _report_outcomes(state: CliState, tracker: Tracker) -> int:
    """Print how each followed resource ended; returns how many did not end well."""
    bad = 0
    for item in tracker.followed.values():
        outcome = item.outcome(tracker.goal)
        line = Text(f"{item.path} ")
        if outcome is Outcome.READY or (outcome is Outcome.GONE and tracker.goal is Goal.GONE):
            line.append("ready" if outcome is Outcome.READY else "deleted", style="green")
            line.append(f" ({item.elapsed():.1f} s)")
        else:
            bad += 1
            reason = item.detail() if outcome is Outcome.FAILED else "was deleted while waiting"
            line.append("failed", style="bold red")
            line.append(f": {reason}")
        state.out.print(line, soft_wrap=True)
    return bad


@app.command()
def apply(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE", help="YAML or JSON manifests, folders of them, or - for stdin."),
    ],
    draft: Annotated[
        bool, typer.Option("--draft", help="Store the resources as drafts, unprocessed.")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", "-w", help="Show live progress until every resource is ready or failed.")
    ] = False,
    timeout: WaitTimeoutOption = 600.0,
    output: OutputOption = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan", help="Show the plan first (as 'pragma resources plan') and ask before applying it."
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --plan: apply without asking.")] = False,
) -> None:
    """Create or update the resources of manifest files (several documents per file).

    Every document is checked before anything is applied, and several documents are applied
    all together or not at all. In a pragma/secret's data, a value
    '@path' is replaced by that file's text; a pragma/file with content: '@path' has the file
    uploaded first. Paths are relative to the manifest's folder.

    With --plan, the plan is shown and the apply goes ahead only on a yes (--yes: at once),
    and only if nothing the plan read has changed meanwhile.

    Exits 1 when a resource was refused or, with --wait, when one failed.

    Examples:
        pragma resources apply database.yaml
        pragma resources apply manifests/ --wait
        pragma resources apply app.yaml --plan
        cat app.yaml | pragma resources apply - -o json
    """
    state = state_of(ctx)
    if wait and draft:
        raise UsageError("--wait cannot be used with --draft: drafts are not processed")
    manifests = load_manifests(files, draft=draft)
    if not manifests:
        raise CliError(f"no resources found in {', '.join(files)}")
    fmt = state.output_format(output)
    applied: list[dict[str, Any]] = []
    with state.client() as client:
        token = _planned(state, client, manifests, yes=yes) if plan else None
        if len(manifests) == 1:
            document = _apply_one(state, client, manifests[0], token)
            if isinstance(document, CliError):
                raise document
            documents = [document]
        else:
            documents = apply_all(state, client, manifests, plan_token=token)
        for manifest, document in zip(manifests, documents, strict=True):
            applied.append(document)
            if fmt is OutputFormat.TABLE:
                state.out.print(
                    Text.assemble(f"{manifest.path} applied ", state_label(document)), soft_wrap=True
                )
    failed = 0
    results = applied
    if wait and applied:
        tracker = wait_for(state, applied, Goal.READY, timeout or None)
        results = [item.document for item in tracker.followed.values()]
        if fmt is OutputFormat.TABLE:
            failed = _report_outcomes(state, tracker)
        else:
            failed = len(tracker.ended(Outcome.FAILED)) + len(tracker.ended(Outcome.GONE))
    if fmt is not OutputFormat.TABLE:
        emit(state.out, results, fmt, lambda: None)
    if failed:
        raise CliError(f"{failed} of {len(applied)} resource(s) failed")


def _plan_of(
    state: CliState, client: PragmaClient, manifests: list[Manifest], delete: list[str]
) -> dict[str, Any]:
    try:
        planned = client.plan_resources([manifest.body for manifest in manifests], delete=delete)
    except httpx.HTTPError as error:
        raise explain(error, "plan the resources", context=state.context_name) from error
    return planned.model_dump(mode="json")


def _planned(state: CliState, client: PragmaClient, manifests: list[Manifest], *, yes: bool) -> str:
    """Show the plan of ``manifests`` on stderr, ask unless ``yes``; returns its token."""
    planned = _plan_of(state, client, manifests, [])
    show(state.err, plan_view(planned))
    if planned["summary"]["refused"]:
        raise CliError(
            f"{planned['summary']['refused']} resource(s) refused by the plan; nothing was applied"
        )
    if not yes:
        confirm("Apply this plan?", doing="apply")
    return str(planned["token"])


@app.command()
def plan(
    ctx: typer.Context,
    files: Annotated[
        list[str] | None,
        typer.Argument(metavar="FILE", help="YAML or JSON manifests, folders of them, or - for stdin."),
    ] = None,
    delete: Annotated[
        list[str] | None,
        typer.Option("--delete", "-d", metavar="PROVIDER/TYPE/NAME", help="Plan deleting this resource too."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Show what applying manifest files (and deleting resources) would do, changing nothing.

    For each resource: created, updated, unchanged, deleted or refused (and why), its changed
    fields (secret values redacted), its references and what they resolve to now, what a
    delete takes along. Then the ripple: the resources that run again because of it, through
    the whole graph, and those that run again only if a handler returns other outputs.

    Exits 1 when the plan refuses a resource.

    Examples:
        pragma resources plan app.yaml
        pragma resources plan manifests/ -o json
        pragma resources plan --delete mycloud/database/orders
    """
    state = state_of(ctx)
    manifests = load_manifests(files or [], draft=False) if files else []
    if not manifests and not delete:
        raise UsageError("give manifest files to plan, or --delete a resource")
    with state.client() as client:
        planned = _plan_of(state, client, manifests, delete or [])
    emit(state.out, planned, state.output_format(output), lambda: plan_view(planned))
    if planned["summary"]["refused"]:
        raise CliError(f"{planned['summary']['refused']} resource(s) refused by the plan")


@app.command("list")
def list_resources(
    ctx: typer.Context,
    provider: Annotated[str | None, typer.Option("--provider", "-p", help="Only this provider's.")] = None,
    resource: Annotated[str | None, typer.Option("--resource", "-r", help="Only this resource type.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Only resources with this tag (repeat: all must match).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """List resources with their states ([READY], [PENDING], [FAILED] and so on).

    Examples:
        pragma resources list
        pragma resources list --provider mycloud --tag env:prod
        pragma resources list -o json
    """
    state = state_of(ctx)
    with state.client() as client, doing("list resources", context=state.context_name):
        documents: list[dict[str, Any]] = client.list_resources(
            provider=provider, resource=resource, tags=tag
        )
    _print_resources(state, documents, output)


def _print_resources(state: CliState, documents: list[dict[str, Any]], output: OutputFormat | None) -> None:
    emit_list(
        state,
        documents,
        output,
        lambda: views.resources_table(documents, wide=state.is_wide(output)),
        empty="No resources found.",
    )


@app.command()
def get(
    ctx: typer.Context,
    resource_type: TypeArgument,
    name: Annotated[str | None, typer.Argument(help="Resource name; all of the type without it.")] = None,
    output: OutputOption = None,
) -> None:
    """Show one resource, or every resource of a type.

    Examples:
        pragma resources get mycloud/database
        pragma resources get mycloud/database orders -o yaml
    """
    state = state_of(ctx)
    fmt = state.output_format(output)
    with state.client() as client:
        if name is None:
            provider, resource = split_type(resource_type)
            with doing(f"list {resource_type} resources", context=state.context_name):
                documents: list[dict[str, Any]] = client.list_resources(provider=provider, resource=resource)
            _print_resources(state, documents, output)
            return
        document = fetch_resource(state, client, resource_type, name)
    emit(state.out, document, fmt, lambda: views.resources_table([document], wide=state.is_wide(output)))


@app.command()
def describe(
    ctx: typer.Context,
    resource_type: TypeArgument,
    name: NameArgument,
    output: OutputOption = None,
    whole_traceback: Annotated[
        bool,
        typer.Option(
            "--traceback", help="Show the whole traceback of the last failure, not only its last lines."
        ),
    ] = False,
) -> None:
    """Show everything about a resource: config, resolved references, outputs, dependencies,
    dependents, owner, error (with where its retries stand and the traceback of the handler's
    last failure), its events in flight or in the dead-letter queue, and its last few
    lifecycle transitions ('pragma resources history' shows them all).

    With -o json or yaml: {resource, dependents, owns, dead_letters, history}.

    Examples:
        pragma resources describe mycloud/database orders
        pragma resources describe mycloud/database orders --traceback
    """
    state = state_of(ctx)
    with state.client() as client:
        document = fetch_resource(state, client, resource_type, name)
        with doing("list resources to find dependents", context=state.context_name):
            everything: list[dict[str, Any]] = client.list_resources()
        with doing("list dead letters", context=state.context_name):
            letters = [
                letter
                for letter in client.list_dead_letter_events(provider=str(document["provider"]))
                if letter.get("resource_id") == document["id"]
            ]
        with doing("read the resource's history", context=state.context_name):
            recent = client.get_resource_history(
                str(document["provider"]),
                str(document["resource"]),
                str(document["name"]),
                limit=DESCRIBE_HISTORY,
            )
    data = {
        "resource": document,
        "dependents": sorted(dependents(document, everything).values()),
        "owns": sorted(owned(document, everything).values()),
        "dead_letters": letters,
        "history": recent,
    }
    emit(
        state.out,
        data,
        state.output_format(output),
        lambda: views.describe_view(document, everything, letters, recent, whole_traceback=whole_traceback),
    )


@app.command()
def history(
    ctx: typer.Context,
    resource_type: TypeArgument,
    name: NameArgument,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="Only the newest this many entries.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Show the history of a resource, newest first: one entry per lifecycle transition
    (applied, handed to a worker, succeeded, failed, retried, dependency changed, deleted …),
    who caused it (user and token, or the worker), the config or outputs changes
    (+ added, - removed, ~ changed; secret values stay [redacted]), the attempt, how long the
    handler took, and the error. A deleted resource's history stays readable until the
    server's retention (PRAGMA_HISTORY_RETENTION_DAYS, 30 days by default) trims it.

    Examples:
        pragma resources history mycloud/database orders
        pragma resources history mycloud/database orders -n 10 -o json
    """
    state = state_of(ctx)
    provider, resource = split_type(resource_type)
    with (
        state.client() as client,
        doing(f"read the history of {resource_type}/{name}", context=state.context_name),
    ):
        entries = client.get_resource_history(provider, resource, name, limit=limit)
    emit_list(state, entries, output, lambda: history_table(entries), empty="No history recorded.")


@app.command()
def types(
    ctx: typer.Context,
    provider: Annotated[
        str | None, typer.Option("--provider", "-p", help="Only this provider's types.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """List the resource types you can apply: those of deployed providers and the built-in ones.

    Examples:
        pragma resources types
        pragma resources types --provider mycloud -o json
    """
    state = state_of(ctx)
    with state.client() as client, doing("list resource types", context=state.context_name):
        found = client.list_resource_types(provider=provider)
    emit_list(
        state,
        found,
        output,
        lambda: views.types_table(found),
        empty="No resource types found: push and deploy a provider with 'pragma providers push --deploy'.",
    )


@app.command()
def delete(
    ctx: typer.Context,
    resource_type: TypeArgument,
    name: NameArgument,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Show live progress until it is gone.")] = False,
    timeout: WaitTimeoutOption = 600.0,
) -> None:
    """Delete a resource (and what it owns). Its provider deletes the real thing first.

    Refused while other resources depend on it. Exits 1 when, with --wait, the deletion fails.

    Examples:
        pragma resources delete mycloud/database orders
        pragma resources delete mycloud/app web --wait
    """
    state = state_of(ctx)
    with state.client() as client:
        document = fetch_resource(state, client, resource_type, name)
        path = document_path(document)
        with doing(f"delete {path}", context=state.context_name):
            client.delete_resource(
                str(document["provider"]), str(document["resource"]), str(document["name"])
            )
    if not wait:
        state.out.print(f"{escape(path)} is being deleted.", soft_wrap=True)
        return
    tracker = wait_for(state, [document], Goal.GONE, timeout or None, replay=True)
    if _report_outcomes(state, tracker):
        raise CliError(f"deleting {path} failed")


@app.command()
def watch(
    ctx: typer.Context,
    provider: Annotated[str | None, typer.Option("--provider", "-p", help="Only this provider's.")] = None,
    resource: Annotated[str | None, typer.Option("--resource", "-r", help="Only this resource type.")] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Only resources with this name.")] = None,
    snapshot: Annotated[
        bool, typer.Option("--snapshot/--no-snapshot", help="Start with the current resources.")
    ] = True,
    output: OutputOption = None,
) -> None:
    """Watch resources change state, live, until Ctrl-C.

    On a terminal: a live table. Piped: a line per change. With -o json: one JSON object per
    line ({event, data}); with -o yaml: one document per change.

    Examples:
        pragma resources watch
        pragma resources watch --provider mycloud -o json
    """
    state = state_of(ctx)
    watch_changes(
        state, state.output_format(output), provider=provider, resource=resource, name=name, snapshot=snapshot
    )


app.command()(reveal.reveal)
