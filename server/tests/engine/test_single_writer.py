"""Lifecycles have one writer: ``engine/transitions.py`` (through ``store/lifecycle_writes.py``).

The import-linter contract in ``pyproject.toml`` keeps every other module from importing the
store's lifecycle writes; this test reads the server's sources for the other ways around it:
a statement writing the resource, event or dead-letter tables outside that store module, or
code outside the engine's writer that sets ``lifecycle_state`` or ``waiting_on``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pragma_os

SOURCES = Path(pragma_os.__file__).parent
WRITER = "engine/transitions.py"
STORE_WRITES = "store/lifecycle_writes.py"
LIFECYCLE_COLUMNS = {"lifecycle_state", "waiting_on"}
LIFECYCLE_TABLES = {"resources", "events", "dead_letters"}
# Where a write statement on those tables is allowed besides the store's lifecycle writes.
OTHER_TABLE_WRITES = {("store/dead_letters.py", "delete(dead_letters)")}  # discarding letters
# Dicts naming those columns that are not writes.
# The API's and the MCP server's resource edges and the graph's nodes: they shape response
# bodies, and an apply's document whose requested state the engine then checks.
NOT_WRITES = {"api/routers/resources.py", "mcp/resources.py", "services/resource_graph.py"}
RAW_SQL_WRITE = re.compile(
    r"\b(insert\s+into|update|delete\s+from)\s+(resources|events|dead_letters)\b", re.IGNORECASE
)


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SOURCES.rglob("*.py")):
        name = path.relative_to(SOURCES).as_posix()
        if "/migrations/" not in name:
            yield name, ast.parse(path.read_text(), filename=name)


def _column_writes(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Places that set a lifecycle column: a dict key, an item assignment, a keyword."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in LIFECYCLE_COLUMNS:
                    yield key.lineno, str(key.value)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if isinstance(node.slice, ast.Constant) and node.slice.value in LIFECYCLE_COLUMNS:
                yield node.lineno, str(node.slice.value)
        elif isinstance(node, ast.keyword) and node.arg in LIFECYCLE_COLUMNS:
            yield node.value.lineno, node.arg


def _table_writes(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """SQLAlchemy ``insert/update/delete(<table>)`` and raw SQL writing a lifecycle table."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"insert", "update", "delete"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in LIFECYCLE_TABLES
        ):
            yield node.lineno, f"{node.func.id}({node.args[0].id})"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_SQL_WRITE.search(node.value)
        ):
            yield node.lineno, "raw SQL"


def test_only_the_store_lifecycle_writes_write_lifecycle_tables() -> None:
    found = [
        f"{name}:{line} {what}"
        for name, tree in _sources()
        if name != STORE_WRITES
        for line, what in _table_writes(tree)
        if (name, what) not in OTHER_TABLE_WRITES
    ]
    assert found == []


def test_only_the_engine_writer_sets_lifecycle_columns() -> None:
    found = [
        f"{name}:{line} {column}"
        for name, tree in _sources()
        if name != WRITER and name not in NOT_WRITES
        for line, column in _column_writes(tree)
    ]
    assert found == []


def test_only_the_engine_writer_imports_the_store_lifecycle_writes() -> None:
    importers = set()
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                modules = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                modules = {alias.name for alias in node.names}
            else:
                continue
            if "pragma_os.store.lifecycle_writes" in modules:
                importers.add(name)
    assert importers == {WRITER}


def test_the_scan_sees_a_write() -> None:
    tree = ast.parse(
        'changes = {"lifecycle_state": "ready"}\nrow["waiting_on"] = []\nrow.update(lifecycle_state="x")\n'
        'statement = update(events)\nSQL = "UPDATE resources SET x = 1"\n'
    )
    assert [what for _line, what in _column_writes(tree)] == [
        "lifecycle_state",
        "waiting_on",
        "lifecycle_state",
    ]
    assert [what for _line, what in _table_writes(tree)] == ["update(events)", "raw SQL"]
