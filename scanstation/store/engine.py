"""Engines for SQLite and PostgreSQL (with the feed's own file on SQLite), write transactions, migrations."""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, delete, event, exc, inspect
from sqlalchemy.engine import Connection, Engine, RootTransaction, make_url

from scanstation import paths
from scanstation.private import private_dir, private_file, tighten
from scanstation.store.models import FeedBase, FeedState
from scanstation.store.state import get_state, set_state

__all__ = [
    "BUSY_TIMEOUT_MS",
    "FEED_ALIAS",
    "FEED_FILLING_KEY",
    "FEED_SCHEMA_KEY",
    "FEED_SCHEMA_VERSION",
    "MIGRATIONS_DIR",
    "StoreError",
    "alembic_config",
    "close_store",
    "create_engine_for",
    "current_revision",
    "feed_engine",
    "feed_fill",
    "feed_path",
    "head_revision",
    "open_store",
    "read_only_uri",
    "sqlite_path",
    "upgrade",
    "write_transaction",
]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS: Final = 5000
# Layout of the SQLite feed file (FeedBase). The file is a copy of the server's feed: when this changes,
# an old file is emptied and the feed pulled again from the beginning rather than migrated.
FEED_SCHEMA_VERSION: Final = "1"
FEED_SCHEMA_KEY: Final = "schema"
FEED_FILLING_KEY: Final = "filling"  # in feed_state while a fill without disk flushes runs (see feed_fill)
FEED_ALIAS: Final = "feed"  # the feed file's schema name on the station's connections
# SQLite settings of the feed file's own connections (the only ones that write it).
_FEED_PRAGMAS: Final = (
    # The feed can always be pulled again and its cursor commits with its rows, so a power cut loses at
    # most pages that are then read again: no disk flush per page.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -65536",  # 64 MiB: the key indexes of a million registrations stay in memory
)
MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
_MIGRATION_LOCK: Final = 0x5CA25747  # PostgreSQL advisory lock key of this application's migrations


class StoreError(Exception):
    """The database cannot be used for a reason that is the environment's, not a bug: say it in words."""


def sqlite_path(engine_or_url: Engine | str) -> Path | None:
    """The file behind a SQLite URL or engine; None for PostgreSQL and in-memory SQLite."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def read_only_uri(path: Path) -> str:
    """A URI that opens (or ATTACHes) a SQLite file read-only; the connection must accept URIs."""
    return f"file:{quote(str(path))}?mode=ro"


def feed_path(station_db: Path) -> Path:
    """The SQLite file holding the feed beside the station's database: station.db -> station-feed.db."""
    return station_db.with_name(f"{station_db.stem}-feed{station_db.suffix}")


# Station engine -> the engine that writes its feed file (SQLite only; see feed_engine).
_FEED_ENGINES: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def feed_engine(engine: Engine) -> Engine:
    """The engine that writes the feed (FeedBase tables) of the station behind `engine`.

    SQLite: the feed file's own engine. The station's connections see the feed too (attached read-only
    as `feed`, so unqualified table names find it), but only this engine writes it, and a feed page
    being written never holds a lock a scan needs. PostgreSQL: `engine` itself (one database, row locks).
    """
    return _FEED_ENGINES.get(engine, engine)


def close_store(engine: Engine) -> None:
    """Close every pooled connection of the station's engine and of its feed's (SQLite) engine."""
    feed = _FEED_ENGINES.get(engine)
    engine.dispose()
    if feed is not None:
        feed.dispose()


