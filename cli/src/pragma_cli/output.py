"""How commands print: tables for people, JSON and YAML for programs.

Data goes to stdout; progress, notes and errors go to stderr, so ``-o json`` stays pipeable.
Tables (``tables.py``) have no borders, as ``kubectl get``; piped, one line per row.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from pragma_cli.tables import PlainTable as PlainTable
from pragma_cli.tables import free_text as free_text
from pragma_cli.tables import new_table as new_table
from pragma_cli.tables import squeeze as squeeze

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from pragma_cli.state import CliState


class OutputFormat(StrEnum):
    """What a command that prints data prints."""

    TABLE = "table"
    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"


OutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        help="Print a table (default) or a wide one, or the API's data as json or yaml.",
        case_sensitive=False,
        show_default=False,
    ),
]

STATE_STYLES = {
    "draft": "dim",
    "pending": "yellow",
    "processing": "cyan",
    "ready": "green",
    "failed": "bold red",
    "deleting": "magenta",
}

BUILD_STYLES = {"pending": "yellow", "building": "cyan", "success": "green", "failed": "bold red"}
DEPLOYMENT_STYLES = {"pending": "yellow", "progressing": "cyan", "available": "green", "failed": "bold red"}


def jsonable(data: Any) -> Any:
    """``data`` with pydantic models dumped as the API sends them (JSON types only)."""
    # Only the SDK makes models, and it imports pydantic: commands that never use the SDK
    # (``pragma config``) do not pay for importing it here.
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(data, pydantic.BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, Mapping):
        return {str(key): jsonable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [jsonable(item) for item in data]
    if isinstance(data, datetime):
        return data.isoformat()
    if isinstance(data, StrEnum):
        return data.value
    return data


def to_json(data: Any) -> str:
    """Indented JSON, keys in the API's order."""
    return json.dumps(jsonable(data), indent=2, ensure_ascii=False)


def to_yaml(data: Any) -> str:
    """Block-style YAML, keys in the API's order."""
    import yaml

    return yaml.safe_dump(jsonable(data), sort_keys=False, allow_unicode=True, default_flow_style=False)


def emit(
    console: Console,
    data: Any,
    output: OutputFormat,
    table: Callable[[], RenderableType | None],
) -> None:
    """Print ``data`` as JSON or YAML, or the renderable ``table()`` builds from it."""
    if output is OutputFormat.JSON:
        sys.stdout.write(to_json(data) + "\n")
    elif output is OutputFormat.YAML:
        sys.stdout.write(to_yaml(data))
    else:
        renderable = table()
        if renderable is not None:
            show(console, renderable)
    sys.stdout.flush()


def emit_list(
    state: CliState,
    items: Sequence[Any],
    output: OutputFormat | None,
    table: Callable[[], RenderableType],
    *,
    empty: str,
) -> None:
    """``emit`` for what a list command found: as a table, when there is nothing, the note
    ``empty`` (on stderr) instead of a table with no rows; as JSON or YAML, ``[]``."""

    def table_or_note() -> RenderableType | None:
        if items:
            return table()
        state.err.print(empty)
        return None

    emit(state.out, items, state.output_format(output), table_or_note)


def show(console: Console, renderable: RenderableType) -> None:
    """Print ``renderable``; when piped, without the spaces that pad table cells at line ends.

    Lines are not cropped at the terminal's edge: a table row wider than the terminal keeps
    its names and ids whole (see ``tables.PlainTable``).
    """
    if console.is_terminal:
        console.print(renderable, crop=False)
        return
    with console.capture() as captured:
        console.print(renderable, crop=False)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def state_label(document: Mapping[str, Any]) -> Text:
    """``[READY]``, ``[FAILED]``... coloured; a resource on its way out shows ``[DELETING]``."""
    state = str(document.get("lifecycle_state") or "unknown")
    if document.get("deleting") and state != "failed":
        state = "deleting"
    return Text(f"[{state.upper()}]", style=STATE_STYLES.get(state, ""))


def styled(value: str | None, styles: Mapping[str, str]) -> Text:
    """``value`` coloured by ``styles``; a dash when there is none."""
    if not value:
        return Text("-", style="dim")
    return Text(str(value), style=styles.get(str(value), ""))


def parse_time(value: Any) -> datetime | None:
    """A timestamp from the API (ISO text or datetime), or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def age(value: Any, now: datetime | None = None) -> str:
    """How long ago ``value`` was, in the largest unit: ``42s``, ``5m``, ``3h``, ``12d``."""
    moment = parse_time(value)
    if moment is None:
        return "-"
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def short_time(value: Any) -> str:
    """``2026-11-28 13:19:33`` in UTC, or a dash."""
    moment = parse_time(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def joined(values: Iterable[Any] | None, empty: str = "-") -> str:
    """Values joined by commas, or ``empty``."""
    items = [str(value) for value in values or ()]
    return ", ".join(items) if items else empty
