"""Keyset pages: a list read one row past its page size says whether another page follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

RowT = TypeVar("RowT")


def page_of(
    rows: Sequence[RowT], limit: int | None, cursor_of: Callable[[RowT], str]
) -> tuple[list[RowT], str | None]:
    """``rows``, read with a limit of ``limit + 1``, cut to one page, and the cursor of the next
    page (``cursor_of`` its last row) when the row past the page says one follows."""
    if limit is None or len(rows) <= limit:
        return list(rows), None
    return list(rows[:limit]), cursor_of(rows[limit - 1])
