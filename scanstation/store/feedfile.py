"""The feed's own SQLite file: its engine, its fill without disk flushes, and emptying a file it cannot trust."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, cast

from sqlalchemy import Index, Table, delete, exc, inspect, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.schema import CreateIndex, DropIndex

from scanstation.store.engine import create_sqlite_engine, raw_execute, redacted, sqlite_path, write_transaction
from scanstation.store.errors import StoreError
from scanstation.store.models import FeedBase, FeedState, Registration, RegistrationKey
from scanstation.store.registrations import (
    ORDER_TERM,
    STORE_TERM,
    SUITE_TERM,
    code_term_sql,
    name_term_rows,
    store_term_sql,
)
from scanstation.store.state import get_state, set_state

__all__ = [
    "FEED_FILLING_KEY",
    "FEED_SCHEMA_KEY",
    "FEED_SCHEMA_VERSION",
    "FILL_LOCK_SUFFIX",
    "SEARCH_PENDING_KEY",
    "FillState",
    "build_search_index",
    "feed_fill",
    "feed_path",
    "open_feed_file",
    "search_index_ready",
]

log = logging.getLogger(__name__)

# Layout of the SQLite feed file (FeedBase). The file is a copy of the server's feed: when this changes,
# an old file is emptied and the feed pulled again from the beginning rather than migrated.
FEED_SCHEMA_VERSION: Final = "2"  # 2: keys reversed, customers' name words, searching's indexes
FEED_SCHEMA_KEY: Final = "schema"
SEARCH_PENDING_KEY: Final = "search_pending"  # since when searching's index waits for build_search_index
FEED_FILLING_KEY: Final = "filling"  # in feed_state while a fill without disk flushes runs (see feed_fill)
FILL_LOCK_SUFFIX: Final = "-fill.lock"
# SQLite settings of the feed file's own connections (the only ones that write it).
_FEED_PRAGMAS: Final = (
    # The feed can always be pulled again and its cursor commits with its rows, so a power cut loses at
    # most pages that are then read again: no disk flush per page.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -65536",  # 64 MiB: the key indexes of a million registrations stay in memory
)


def feed_path(station_db: Path) -> Path:
    """The SQLite file holding the feed beside the station's database: station.db -> station-feed.db."""
    return station_db.with_name(f"{station_db.stem}-feed{station_db.suffix}")


def open_feed_file(feed_file: Path, *, busy_timeout_ms: int, echo: bool = False) -> Engine:
    """The engine that writes the feed file, its tables made (or the file emptied) first; see _prepare."""
    feed = create_sqlite_engine(
        make_url(f"sqlite:///{feed_file}"),
        busy_timeout_ms=busy_timeout_ms,
        echo=echo,
        synchronous="NORMAL",
        pragmas=_FEED_PRAGMAS,
    )
    try:
        _prepare(feed, feed_file)
    except BaseException:
        feed.dispose()
        raise
    return feed


def _trouble(conn: Connection, feed_file: Path) -> tuple[bool, str | None]:
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


def _prepare(feed: Engine, feed_file: Path) -> None:
    """Create the feed file's tables when missing; empty a file it cannot trust (it is pulled again).

    Read first, so that opening a store while its fill holds the write lock waits for nothing.
    """
    try:
        with feed.connect() as conn:
            needed, _ = _trouble(conn, feed_file)
        if not needed:
            return
        with write_transaction(feed) as conn:
            needed, why = _trouble(conn, feed_file)
            if not needed:
                return
            if why is not None:
                log.warning(
                    "the feed file %s: %s; emptying it, the feed is read again from the server", redacted(feed), why
                )
                FeedBase.metadata.drop_all(conn)
            FeedBase.metadata.create_all(conn)
            set_state(conn, FEED_SCHEMA_KEY, FEED_SCHEMA_VERSION, FeedState)
    except exc.OperationalError as err:
        raise StoreError(f"cannot open or create the feed database {redacted(feed)}: {err.orig}") from err
    except exc.DatabaseError as err:
        raise StoreError(
            f"{redacted(feed)} is not a usable feed database ({err.orig}): delete it and the feed is pulled again"
        ) from err


@contextmanager
def _fill_lock(feed_file: Path, *, wait: bool) -> Iterator[bool]:
    """An OS lock on `<feed>-fill.lock`, held by the process filling the feed; yields whether it was taken.

    The operating system lets go of it when that process dies, so a fill marker without a holder was
    cut off, and a marker with one belongs to a fill still running.
    """
    lock_file = feed_file.with_name(f"{feed_file.name}{FILL_LOCK_SUFFIX}")
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


