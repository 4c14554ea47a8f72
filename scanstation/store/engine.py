"""Engines for SQLite and PostgreSQL with the station's settings, and write transactions."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, RootTransaction, make_url

from scanstation.store.errors import StoreError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "FEED_ALIAS",
    "Connectable",
    "begin_write",
    "create_postgres_engine",
    "create_sqlite_engine",
    "raw_execute",
    "read_only_uri",
    "redacted",
    "sqlite_path",
    "write_transaction",
]

BUSY_TIMEOUT_MS: Final = 5000
FEED_ALIAS: Final = "feed"  # the feed file's schema name on the station's connections


class Connectable(Protocol):
    """What hands out connections: an Engine, or a Store (its station engine's)."""

    def connect(self) -> Connection: ...


def sqlite_path(engine_or_url: Engine | str) -> Path | None:
    """The file behind a SQLite URL or engine; None for PostgreSQL and in-memory SQLite."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def read_only_uri(path: Path) -> str:
    """A URI that opens (or ATTACHes) a SQLite file read-only; the connection must accept URIs."""
    return f"file:{quote(str(path))}?mode=ro"


def redacted(engine: Engine) -> str:
    """The engine's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def create_sqlite_engine(
    url: URL,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    echo: bool = False,
    synchronous: str = "FULL",
    pragmas: tuple[str, ...] = (),
    attach_feed: Path | None = None,
) -> Engine:
    """A SQLite engine on the file of `url`: WAL, foreign keys on, a busy timeout, a real BEGIN for every transaction.

    synchronous=FULL by default (a committed verdict survives a power cut). pysqlite's own transaction
    handling would not BEGIN before a SELECT or DDL, so BEGIN is emitted here. `attach_feed` is attached
    read-only to every connection as FEED_ALIAS.
    """
    # ATTACHing the feed by a read-only URI needs the connection to take URIs.
    connect_args = {"uri": True} if attach_feed is not None else {}
    engine = create_engine(url, echo=echo, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module; _do_begin below emits it (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching to WAL itself needs a lock another process may hold.
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            _switch_to_wal(cursor, busy_timeout_ms)
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
            for pragma in pragmas:
                cursor.execute(pragma)
            if attach_feed is not None:
                # Read-only: BEGIN IMMEDIATE takes the write lock of every writable attached file, and a
                # scan must never wait for the feed writer's. A WAL reader sees each page once committed.
                cursor.execute(f"ATTACH DATABASE ? AS {FEED_ALIAS}", (read_only_uri(attach_feed),))
        finally:
            cursor.close()

    # SQLAlchemy's recipe emits BEGIN from a "begin" event; but any engine-level event listener makes
    # every statement dispatch the execute events too (~50 us per scan measured), so BEGIN is issued by
    # the dialect's do_begin hook instead: SQLAlchemy calls it at the same moment and wraps its errors.
    engine.dialect.do_begin = _do_begin  # type: ignore[method-assign]
    return engine


def create_postgres_engine(url: URL, *, echo: bool = False) -> Engine:
    """A PostgreSQL (psycopg) engine: a small pool with pre-ping, so a restarted server costs one reconnect."""
    if url.get_driver_name() != "psycopg":
        raise StoreError(f"{url.drivername!r} is not supported: write the URL as postgresql+psycopg://...")
    return create_engine(
        url,
        echo=echo,
        pool_size=5,
        max_overflow=5,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=30,
    )


def _switch_to_wal(cursor: Any, busy_timeout_ms: int) -> None:
    """PRAGMA journal_mode = WAL, waiting as long as busy_timeout would.

    A brand-new file is still in rollback mode; while another process creates its tables, the switch
    answers "database is locked" at once (SQLite does not call the busy handler for it).
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


# Set only while write_transaction opens its transaction: that BEGIN takes the write lock at once.
_BEGIN_IMMEDIATE: ContextVar[bool] = ContextVar("scanstation_begin_immediate", default=False)


def _do_begin(dbapi_connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a writer that read first can never be refused its
    # upgrade (SQLITE_BUSY_SNAPSHOT in WAL) after waiting; it simply waits at BEGIN (busy_timeout).
    dbapi_connection.execute("BEGIN IMMEDIATE" if _BEGIN_IMMEDIATE.get() else "BEGIN")


def begin_write(conn: Connection) -> RootTransaction:
    """conn.begin(), as BEGIN IMMEDIATE on SQLite (see write_transaction)."""
    token = _BEGIN_IMMEDIATE.set(True)
    try:
        return conn.begin()
    finally:
        _BEGIN_IMMEDIATE.reset(token)


@contextmanager
def write_transaction(bind: Connectable | Connection) -> Iterator[Connection]:
    """A transaction meant to write: BEGIN IMMEDIATE on SQLite, a plain transaction on PostgreSQL.

    Commits when the block ends, rolls back when it raises. Use it for every transaction that
    writes; plain `engine.begin()` / `engine.connect()` (a deferred BEGIN) stays right for reads.
    `bind` may be a Connection a single writer thread keeps open between transactions, which saves
    the pool check-out and reset of every call (~15-50 us on SQLite); it must not be in a transaction.
    """
    if isinstance(bind, Connection):
        with begin_write(bind):
            yield bind
        return
    with bind.connect() as conn, begin_write(conn):
        yield conn


def raw_execute(conn: Connection, sql: str) -> None:
    """Run a statement on the DBAPI connection, outside SQLAlchemy's transaction (autocommit)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()
