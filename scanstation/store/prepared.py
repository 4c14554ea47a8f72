"""Core statements compiled once per dialect and run on the transaction's DBAPI cursor (the scan hot path)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import Insert, Select

# Per executed statement SQLAlchemy's execution context costs ~20-40 us of Python; a scan runs about
# five of them, which doubled its time against the plain-sqlite3 floor of `bench receive`. The SQL text
# still comes from the Core statements (so SQLite and PostgreSQL share one definition), and values pass
# through the same bind/result processors SQLAlchemy would apply: only the per-call machinery is skipped.

Row = dict[str, Any]
_Processor = Callable[[Any], Any] | None


class Prepared:
    """One statement, compiled for one dialect; executes inside the caller's SQLAlchemy transaction."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, *, column_keys: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement!r}")
        self.sql: str = compiled.string
        binds = compiled.binds
        self._positional = compiled.positional
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ()) if compiled.positional else tuple(binds)
        self._defaults: dict[str, Any] = {}
        self._bind_procs: dict[str, _Processor] = {}
        for name, bind in binds.items():
            if bind.expanding:
                raise ValueError("expanding parameters are not supported: build one statement per arity")
            if not bind.required and bind.callable is None:
                self._defaults[name] = bind.effective_value
            self._bind_procs[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
        # Columns left out of an INSERT get their Python-side scalar defaults, as SQLAlchemy would give them.
        for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
            default = column.default if column in compiled.insert_prefetch else column.onupdate
            if default is None or not getattr(default, "is_scalar", False):
                raise ValueError(f"column {column.key} needs a computed default: pass it explicitly")
            self._defaults[column.key] = default.arg  # type: ignore[attr-defined]
        self.columns: tuple[str, ...] = ()
        self._dialect = dialect
        self._result_types: tuple[Any, ...] = ()
        self._result_procs: tuple[_Processor, ...] | None = None  # from the first cursor's type codes
        if isinstance(statement, Select):
            selected = list(statement.selected_columns)
            self.columns = tuple(str(c.key) for c in selected)
            self._result_types = tuple(c.type.dialect_impl(dialect) for c in selected)
        elif isinstance(statement, Insert) and column_keys is None:
            raise ValueError("compile an INSERT with the column_keys it will be given")

    def _bind(self, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self._defaults, **params} if self._defaults else params
        out = []
        for name in self._names:
            value = values[name]
            proc = self._bind_procs[name]
            out.append(value if proc is None or value is None else proc(value))
        if self._positional:
            return tuple(out)
        return dict(zip(self._names, out, strict=True))

    def execute(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """Run a write; returns the row count."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, self._bind(params or {}))
            return int(cursor.rowcount)
        except self._dialect.loaded_dbapi.Error as exc:
            raise self._wrapped(exc, params) from exc
        finally:
            cursor.close()

    def execute_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            params: Any = [self._bind(row) for row in rows]
            cursor.executemany(self.sql, params)
        except self._dialect.loaded_dbapi.Error as exc:
            raise self._wrapped(exc, None) from exc
        finally:
            cursor.close()

    def all(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a query; rows as dicts by column key, values processed as SQLAlchemy would."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, self._bind(params or {}))
            raw = cursor.fetchall()
            procs = self._result_procs
            if procs is None:
                # Some drivers' processors depend on the column's type code (psycopg's numerics).
                codes = [d[1] for d in cursor.description or ()]
                procs = self._result_procs = tuple(
                    t.result_processor(self._dialect, code) for t, code in zip(self._result_types, codes, strict=True)
                )
        except self._dialect.loaded_dbapi.Error as exc:
            raise self._wrapped(exc, params) from exc
        finally:
            cursor.close()
        return [
            {
                name: (value if proc is None or value is None else proc(value))
                for name, proc, value in zip(self.columns, procs, row, strict=True)
            }
            for row in raw
        ]

    def _wrapped(self, exc: Exception, params: Mapping[str, Any] | None) -> StatementError:
        """The driver's error as SQLAlchemy would raise it (OperationalError, IntegrityError, ...).

        Callers tell a passing database state (disk full, locked: OperationalError) from a bad request by
        SQLAlchemy's classes, whichever path ran the statement.
        """
        error_class = self._dialect.loaded_dbapi.Error
        return DBAPIError.instance(
            self.sql, dict(params or {}), exc, error_class, hide_parameters=True, dialect=self._dialect
        )

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Row | None:
        rows = self.all(conn, params)
        return rows[0] if rows else None


class ByArity:
    """A statement family that differs only in how many values an IN list takes (1, 2, 3 ... keys)."""

    def __init__(self, build: Callable[[int], ClauseElement], dialect: Dialect) -> None:
        self._build = build
        self._dialect = dialect
        self._cache: dict[int, Prepared] = {}

    def __call__(self, arity: int) -> Prepared:
        prepared = self._cache.get(arity)
        if prepared is None:
            prepared = self._cache[arity] = Prepared(self._build(arity), self._dialect)
        return prepared


def in_params(prefix: str, values: Sequence[Any]) -> dict[str, Any]:
    """Parameters for an IN list built with `bindparam(f"{prefix}{i}")` for i in range(len(values))."""
    return {f"{prefix}{i}": value for i, value in enumerate(values)}
