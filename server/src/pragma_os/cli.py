"""The ``pragma-os`` command: serve the platform, migrate its database, administer tenants."""

from __future__ import annotations

import asyncio
import logging
import logging.config
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
import uvicorn

from pragma_os.api.app import create_app
from pragma_os.api.http_protocol import server_protocol
from pragma_os.auth import service as auth_service
from pragma_os.builds.interpreters import InterpreterUnusableError, probe
from pragma_os.errors import PragmaError
from pragma_os.log_output import log_config
from pragma_os.private_files import keep_private
from pragma_os.sandbox import INSECURE_FLAG
from pragma_os.settings import Settings
from pragma_os.store import Database
from pragma_os.store.dialect import safe_url, sqlite_file
from pragma_os.store.migrate import has_schema, upgrade
from pragma_sdk import credentials
from pragma_sdk.log_format import LogFormat

T = TypeVar("T")
# Idle keep-alive connections are closed after this long: longer than clients keep them
# (httpx: 5 s), so a client never reuses one as the server closes it (a spurious ReadError).
KEEP_ALIVE_SECONDS = 75

app = typer.Typer(name="pragma-os", help="Run and administer a pragma-os server.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Organizations and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")

DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory [env PRAGMA_DATA_DIR; default ./.pragma]")
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option("--database-url", help="postgresql+asyncpg://... [env PRAGMA_DATABASE_URL; default SQLite]"),
]


def _settings(data_dir: Path | None, database_url: str | None, *, existing: bool = False) -> Settings:
    """The settings from the flags, ``PRAGMA_*`` variables and defaults, as ``serve`` reads them.

    ``existing`` (the admin commands): the SQLite file must be there already; a command run
    in the wrong folder must not make a new, empty data directory beside it.
    """
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    settings = Settings(**overrides)
    if existing:
        database_file = sqlite_file(settings.resolved_database_url)
        if database_file is not None and not database_file.is_file():
            _fail(f"no pragma-os database at {database_file}")
    keep_private(settings.data_dir)
    return settings


_WHERE_IS_THE_SERVER = (
    "run this where 'pragma-os serve' runs, or give the server's data directory "
    "(--data-dir DIR or PRAGMA_DATA_DIR; default ./.pragma) or database (--database-url or "
    "PRAGMA_DATABASE_URL)"
)


def _fail(problem: str) -> NoReturn:
    """Say why an admin command cannot find the server's database, and where to point it; exit 1."""
    typer.echo(f"error: {problem}; {_WHERE_IS_THE_SERVER}", err=True)
    raise typer.Exit(1)


def _with_database(
    settings: Settings, work: Callable[[Database], Awaitable[T]], *, existing: bool = False
) -> T:
    """Run ``work`` on a migrated database; domain errors become one error line and exit 1.

    ``existing``: the database must hold a pragma-os schema already (a server ran on it).
    """

    async def run() -> T:
        database = Database(settings.resolved_database_url)
        try:
            if existing and not await has_schema(database):
                _fail(f"the database {safe_url(database.url)} holds no pragma-os data")
            await upgrade(database)
            return await work(database)
        finally:
            await database.close()

    try:
        return asyncio.run(run())
    except PragmaError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from error


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    write_credentials: Annotated[
        bool,
        typer.Option(help="Save a first-start admin token to ~/.config/pragma/credentials."),
    ] = True,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            help="How the server and its workers write log lines: plain text, or one JSON object "
            "per line for a log pipeline [env PRAGMA_LOG_FORMAT; default plain].",
        ),
    ] = None,
    provider_package: Annotated[
        list[str] | None,
        typer.Option(help="Run a worker for this installed provider package (repeatable; development)."),
    ] = None,
    build_python: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PATH|VERSION",
            help="Another Python builds may use, for projects whose requires-python excludes the "
            "server's own: a path, or a version such as 3.13 found in pyenv or by uv (repeatable).",
        ),
    ] = None,
    insecure_unsandboxed: Annotated[
        bool,
        typer.Option(
            INSECURE_FLAG,
            help="Run pushed provider code without a sandbox, as the server's user (development only).",
        ),
    ] = False,
) -> None:
    """Migrate the database, create the first organization on an empty one, and serve the API."""
    settings = _settings(data_dir, database_url)
    if log_format is not None:
        settings.log_format = log_format
    logging_config = log_config(settings.log_format)
    # Configured now, not only by uvicorn: the lines before it starts share the format.
    logging.config.dictConfig(logging_config)
    say = _announcer(settings.log_format)
    settings.insecure_unsandboxed = settings.insecure_unsandboxed or insecure_unsandboxed
    settings.provider_packages = [*settings.provider_packages, *(provider_package or [])]
    settings.build_pythons = [*settings.build_pythons, *(build_python or [])]
    for request in settings.build_pythons:
        try:
            probe(request)
        except InterpreterUnusableError as error:
            typer.echo(f"error: --build-python: {error}", err=True)
            raise typer.Exit(2) from None
    settings.api_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    token = settings.bootstrap_token.get_secret_value() if settings.bootstrap_token else None
    issued = _with_database(
        settings, lambda database: auth_service.bootstrap(database, settings.bootstrap_email, token)
    )
    if issued is not None:
        say(f"Created organization '{issued.organization_name}' with admin {issued.email}.")
        say(f"Admin API token (shown once): {issued.token}")
        if write_credentials:
            path = credentials.store_token(credentials.DEFAULT_CONTEXT, issued.token)
            say(f"Saved it as context '{credentials.DEFAULT_CONTEXT}' in {path}.")
    say(f"Serving the Pragma API on http://{host}:{port} (docs at /docs).")
    # Long-polling workers keep connections open; don't let them hold a shutdown for long.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
        log_config=logging_config,
        timeout_graceful_shutdown=3,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        http=server_protocol(settings.max_header_bytes),
    )


def _announcer(log_format: LogFormat) -> Callable[[str], None]:
    """How ``serve`` tells the operator what it did at start: printed, or a JSON log line."""
    if log_format == "json":
        return logging.getLogger("pragma_os.serve").info
    return typer.echo


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Apply every pending schema migration."""

    async def nothing(_database: Database) -> None:
        return None

    _with_database(_settings(data_dir, database_url), nothing)
    typer.echo("Database schema is up to date.")


@admin_app.command("create-org")
def create_org(
    name: Annotated[str, typer.Argument(help="Organization name.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create an organization (a tenant)."""
    organization_id = _with_database(
        _settings(data_dir, database_url, existing=True),
        lambda database: auth_service.create_organization(database, name),
        existing=True,
    )
    typer.echo(f"Created organization '{name}' ({organization_id}).")


@admin_app.command("create-token")
def create_token(
    org: Annotated[str, typer.Option("--org", help="Organization name.")],
    email: Annotated[str, typer.Option("--email", help="User the token belongs to; created if new.")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Issue an API token for a user of an organization and print it (shown once)."""
    issued = _with_database(
        _settings(data_dir, database_url, existing=True),
        lambda database: auth_service.create_token(database, org, email),
        existing=True,
    )
    typer.echo(issued.token)


def main() -> None:
    """Run the ``pragma-os`` command."""
    app()