def create_engine_for(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, echo: bool = False) -> Engine:
    """An Engine with the station's settings; migrates nothing (see open_store).

    SQLite: WAL, synchronous=FULL (a committed verdict survives a power cut), foreign keys on,
    a busy timeout, and a real BEGIN for every transaction (pysqlite's own transaction handling
    would not BEGIN before a SELECT or DDL). The feed file beside it (feed_path) is created with
    its tables when missing, and attached read-only to every connection. PostgreSQL
    (postgresql+psycopg://): a small pool with pre-ping, so a restarted server costs one
    reconnect rather than a failed scan.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is None:
            raise StoreError("an in-memory SQLite database keeps nothing: give the station a file (sqlite:///path)")
        try:
            private_dir(path.parent)
        except OSError as err:
            raise StoreError(f"cannot create the database directory {path.parent}: {err.strerror}") from None
        try:
            for db_file in (path, feed_path(path)):
                # Owner-only before SQLite first opens them: their -wal and -shm files take the same mode.
                private_file(db_file)
                for side in ("-wal", "-shm", "-fill.lock"):
                    tighten(db_file.with_name(db_file.name + side))
        except OSError as err:
            raise StoreError(f"cannot create the database files in {path.parent}: {err.strerror}") from None
        feed = create_engine(make_url(f"sqlite:///{feed_path(path)}"), echo=echo)
        _configure_sqlite(feed, busy_timeout_ms, synchronous="NORMAL", pragmas=_FEED_PRAGMAS)
        _prepare_feed_file(feed)
        engine = create_engine(parsed, echo=echo, connect_args={"uri": True})
        _configure_sqlite(engine, busy_timeout_ms, attach_feed=feed_path(path))
        _FEED_ENGINES[engine] = feed
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise StoreError(f"{parsed.drivername!r} is not supported: write the URL as postgresql+psycopg://...")
        return create_engine(
            parsed,
            echo=echo,
            pool_size=5,
            max_overflow=5,
            pool_pre_ping=True,
            pool_recycle=1800,
            pool_timeout=30,
        )
    raise StoreError(f"{parsed.drivername!r} is neither SQLite nor PostgreSQL")


def _configure_sqlite(
    engine: Engine,
    busy_timeout_ms: int,
    *,
    synchronous: str = "FULL",
    pragmas: tuple[str, ...] = (),
    attach_feed: Path | None = None,
) -> None:
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


def _begin_write(conn: Connection) -> RootTransaction:
    token = _BEGIN_IMMEDIATE.set(True)
    try:
        return conn.begin()
    finally:
        _BEGIN_IMMEDIATE.reset(token)


@contextmanager
def write_transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """A transaction meant to write: BEGIN IMMEDIATE on SQLite, a plain transaction on PostgreSQL.

    Commits when the block ends, rolls back when it raises. Use it for every transaction that
    writes; plain `engine.begin()` / `engine.connect()` (a deferred BEGIN) stays right for reads.
    `bind` may be a Connection a single writer thread keeps open between transactions, which saves
    the pool check-out and reset of every call (~15-50 us on SQLite); it must not be in a transaction.
    """
    if isinstance(bind, Connection):
        with _begin_write(bind):
            yield bind
        return
    with bind.connect() as conn, _begin_write(conn):
        yield conn


# ------------------------------------------------------------------------------------- the feed file


def _feed_file_trouble(conn: Connection, feed_file: Path) -> tuple[bool, str | None]:
    """Whether the feed file needs its tables made, and why its rows must go first (None: nothing to empty)."""
    present = set(inspect(conn).get_table_names())
    if not present:
        return True, None
    version = get_state(conn, FEED_SCHEMA_KEY, FeedState) if FeedState.__tablename__ in present else None
    if version != FEED_SCHEMA_VERSION:
        return True, f"it has layout {version}, not {FEED_SCHEMA_VERSION}"
    filling = get_state(conn, FEED_FILLING_KEY, FeedState)
    if filling is None:
        return False, None
    with _fill_lock(feed_file, wait=False) as free:
        if not free:
            return False, None  # a fill is under way in a live process (this one or another)
    return True, f"a fill started {filling} was cut off by a crash or a power cut"


def _prepare_feed_file(feed: Engine) -> None:
    """Create the feed file's tables when missing; empty a file it cannot trust (it is pulled again).

    Read first, so that opening a store while its fill holds the write lock waits for nothing.
    """
    feed_file = sqlite_path(feed)
    assert feed_file is not None
    try:
        with feed.connect() as conn:
            needed, _ = _feed_file_trouble(conn, feed_file)
        if not needed:
            return
        with write_transaction(feed) as conn:
            needed, why = _feed_file_trouble(conn, feed_file)
            if not needed:
                return
            if why is not None:
                log.warning(
                    "the feed file %s: %s; emptying it, the feed is read again from the server", _redacted(feed), why
                )
                FeedBase.metadata.drop_all(conn)
            FeedBase.metadata.create_all(conn)
            set_state(conn, FEED_SCHEMA_KEY, FEED_SCHEMA_VERSION, FeedState)
    except exc.OperationalError as err:
        raise StoreError(f"cannot open or create the feed database {_redacted(feed)}: {err.orig}") from err
    except exc.DatabaseError as err:
        raise StoreError(
            f"{_redacted(feed)} is not a usable feed database ({err.orig}): delete it and the feed is pulled again"
        ) from err


@contextmanager
def _fill_lock(feed_file: Path, *, wait: bool) -> Iterator[bool]:
    """An OS lock on `<feed>-fill.lock`, held by the process filling the feed; yields whether it was taken.

    The operating system lets go of it when that process dies, so a fill marker without a holder was
    cut off, and a marker with one belongs to a fill still running.
    """
    lock_file = feed_file.with_name(f"{feed_file.name}-fill.lock")
    with lock_file.open("a+b") as handle:
        taken = _lock(handle.fileno(), wait=wait)
        try:
            yield taken
        finally:
            if taken:
                _unlock(handle.fileno())


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int, *, wait: bool) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int, *, wait: bool) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def feed_fill(conn: Connection) -> Iterator[None]:
    """Write a feed read from its beginning without flushing the disk until the end (SQLite).

    A million-row first pull writes gigabytes through the page cache; flushing each batch made every
    scan's own commit wait behind that flush (p99 ~110 ms in `bench sync`). During the fill the feed
    connection runs synchronous=OFF, under a marker in feed_state: at the end (or when the pull stops
    or fails, the process still alive) a FULL checkpoint makes the file durable and the marker goes.
    The filling process holds an OS lock (_fill_lock) meanwhile. A feed file opened with the marker still
    there and nobody holding the lock was cut off by a crash or a power cut mid-fill and may be damaged:
    it is emptied and read again (_prepare_feed_file). `conn` must not be in a transaction.
    """
    feed_file = sqlite_path(conn.engine)
    if feed_file is None:
        yield
        return
    with _fill_lock(feed_file, wait=True):
        with write_transaction(conn):
            set_state(conn, FEED_FILLING_KEY, datetime.now(UTC).isoformat(timespec="seconds"), FeedState)
        _raw_execute(conn, "PRAGMA wal_checkpoint(FULL)")  # the marker is on disk before anything unflushed
        _raw_execute(conn, "PRAGMA synchronous = OFF")
        try:
            yield
        finally:
            _raw_execute(conn, "PRAGMA synchronous = NORMAL")
            # NORMAL: the WAL is flushed before the checkpoint and the database file after it.
            _raw_execute(conn, "PRAGMA wal_checkpoint(FULL)")
            with write_transaction(conn):
                conn.execute(delete(FeedState).where(FeedState.key == FEED_FILLING_KEY))


def _move_feed_out_of_station_file(station: Path, feed: Path) -> None:
    """Revision 0001 kept the feed in the station's file: copy it (and its cursor) into the feed file.

    Runs before migration 0002 drops those tables, so an upgraded station still matches while offline.
    Idempotent (INSERT OR REPLACE), so an upgrade interrupted half-way can simply run again.
    """
    columns = ", ".join(c.name for c in FeedBase.metadata.tables["registrations"].columns)
    conn = sqlite3.connect(feed, isolation_level=None, uri=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Read-only: the migration holds the station file's write lock while this runs.
        conn.execute("ATTACH DATABASE ? AS old", (read_only_uri(station),))
        old = {row[0] for row in conn.execute("SELECT name FROM old.sqlite_master WHERE type = 'table'")}
        if "registrations" not in old:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                f"INSERT OR REPLACE INTO main.registrations ({columns}) SELECT {columns} FROM old.registrations"
            )
            conn.execute(
                "INSERT OR REPLACE INTO main.registration_keys (key, registration_id) "
                "SELECT key, registration_id FROM old.registration_keys"
            )
            conn.execute(
                "INSERT OR REPLACE INTO main.feed_state (key, value) "
                "SELECT key, value FROM old.sync_state WHERE key = 'feed_cursor'"
            )
            moved = conn.execute("SELECT count(*) FROM old.registrations").fetchone()[0]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("moved %d registrations of revision 0001 into the feed file %s", moved, feed)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------- migrations


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """Alembic's config for the packaged migrations; commands run on `connection` when given."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at; None for a database no migration has touched."""
    return MigrationContext.configure(conn).get_current_revision()