# What a first fill leaves for build_search_index instead of writing it row by row with every page
# (searching needs it, a scan does not): the reversed-key index, built sorted in a fraction of the time its
# random-order inserts took, and customer_terms.
DEFERRED_INDEXES: Final = ("ix_registration_keys_rkey",)
_TERMS_BATCH: Final = 20_000  # customers read at a time while building customer_terms (memory stays flat)
# customer_terms of suites, order numbers and stores from every registration, as registrations.customer_terms
# makes them (the same normalisation in SQLite's SQL: code_term_sql, store_term_sql).
_CODE_TERMS_SQL: Final = f"""
INSERT INTO customer_terms (term, customer_id)
SELECT DISTINCT term, customer_id FROM (
    SELECT '{SUITE_TERM}' || {code_term_sql("customer_suite")} AS term, customer_id FROM registrations
    UNION ALL SELECT '{ORDER_TERM}' || {code_term_sql("order_number")}, customer_id FROM registrations
    UNION ALL SELECT '{STORE_TERM}' || {store_term_sql("store")}, customer_id FROM registrations
) WHERE length(term) > 2
ORDER BY term, customer_id
ON CONFLICT DO NOTHING
"""


def _deferred_indexes() -> list[Index]:
    found = {
        str(index.name): index
        for table in (Registration.__table__, RegistrationKey.__table__)
        for index in cast(Table, table).indexes
    }
    return [found[name] for name in DEFERRED_INDEXES]


@dataclass
class FillState:
    """Whether a fill deferred searching's index (see build_search_index)."""

    deferred: bool = False


def _defer_indexes(conn: Connection) -> bool:
    """On an empty feed (a first fill): drop the deferred indexes and mark searching's index as to be built."""
    with write_transaction(conn):
        if conn.execute(select(Registration.id).limit(1)).first() is not None:
            return False
        for index in _deferred_indexes():
            conn.execute(DropIndex(index, if_exists=True))
        set_state(conn, SEARCH_PENDING_KEY, datetime.now(UTC).isoformat(timespec="seconds"), FeedState)
        return True


def search_index_ready(conn: Connection) -> bool:
    """Whether searching's index (reversed keys, customer_terms) is complete; not while a first fill's is pending."""
    return get_state(conn, SEARCH_PENDING_KEY, FeedState) is None


def build_search_index(feed: Engine) -> float | None:
    """Build what a first fill deferred, if it did: the reversed-key index and every customer's terms.

    Run after the pull, off the scan path (scans read the feed and never wait for its writer). Seconds
    taken, or None when nothing was pending. A crash before the end leaves it pending: built next time.
    """
    started = time.perf_counter()
    with write_transaction(feed) as conn:
        if search_index_ready(conn):
            return None
        for index in _deferred_indexes():
            conn.execute(CreateIndex(index, if_not_exists=True))
        # Suites, order numbers and stores in SQL, sorted by SQLite (C) and inserted in the index's order;
        # name words need Python's Unicode lower case: once per distinct customer and name.
        conn.exec_driver_sql(_CODE_TERMS_SQL)
        pairs = conn.exec_driver_sql(
            "SELECT customer_id, customer_name FROM registrations GROUP BY customer_id, customer_name"
        )
        while batch := pairs.fetchmany(_TERMS_BATCH):
            rows = name_term_rows(batch)
            if rows:
                conn.exec_driver_sql(
                    "INSERT INTO customer_terms (term, customer_id) VALUES (?, ?) ON CONFLICT DO NOTHING", rows
                )
        conn.execute(delete(FeedState).where(FeedState.key == SEARCH_PENDING_KEY))
    took = time.perf_counter() - started
    log.info("the feed's search index built in %.1f s", took)
    return took


@contextmanager
def feed_fill(conn: Connection) -> Iterator[FillState]:
    """Write a feed read from its beginning without flushing the disk until the end (SQLite).

    A million-row first pull writes gigabytes through the page cache; flushing each batch made every
    scan's own commit wait behind that flush (p99 ~110 ms in `bench sync`). During the fill the feed
    connection runs synchronous=OFF, under a marker in feed_state: at the end (or when the pull stops
    or fails, the process still alive) a FULL checkpoint makes the file durable and the marker goes.
    The filling process holds an OS lock (_fill_lock) meanwhile. A feed file opened with the marker still
    there and nobody holding the lock was cut off by a crash or a power cut mid-fill and may be damaged:
    it is emptied and read again (_prepare). `conn` (on Store.feed) must not be in a transaction.

    A fill of an empty feed writes no customer_terms and none of DEFERRED_INDEXES with its pages:
    build_search_index makes them after the pull (the state key SEARCH_PENDING_KEY says it is due).
    """
    feed_file = sqlite_path(conn.engine)
    if feed_file is None:
        yield FillState()  # PostgreSQL: every index and word is written with its page
        return
    with _fill_lock(feed_file, wait=True):
        with write_transaction(conn):
            set_state(conn, FEED_FILLING_KEY, datetime.now(UTC).isoformat(timespec="seconds"), FeedState)
        raw_execute(conn, "PRAGMA wal_checkpoint(FULL)")  # the marker is on disk before anything unflushed
        raw_execute(conn, "PRAGMA synchronous = OFF")
        state = FillState(deferred=_defer_indexes(conn))
        try:
            yield state
        finally:
            raw_execute(conn, "PRAGMA synchronous = NORMAL")
            # NORMAL: the WAL is flushed before the checkpoint and the database file after it.
            raw_execute(conn, "PRAGMA wal_checkpoint(FULL)")
            with write_transaction(conn):
                conn.execute(delete(FeedState).where(FeedState.key == FEED_FILLING_KEY))
