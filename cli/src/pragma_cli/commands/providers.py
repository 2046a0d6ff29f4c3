"""``pragma providers``: create a provider project, push it, follow its build, deploy it, read
its logs, and manage what is deployed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import RenderableType
from rich.markup import escape
from rich.text import Text

from pragma_cli.archive import build_archive
from pragma_cli.confirmation import confirm
from pragma_cli.errors import UsageError, doing
from pragma_cli.output import (
    BUILD_STYLES,
    DEPLOYMENT_STYLES,
    OutputFormat,
    OutputOption,
    age,
    emit,
    emit_list,
    new_table,
    short_time,
    squeeze,
    styled,
)
from pragma_cli.pipeline import follow_build, follow_deployment, progress
from pragma_cli.project import find_project, read_project
from pragma_cli.scaffold import ProjectSpec, write_project
from pragma_cli.state import state_of

app = typer.Typer(help="Create, push, build, deploy and manage providers.", no_args_is_help=True)

TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout", help="Give up waiting for the rollout after this many seconds (0: never).", min=0
    ),
]
WaitOption = Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until it is available or failed.")]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Deploy even when the version lacks a resource type that resources still use "
        "(they are left without a handler).",
    ),
]
OptionalIdArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="[ID]", help="Provider id; default: the project in the current folder.", show_default=False
    ),
]


def _provider_id(given: str | None) -> str:
    if given:
        return given
    project = find_project(Path.cwd())
    if project is None:
        raise UsageError(
            "give a provider ID: the current folder is not inside a provider project",
            "List them with 'pragma providers list'",
        )
    return project.provider_id


@app.command()
def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Provider name: a-z, 0-9 and '-', such as 'mycloud'.")],
    output_dir: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder to create; default ./NAME-provider.", show_default=False),
    ] = None,
    resource: Annotated[
        str | None,
        typer.Option("--resource", help="Name of its resource type; default 'widget'.", show_default=False),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", help="One line saying what it provides.", show_default=False),
    ] = None,
    defaults: Annotated[bool, typer.Option("--defaults", help="Ask nothing; take the defaults.")] = False,
) -> None:
    """Create a provider project: a package with one resource type, tests that pass, an example.

    Examples:
        pragma providers init mycloud
        pragma providers init mycloud --defaults --output ./providers/mycloud
    """
    state = state_of(ctx)
    ask = not defaults and sys.stdin.isatty()
    resource_type = resource or (typer.prompt("Resource type", default="widget") if ask else "widget")
    summary = description or (
        typer.prompt("Description", default=f"Resources of {name}") if ask else f"Resources of {name}"
    )
    spec = ProjectSpec(provider=name, resource=str(resource_type), description=str(summary))
    spec.check()
    directory = output_dir or Path(f"{name}-provider")
    write_project(directory, spec)
    state.out.print(
        f"Created {escape(str(directory))}: provider '{escape(name)}' (package {spec.package}) with resource "
        f"type {escape(name)}/{escape(spec.resource)}.",
        soft_wrap=True,
    )
    state.out.print(
        "Next:\n"
        f"  cd {escape(str(directory))}\n"
        "  python -m pytest                     # run its tests\n"
        "  pragma providers push --deploy       # build and run it on the server\n"
        f"  pragma resources apply examples/{escape(spec.resource)}.yaml --wait",
        soft_wrap=True,
    )


@app.command()
def push(
    ctx: typer.Context,
    package: Annotated[
        Path, typer.Option("--package", help="The project folder (holding pyproject.toml).", file_okay=False)
    ] = Path("."),
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", help="Push as this provider id instead of the project's."),
    ] = None,
    deploy: Annotated[
        bool, typer.Option("--deploy", help="Deploy the build when it succeeds, and wait.")
    ] = False,
    logs: Annotated[bool, typer.Option("--logs", help="Print the build log live.")] = False,
    timeout: TimeoutOption = 300.0,
    output: OutputOption = None,
) -> None:
    """Push a provider project: pack it, upload it, follow the build (and deploy it).

    Left out of the archive: caches, virtual environments, build output, .env, and what the
    project's .gitignore and .pragmaignore name.

    Examples:
        pragma providers push
        pragma providers push --package ./mycloud-provider --deploy
        pragma providers push --logs
    """
    state = state_of(ctx)
    project = read_project(package, provider)
    archive = build_archive(project.directory)
    for link in archive.skipped_links:
        state.err.print(f"Note: left out the symbolic link {escape(link)}.", soft_wrap=True)
    size_kib = max(1, len(archive.data) // 1024)
    with state.client(timeout=120.0) as client:
        with (
            progress(state, f"Uploading {project.provider_id} ({len(archive.files)} files, {size_kib} KiB)"),
            doing(f"push {project.provider_id}", context=state.context_name),
        ):
            pushed = client.push_provider(project.provider_id, archive.data)
        state.err.print(
            f"Pushed {escape(project.directory.name)} as {escape(project.provider_id)} {pushed.version} "
            f"({len(archive.files)} files, {size_kib} KiB).",
            soft_wrap=True,
        )
        build = follow_build(state, client, project.provider_id, pushed.version, show_logs=logs)
        fmt = state.output_format(output)
        if fmt is OutputFormat.TABLE:
            state.out.print(
                Text.assemble(f"Built {project.provider_id} {build.version}: ", ("success", "green")),
                soft_wrap=True,
            )
        if deploy:
            with doing(f"deploy {project.provider_id} {build.version}", context=state.context_name):
                client.deploy_provider(project.provider_id, build.version)
            status = follow_deployment(state, client, project.provider_id, build.version, timeout or None)
            if fmt is OutputFormat.TABLE:
                state.out.print(_deployed_line(project.provider_id, status.version), soft_wrap=True)
    emit(state.out, build, fmt, lambda: None)


def _deployed_line(provider_id: str, version: str | None) -> Text:
    return Text.assemble(
        f"Deployed {provider_id} {version or ''}: ".replace("  ", " "), ("available", "green")
    )


@app.command()
def deploy(
    ctx: typer.Context,
    provider_id: OptionalIdArgument = None,
    version: Annotated[
        str | None,
        typer.Argument(
            metavar="[VERSION]",
            help="Build to deploy; default the latest successful one.",
            show_default=False,
        ),
    ] = None,
    wait: WaitOption = True,
    force: ForceOption = False,
    timeout: TimeoutOption = 300.0,
    output: OutputOption = None,
) -> None:
    """Deploy a build of a provider; deploying an older version rolls back to it.

    A version without a resource type that resources still use is refused, listing them,
    unless --force.

    Examples:
        pragma providers deploy mycloud
        pragma providers deploy mycloud 20260115.120000
        pragma providers deploy            # the project in this folder, latest build
    """
    state = state_of(ctx)
    identifier = _provider_id(provider_id)
    with state.client() as client:
        with doing(f"deploy {identifier} {version or '(latest build)'}", context=state.context_name):
            status = client.deploy_provider(identifier, version, force=force)
        if wait:
            status = follow_deployment(state, client, identifier, status.version or version, timeout or None)
    fmt = state.output_format(output)
    if fmt is OutputFormat.TABLE:
        line = (
            _deployed_line(identifier, status.version)
            if wait
            else Text(f"Deploying {identifier} {status.version or ''}: {status.status}")
        )
        state.out.print(line, soft_wrap=True)
    else:
        emit(state.out, status, fmt, lambda: None)


@app.command()
def rollback(
    ctx: typer.Context,
    provider_id: Annotated[str, typer.Argument(metavar="PROVIDER", help="Provider id.")],
    version: Annotated[
        str,
        typer.Argument(
            metavar="VERSION",
            help="The successful build to go back to, such as 20260115.120000.",
        ),
    ],
    wait: WaitOption = True,
    force: ForceOption = False,
    timeout: TimeoutOption = 300.0,
    output: OutputOption = None,
) -> None:
    """Roll a provider back to an earlier successful build, and wait until it runs.

    'pragma providers builds PROVIDER' lists the versions. The version running now keeps
    running until the one rolled back to is available; rolling back to the version already
    deployed changes nothing. A version without a resource type that resources still use is
    refused, listing them, unless --force. With -o json it prints the deployment once
    settled (as 'status' does), or with --no-wait what the server answered.

    Examples:
        pragma providers rollback mycloud 20260115.120000
        pragma providers rollback mycloud 20260115.120000 --no-wait -o json
    """
    state = state_of(ctx)
    with state.client() as client:
        with doing(f"roll {provider_id} back to {version}", context=state.context_name):
            started = client.rollback_provider(provider_id, version, force=force)
        settled = follow_deployment(state, client, provider_id, version, timeout or None) if wait else None
    fmt = state.output_format(output)
    if fmt is OutputFormat.TABLE:
        line = (
            Text.assemble(
                f"Rolled {provider_id} back to {settled.version or version}: ", ("available", "green")
            )
            if settled is not None
            else Text(f"Rolling {provider_id} back to {version}: {started.status}")
        )
        state.out.print(line, soft_wrap=True)
    else:
        emit(state.out, settled if settled is not None else started, fmt, lambda: None)


@app.command()
def status(ctx: typer.Context, provider_id: OptionalIdArgument = None, output: OutputOption = None) -> None:
    """Show a provider's deployment: status, version, health.

    Examples:
        pragma providers status mycloud
        pragma providers status -o json
    """
    state = state_of(ctx)
    identifier = _provider_id(provider_id)
    with state.client() as client, doing(f"get the deployment of {identifier}", context=state.context_name):
        found = client.get_deployment_status(identifier)

    def table() -> RenderableType:
        grid = new_table("PROVIDER", "STATUS", "VERSION", "HEALTHY", "UPDATED")
        grid.add_row(
            identifier,
            styled(found.status, DEPLOYMENT_STYLES),
            found.version or "-",
            Text("yes", style="green") if found.healthy else Text("no", style="red"),
            age(found.updated_at),
        )
        return grid

    emit(state.out, found, state.output_format(output), table)


@app.command()
def builds(ctx: typer.Context, provider_id: OptionalIdArgument = None, output: OutputOption = None) -> None:
    """List a provider's builds, newest first (the last 10).

    Examples:
        pragma providers builds mycloud
    """
    state = state_of(ctx)
    identifier = _provider_id(provider_id)
    with state.client() as client, doing(f"list the builds of {identifier}", context=state.context_name):
        found = client.list_builds(identifier)

    def table() -> RenderableType:
        grid = new_table("VERSION", "STATUS", "CREATED", "ERROR")
        squeeze(grid, 3)
        for build in found:
            grid.add_row(
                build.version,
                styled(build.status, BUILD_STYLES),
                short_time(build.created_at),
                Text(build.error_message or "", style="red"),
            )
        return grid

    emit_list(state, found, output, table, empty=f"No builds of {escape(identifier)}.")


@app.command()
def logs(
    ctx: typer.Context,
    provider_id: OptionalIdArgument = None,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            help="Version to read; default the deployed one, else the latest build.",
            show_default=False,
        ),
    ] = None,
    build: Annotated[
        bool, typer.Option("--build", help="Show the version's build log instead of what its workers print.")
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow", "-f", help="Keep printing new lines (a build's until it ends); Ctrl-C stops."
        ),
    ] = False,
    tail: Annotated[
        int | None,
        typer.Option("--tail", "-n", min=0, help="Start with only the last N lines.", show_default=False),
    ] = None,
) -> None:
    """Print what a provider's workers printed (secret values redacted), or a build's log.

    Worker lines start with the time they were printed and the worker that printed them.

    Examples:
        pragma providers logs mycloud
        pragma providers logs mycloud --tail 50 --follow
        pragma providers logs mycloud --version 20260115.120000 --build
    """
    state = state_of(ctx)
    identifier = _provider_id(provider_id)
    what = f"the {'build log' if build else 'logs'} of {identifier} {version or ''}".rstrip()
    with state.client() as client, doing(f"read {what}", context=state.context_name):
        for line in client.stream_provider_logs(identifier, version, build=build, follow=follow, tail=tail):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


@app.command("list")
def list_providers(ctx: typer.Context, output: OutputOption = None) -> None:
    """List your providers with their deployed version and status.

    Examples:
        pragma providers list
    """
    state = state_of(ctx)
    with state.client() as client, doing("list providers", context=state.context_name):
        found = client.list_providers()

    def table() -> RenderableType:
        grid = new_table("PROVIDER", "VERSION", "STATUS", "UPDATED")
        for item in found:
            grid.add_row(
                item.provider_id,
                item.current_version or "-",
                styled(item.deployment_status, DEPLOYMENT_STYLES)
                if item.deployment_status
                else Text("not deployed", style="dim"),
                age(item.updated_at),
            )
        return grid

    emit_list(
        state, found, output, table, empty="No providers yet: create one with 'pragma providers init NAME'."
    )


@app.command()
def delete(
    ctx: typer.Context,
    provider_id: Annotated[str, typer.Argument(metavar="ID", help="Provider id.")],
    cascade: Annotated[
        bool, typer.Option("--cascade", help="Also remove its resources (without calling the provider).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    output: OutputOption = None,
) -> None:
    """Delete a provider: stop its workers, remove its builds and resource types.

    Refused while it has resources, unless --cascade (which removes them from the platform and
    leaves the real things as they are). Asks for confirmation unless --yes.

    Examples:
        pragma providers delete mycloud
        pragma providers delete mycloud --cascade --yes
    """
    state = state_of(ctx)
    if not yes:
        what = " and all its resources" if cascade else ""
        confirm(f"Delete provider {provider_id}{what}?")
    with state.client() as client, doing(f"delete provider {provider_id}", context=state.context_name):
        result = client.delete_provider(provider_id, cascade=cascade)
    fmt = state.output_format(output)
    if fmt is OutputFormat.TABLE:
        extra = f" and {result.resources_deleted} resource(s)" if result.resources_deleted else ""
        state.out.print(f"Deleted provider {escape(provider_id)}{extra}.", soft_wrap=True)
    else:
        emit(state.out, result, fmt, lambda: None)
