"""How commands print: tables for people, JSON and YAML for programs.

Data goes to stdout; progress, notes and errors go to stderr, so ``-o json`` stays pipeable.
Tables have no borders (as ``kubectl get``) and fit the terminal, 80 columns when piped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
import yaml
from pydantic import BaseModel
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text


class OutputFormat(StrEnum):
    """What a command that prints data prints."""

    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


OutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        help="Print a table (default), or the API's data as json or yaml.",
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
    if isinstance(data, BaseModel):
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


def show(console: Console, renderable: RenderableType) -> None:
    """Print ``renderable``; when piped, without the spaces that pad table cells at line ends."""
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


class PlainTable(Table):
    """A table whose text cells are shown as they are: names, errors and descriptions from the
    API are never read as Rich markup (``[redacted]`` stays visible)."""

    def add_row(self, *renderables: RenderableType | None, **options: Any) -> None:
        """Add a row; ``str`` cells become plain ``Text``.

        Every column but a squeezed one (see ``squeeze``) is kept as wide as its header and
        its widest text, so a long message is what gets cut, never a name or an id.
        """
        cells = [Text(cell) if isinstance(cell, str) else cell for cell in renderables]
        for column, cell in zip(self.columns, cells, strict=False):
            if column.ratio is None and isinstance(cell, Text):
                header = cell_len(str(column.header))
                widest = max((cell_len(line) for line in cell.plain.splitlines()), default=0)
                column.min_width = max(column.min_width or 0, header, widest)
        super().add_row(*cells, **options)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Rich would shrink every column evenly once a no-wrap message overflows: instead the
        # squeezed columns share what the others leave.
        squeezed = [column for column in self.columns if column.ratio is not None]
        if squeezed:
            fixed = sum(column.min_width or 0 for column in self.columns if column.ratio is None)
            left, right = self.padding[3], self.padding[1]
            padding = (left + right) * len(self.columns) - (0 if self.pad_edge else left + right)
            room = max(options.max_width - fixed - padding, 8 * len(squeezed))
            for column in squeezed:
                column.max_width = room // len(squeezed)
        yield from super().__rich_console__(console, options)


def new_table(*columns: str) -> Table:
    """A borderless table with bold headers, as ``kubectl get`` prints them."""
    table = PlainTable(box=None, header_style="bold", pad_edge=False, show_edge=False, expand=False)
    for column in columns:
        table.add_column(column, overflow="fold")  # names and ids wrap rather than lose characters
    return table


def squeeze(table: Table, index: int) -> None:
    """Make column ``index`` take the room left and cut its text at the edge (for messages)."""
    column = table.columns[index]
    column.overflow, column.no_wrap, column.ratio = "ellipsis", True, 1


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
