"""The engine's hot statements, run straight on SQLite's own connection.

Through SQLAlchemy's async Core a statement costs 100 to 300 µs here (a greenlet hand-off per
DBAPI call, an execution context, a result object, a cache key for statements built per
call); the same statement on the ``sqlite3`` connection takes 5 to 15 µs. An idle apply runs
about 20 statements, so that difference was most of its server time (docs/BENCHMARKS.md).

``execute`` takes the same Core statements and parameters as ``AsyncConnection.execute``.
Each is compiled once by SQLAlchemy for the connection's dialect (per set of parameter
names, as SQLAlchemy does for inserts and updates); on SQLite the compiled SQL then runs on
the DBAPI connection of the same transaction, with SQLAlchemy's own bind and result
processors for each column (JSON, timestamps, booleans). On PostgreSQL, and for the rare
statement this path does not handle (a value rendered into the SQL, an empty ``IN`` list),
it goes through SQLAlchemy as any other. Both return ``Rows``.

Errors are SQLAlchemy's (``IntegrityError``, …), as callers expect.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

from pragma_os.store.types import plain_dict

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@dataclass(frozen=True)
class Rows:
    """What a statement returned: its rows (column name → value, in select order) and how
    many rows it changed."""

    rows: list[dict[str, Any]]
    rowcount: int

    def scalars(self) -> list[Any]:
        """The first column of every row."""
        return [next(iter(row.values())) for row in self.rows]

    def first(self) -> dict[str, Any] | None:
        """The first row, or ``None``."""
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class _Compiled:
    """A statement as SQLite runs it: SQL, where each parameter goes and how values convert."""

    sql: str
    order: tuple[str, ...]
    defaults: dict[str, Any]
    expanding: frozenset[str]
    bind: Mapping[str, Callable[[Any], Any]]
    converted: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The position and bind processor of each parameter that has one (``order`` indexes)."""
    keys: tuple[str, ...]
    results: tuple[Callable[[Any], Any] | None, ...]


_compiled: dict[tuple[int, tuple[str, ...]], tuple[Executable, _Compiled | None]] = {}


async def execute(connection: AsyncConnection, statement: Executable, parameters: Parameters = None) -> Rows:
    """Run ``statement`` in ``connection``'s transaction, as ``connection.execute`` would;
    ``parameters`` a mapping, or a sequence of them for one statement per mapping."""
    if connection.dialect.name != "sqlite":
        return await _through_sqlalchemy(connection, statement, parameters)
    many = parameters if isinstance(parameters, Sequence) else [parameters or {}]
    if not many:
        return Rows([], 0)
    compiled = _compile(statement, connection.dialect, tuple(many[0]))
    if compiled is None or any(not row[name] for row in many for name in compiled.expanding):
        return await _through_sqlalchemy(connection, statement, parameters)
    raw: sqlite3.Connection = connection.sync_connection.connection.driver_connection._conn  # type: ignore[union-attr]
    rows: list[dict[str, Any]] = []
    count = 0
    for values in many:
        sql, arguments = _bound(compiled, values)
        try:
            cursor = raw.execute(sql, arguments)
            fetched = cursor.fetchall() if compiled.keys else ()
        except sqlite3.Error as error:
            raise DBAPIError.instance(
                sql, arguments, error, sqlite3.Error, dialect=connection.dialect
            ) from error
        count += max(cursor.rowcount, 0)
        rows.extend(_mapped(compiled, row) for row in fetched)
    return Rows(rows, count)


def _compile(statement: Executable, dialect: Dialect, names: tuple[str, ...]) -> _Compiled | None:
    """``statement`` compiled for SQLite (cached); ``None`` when it renders a value into its SQL."""
    key = (id(statement), names if isinstance(statement, UpdateBase) else ())
    known = _compiled.get(key)
    if known is not None and known[0] is statement:
        return known[1]
    compiled = statement.compile(dialect=dialect, column_keys=list(names))  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    prepared = None if compiled.literal_execute_params else _prepare(compiled, dialect)
    # The statement is kept with its entry, so its id cannot be reused by another one.
    _compiled[key] = (statement, prepared)
    return prepared


def _prepare(compiled: SQLCompiler, dialect: Dialect) -> _Compiled:
    order = tuple(compiled.positiontup or ())
    binds = {name: compiled.binds[name] for name in order}
    expanding = frozenset(name for name, bind in binds.items() if bind.expanding)
    processors = {
        name: processor
        for name, bind in binds.items()
        if (processor := bind.type._cached_bind_processor(dialect)) is not None
    }
    columns = compiled._result_columns
    return _Compiled(
        sql=compiled.string,
        order=order,
        defaults={name: bind.effective_value for name, bind in binds.items() if not bind.required},
        expanding=expanding,
        bind=processors,
        converted=tuple((index, processors[name]) for index, name in enumerate(order) if name in processors),
        keys=tuple(column.keyname for column in columns),
        results=tuple(column.type._cached_result_processor(dialect, None) for column in columns),
    )


def _bound(compiled: _Compiled, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    if compiled.expanding:
        return _bound_expanding(compiled, values)
    # The common case, every hot statement's: one pass, then only the values that convert.
    defaults = compiled.defaults
    arguments = [values[name] if name in values else defaults[name] for name in compiled.order]
    for index, convert in compiled.converted:
        arguments[index] = convert(arguments[index])
    return compiled.sql, arguments


def _bound_expanding(compiled: _Compiled, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    sql = compiled.sql
    arguments: list[Any] = []
    for name in compiled.order:
        value = values[name] if name in values else compiled.defaults[name]
        convert = compiled.bind.get(name)
        if name in compiled.expanding:
            items = list(value)
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * len(items)), 1)
            arguments.extend(convert(item) if convert else item for item in items)
        else:
            arguments.append(convert(value) if convert else value)
    return sql, arguments


def _mapped(compiled: _Compiled, row: Sequence[Any]) -> dict[str, Any]:
    return {
        key: convert(value) if convert is not None and value is not None else value
        for key, convert, value in zip(compiled.keys, compiled.results, row, strict=True)
    }


async def _through_sqlalchemy(
    connection: AsyncConnection, statement: Executable, parameters: Parameters
) -> Rows:
    result = await connection.execute(statement, parameters)
    rows = [plain_dict(row) for row in result.mappings()] if result.returns_rows else []
    return Rows(rows, max(result.rowcount, 0))