def _has_tables(conn: Connection) -> bool:
    return bool(inspect(conn).get_table_names())


def _backup_sqlite(source: Path, backup_dir: Path, revision: str | None) -> Path:
    """Copy a live SQLite database with the backup API (consistent even in WAL mode).

    StoreError when the copy cannot be made (no partial file is left); the caller then migrates nothing.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{source.stem}-{stamp}-rev-{revision or 'none'}"
    target = backup_dir / f"{base}.db"
    try:
        private_dir(backup_dir)
        counter = 1
        while target.exists():
            counter += 1
            target = backup_dir / f"{base}-{counter}.db"
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(private_file(target))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except (OSError, sqlite3.Error) as err:
        with suppress(OSError):
            target.unlink(missing_ok=True)
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise StoreError(
            f"cannot back up {source} to {backup_dir} before migrating ({reason}); nothing was changed: "
            "free some space or fix the directory's permissions"
        ) from err
    return target


def upgrade(engine: Engine, *, backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to head; back up an existing SQLite file first. Returns the backup path.

    SQLite: the backup goes to `backup_dir` (default: `<data dir>/backups`), named after the
    file, the time (UTC) and the revision it had. PostgreSQL: no copy is made here; a pg_dump
    before upgrading the software is the database administrator's job, and the log says so.
    The check and the migration run in one write transaction, so two stations starting at
    once migrate once.
    """
    head = head_revision()
    path = sqlite_path(engine)
    try:
        with engine.connect() as conn:
            if path is not None:
                # Batch migrations re-create tables; with foreign keys on, dropping the old table would
                # cascade-delete rows that point at it. The pragma only takes effect outside a transaction.
                _raw_execute(conn, "PRAGMA foreign_keys = OFF")
            try:
                with _begin_write(conn):
                    if path is None:
                        # PostgreSQL: stations starting at once wait here, and the later ones find head.
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                    current = current_revision(conn)
                    if current == head:
                        return None
                    _check_known(current)
                    backup: Path | None = None
                    if path is not None and _has_tables(conn):
                        backup = _backup_sqlite(path, backup_dir or paths.data_dir() / "backups", current)
                        log.info("database %s backed up to %s before migrating from %s", path, backup, current)
                        if current == "0001":
                            _move_feed_out_of_station_file(path, feed_path(path))
                    elif path is None and current is not None:
                        log.warning(
                            "migrating PostgreSQL database from %s to %s without a copy: "
                            "take a pg_dump before upgrading the station software",
                            current,
                            head,
                        )
                    command.upgrade(alembic_config(conn), "head")
                    if path is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"migration left {len(broken)} rows with broken references: {broken[:5]}")
                    log.info("database migrated from %s to %s", current, head)
                    return backup
            finally:
                if path is not None:
                    _raw_execute(conn, "PRAGMA foreign_keys = ON")
    except exc.OperationalError as err:
        raise StoreError(f"cannot open or migrate the database {_redacted(engine)}: {err.orig}") from err
    except exc.DatabaseError as err:
        raise StoreError(f"{_redacted(engine)} is not a usable database: {err.orig}") from err


def _raw_execute(conn: Connection, sql: str) -> None:
    """Run a statement on the DBAPI connection, outside SQLAlchemy's transaction (autocommit)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {rev.revision for rev in script.walk_revisions()}:
        raise StoreError(
            f"the database is at revision {revision}, which this version of scanstation does not know: "
            "it was written by a newer version; install that version or restore a backup"
        )


def _redacted(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def open_store(url: str, *, migrate: bool = True) -> Engine:
    """The Engine every entry point uses: created, and migrated to head unless migrate=False.

    With migrate=False a database behind head raises StoreError naming `scanstation db upgrade`.
    """
    engine = create_engine_for(url)
    try:
        if migrate:
            upgrade(engine)
        else:
            try:
                with engine.connect() as conn:
                    current = current_revision(conn)
            except exc.DBAPIError as err:
                raise StoreError(f"cannot open the database {_redacted(engine)}: {err.orig}") from err
            if current != head_revision():
                raise StoreError(
                    f"the database is at revision {current or 'none (empty)'}, not {head_revision()}: "
                    "run `scanstation db upgrade`"
                )
    except BaseException:
        close_store(engine)
        raise
    return engine
