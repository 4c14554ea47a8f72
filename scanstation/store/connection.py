"""The Store: the station's database and its feed, opened (and migrated) once and passed everywhere."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url

from scanstation import paths
from scanstation.private import private_dir, private_file, tighten
from scanstation.store.engine import BUSY_TIMEOUT_MS, create_postgres_engine, create_sqlite_engine, redacted
from scanstation.store.errors import StoreError
from scanstation.store.feedfile import FILL_LOCK_SUFFIX, feed_path, open_feed_file
from scanstation.store.migrate import current_revision, head_revision, upgrade

__all__ = ["Store", "close_store", "create_store", "open_store"]


@dataclass(frozen=True, eq=False)
class Store:
    """The station's database: its engine, the engine that writes the feed, and the files behind them.

    SQLite: `feed` is the feed file's own engine. The station's connections see the feed too (attached
    read-only as `feed`, so unqualified table names find it), but only `feed` writes it, and a feed page
    being written never holds a lock a scan needs. PostgreSQL: `feed` is `engine` (one database, row
    locks) and the paths are None.
    """

    engine: Engine
    feed: Engine
    station_file: Path | None = None
    feed_file: Path | None = None
    backup_dir: Path | None = None  # where a SQLite file is copied before it is migrated

    @property
    def dialect(self) -> Dialect:
        """The dialect of both engines."""
        return self.engine.dialect

    @property
    def url(self) -> URL:
        """The station database's URL."""
        return self.engine.url

    def connect(self) -> Connection:
        """A connection to the station's database (on SQLite it sees the feed file read-only)."""
        return self.engine.connect()

    def begin(self) -> AbstractContextManager[Connection]:
        """A read transaction on the station's database; writes go through write_transaction."""
        return self.engine.begin()

    def close(self) -> None:
        """Close every pooled connection of both engines."""
        self.engine.dispose()
        if self.feed is not self.engine:
            self.feed.dispose()


def close_store(store: Store) -> None:
    """Close every pooled connection of the store's engines (Store.close)."""
    store.close()


def create_store(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, echo: bool = False) -> Store:
    """A Store with the station's settings; migrates nothing (see open_store).

    SQLite: the feed file beside the station's (feed_path) is created with its tables when missing and
    attached read-only to every station connection; the backup directory is `<data dir>/backups`.
    PostgreSQL (postgresql+psycopg://): one engine for both.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        engine = create_postgres_engine(parsed, echo=echo)
        return Store(engine=engine, feed=engine)
    if backend != "sqlite":
        raise StoreError(f"{parsed.drivername!r} is neither SQLite nor PostgreSQL")
    if parsed.database in (None, "", ":memory:"):
        raise StoreError("an in-memory SQLite database keeps nothing: give the station a file (sqlite:///path)")
    path = Path(parsed.database)
    feed_file = feed_path(path)
    try:
        private_dir(path.parent)
    except OSError as err:
        raise StoreError(f"cannot create the database directory {path.parent}: {err.strerror}") from None
    try:
        for db_file in (path, feed_file):
            # Owner-only before SQLite first opens them: their -wal and -shm files take the same mode.
            private_file(db_file)
            for side in ("-wal", "-shm", FILL_LOCK_SUFFIX):
                tighten(db_file.with_name(db_file.name + side))
    except OSError as err:
        raise StoreError(f"cannot create the database files in {path.parent}: {err.strerror}") from None
    feed = open_feed_file(feed_file, busy_timeout_ms=busy_timeout_ms, echo=echo)
    engine = create_sqlite_engine(parsed, busy_timeout_ms=busy_timeout_ms, echo=echo, attach_feed=feed_file)
    return Store(
        engine=engine,
        feed=feed,
        station_file=path,
        feed_file=feed_file,
        backup_dir=paths.data_dir() / "backups",
    )


def open_store(url: str, *, migrate: bool = True) -> Store:
    """The Store every entry point uses: created, and migrated to head unless migrate=False.

    With migrate=False a database behind head raises StoreError naming `scanstation db upgrade`.
    """
    store = create_store(url)
    try:
        if migrate:
            upgrade(store)
        else:
            try:
                with store.connect() as conn:
                    current = current_revision(conn)
            except exc.DBAPIError as err:
                raise StoreError(f"cannot open the database {redacted(store.engine)}: {err.orig}") from err
            if current != head_revision():
                raise StoreError(
                    f"the database is at revision {current or 'none (empty)'}, not {head_revision()}: "
                    "run `scanstation db upgrade`"
                )
    except BaseException:
        store.close()
        raise
    return store
