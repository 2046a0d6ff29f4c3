"""Borderless tables (as ``kubectl get``) that keep names and ids whole at any width.

Free-text columns (messages, errors, descriptions) take the room the others leave and are
the only ones cut or wrapped; piped output is one line per row, nothing cut or wrapped.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

# The narrowest a free-text column gets on a narrow terminal, so a message never vanishes.
FREE_TEXT_FLOOR = 10


class PlainTable(Table):
    """A table whose identity columns never shrink and whose text cells are never markup.

    Cells given as ``str`` become plain ``Text``: names, errors and descriptions from the API
    are never read as Rich markup (``[redacted]`` stays visible). Every column but a free-text
    one (see ``free_text``) is as wide as its header and widest cell; on a terminal the
    free-text columns share what is left (cut with an ellipsis, or wrapped), and a row wider
    than the terminal runs past its edge rather than lose characters of a name. When the
    output is not a terminal, every cell is whole and every row one line. A table without a
    header is a key/value view: its last column is free text, wrapped.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.free: dict[int, bool] = {}  # free-text column index -> wrapped (else cut)

    def add_row(self, *renderables: RenderableType | None, **options: Any) -> None:
        """Add a row; ``str`` cells become plain ``Text``."""
        super().add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in renderables), **options)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        free = dict(self.free)
        if not free and not self.show_header and self.columns:
            free = {len(self.columns) - 1: True}
        natural = [self._natural_width(console, options, column) for column in self.columns]
        padding = sum(self._get_padding_width(index) for index in range(len(self.columns)))
        if not options.is_terminal:
            for column, width in zip(self.columns, natural, strict=True):
                _keep_whole(column, width)
            yield from super().__rich_console__(console, options.update(width=sum(natural) + padding))
            return
        fixed = sum(width for index, width in enumerate(natural) if index not in free)
        room = (options.max_width - fixed - padding) // max(len(free), 1)
        needed = fixed + padding
        for index, (column, width) in enumerate(zip(self.columns, natural, strict=True)):
            if index in free:
                share = max(room, min(width, max(FREE_TEXT_FLOOR, cell_len(str(column.header)))))
                column.no_wrap = not free[index]
                column.overflow = "fold" if free[index] else "ellipsis"
                column.min_width, column.max_width = None, share
                needed += min(width, share)
            else:
                _keep_whole(column, width)
        yield from super().__rich_console__(console, options.update(width=max(options.max_width, needed)))

    def _natural_width(self, console: Console, options: ConsoleOptions, column: Column) -> int:
        """The widest of the column's header (when shown) and cells, on one line each."""
        unbounded = options.update(width=1_000_000, no_wrap=True)
        cells = [*column.cells, column.header] if self.show_header else list(column.cells)
        return max((Measurement.get(console, unbounded, cell).maximum for cell in cells), default=0)


def _keep_whole(column: Column, width: int) -> None:
    column.no_wrap, column.overflow, column.min_width, column.max_width = True, "fold", width, None


def new_table(*columns: str) -> PlainTable:
    """A borderless table with bold headers, as ``kubectl get`` prints them."""
    table = PlainTable(box=None, header_style="bold", pad_edge=False, show_edge=False, expand=False)
    for column in columns:
        table.add_column(column)
    return table


def free_text(table: Table, index: int, *, wrap: bool = False) -> None:
    """Make column ``index`` free text: it takes the room left on a terminal, its text cut at
    the edge with an ellipsis, or wrapped when ``wrap``."""
    if isinstance(table, PlainTable):
        table.free[index] = wrap


def squeeze(table: Table, index: int) -> None:
    """Make column ``index`` take the room left and cut its text at the edge (for messages)."""
    free_text(table, index)
