"""``pragma files``: upload, download, share with a signed URL, list and delete stored files."""

from __future__ import annotations

import mimetypes
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pragma_cli.errors import CliError, doing
from pragma_cli.output import OutputFormat, OutputOption, emit, emit_list, new_table
from pragma_cli.state import state_of

app = typer.Typer(help="Upload, download, share, list and delete files.", no_args_is_help=True)

FileNameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The file's name on the platform.")]


@app.command()
def upload(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="The local file to upload.", exists=True, dir_okay=False, readable=True)
    ],
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Name on the platform; the file's own name by default.")
    ] = None,
    content_type: Annotated[
        str | None,
        typer.Option("--content-type", help="Media type; guessed from the file's extension by default."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Upload a file, replacing a file of the same name. It is streamed, so any size works.

    Track it with a pragma/file resource of the same name (or let 'pragma resources apply'
    upload it: content: '@path' in the manifest).

    Examples:
        pragma files upload training-data.jsonl
        pragma files upload ./build/report.pdf --name report --content-type application/pdf
    """
    state = state_of(ctx)
    stored_name = name or path.name
    media_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with (
        state.client() as client,
        doing(f"upload {path} as {stored_name}", context=state.context_name),
        path.open("rb") as content,
    ):
        metadata = client.upload_file(stored_name, content, media_type)
    fmt = state.output_format(output)
    if fmt is OutputFormat.TABLE:
        state.out.print(
            f"uploaded {escape(stored_name)} ({metadata['size']} bytes, {escape(metadata['content_type'])}, "
            f"sha256 {metadata['checksum']})",
            soft_wrap=True,
        )
        return
    emit(state.out, {"name": stored_name, **metadata}, fmt, lambda: None)


@app.command()
def download(
    ctx: typer.Context,
    name: FileNameArgument,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", "-O", metavar="PATH", help="Where to write it (a folder, a file, or - for stdout)."
        ),
    ] = None,
) -> None:
    """Download a file, streamed to disk: to ./NAME by default.

    Examples:
        pragma files download training-data.jsonl
        pragma files download report --to ./report.pdf
        pragma files download config.json --to - | jq .
    """
    state = state_of(ctx)
    target = _target(name, to)
    with (
        state.client() as client,
        doing(f"download {name}", context=state.context_name),
        client.stream_file(name) as response,
    ):
        if target is None:
            for chunk in response.iter_bytes():
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        size = _write(target, response.iter_bytes())
    state.err.print(f"downloaded {escape(name)} to {escape(str(target))} ({size} bytes)", soft_wrap=True)


def _target(name: str, to: str | None) -> Path | None:
    """The file to write, or ``None`` for stdout."""
    if to == "-":
        return None
    if to is None:
        return Path(name)
    path = Path(to)
    return path / name if path.is_dir() else path


def _write(target: Path, chunks: Any) -> int:
    """Write ``chunks`` to ``target`` through a temporary file, so a failed download leaves no half file."""
    partial = target.with_name(f".{target.name}.part")
    size = 0
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                size += len(chunk)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {target}: {error.strerror or error}") from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size


@app.command()
def url(
    ctx: typer.Context,
    name: FileNameArgument,
    expires_in: Annotated[
        int,
        typer.Option(
            "--expires-in", min=1, max=604800, help="Seconds the link works (at most 604800, seven days)."
        ),
    ] = 3600,
    output: OutputOption = None,
) -> None:
    """Print a signed link that downloads the file without a token until it expires.

    Examples:
        pragma files url training-data.jsonl
        curl -o data.jsonl "$(pragma files url training-data.jsonl --expires-in 600)"
    """
    state = state_of(ctx)
    with state.client() as client, doing(f"get a download URL for {name}", context=state.context_name):
        signed = client.get_file_url(name, expires_in=expires_in)
    fmt = state.output_format(output)
    if fmt is OutputFormat.TABLE:
        state.out.print(signed.url, soft_wrap=True, markup=False, highlight=False)
        return
    emit(state.out, signed.model_dump(mode="json"), fmt, lambda: None)


@app.command("list")
def list_files(ctx: typer.Context, output: OutputOption = None) -> None:
    """List the files tracked by pragma/file resources: name, size, media type and state.

    Examples:
        pragma files list
        pragma files list -o json
    """
    state = state_of(ctx)
    with state.client() as client, doing("list pragma/file resources", context=state.context_name):
        documents: list[dict[str, Any]] = client.list_resources(provider="pragma", resource="file")
    files = [
        {
            "name": document["name"],
            "size": (document.get("outputs") or {}).get("size"),
            "content_type": (document.get("outputs") or {}).get("content_type"),
            "checksum": (document.get("outputs") or {}).get("checksum"),
            "state": document["lifecycle_state"],
        }
        for document in documents
    ]

    def table() -> Table:
        rendered = new_table("NAME", "SIZE", "TYPE", "STATE")
        for item in files:
            size = "-" if item["size"] is None else str(item["size"])
            rendered.add_row(item["name"], size, item["content_type"] or "-", item["state"])
        return rendered

    emit_list(
        state, files, output, table, empty="No files found: upload one with 'pragma files upload PATH'."
    )


@app.command()
def delete(ctx: typer.Context, name: FileNameArgument) -> None:
    """Delete a file's content. A pragma/file resource tracking it stays: delete it on its own.

    Examples:
        pragma files delete training-data.jsonl
    """
    state = state_of(ctx)
    with state.client() as client, doing(f"delete file {name}", context=state.context_name):
        client.delete_file(name)
    state.out.print(f"deleted {escape(name)}", soft_wrap=True)
