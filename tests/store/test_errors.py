"""store.errors sorts real database failures: a locked file, a read-only one, a full disk, a lost server."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from scanstation.store.connection import Store, create_store, open_store
from scanstation.store.engine import write_transaction
from scanstation.store.errors import KnownError, Trouble, known_error
from scanstation.store.models import SyncState
from scanstation.store.prepared import Prepared
from scanstation.sync.loop import DATABASE_BUSY, DISK_FULL, local_failure_words
from tests.diskfull import fill, free, small_filesystem


def _insert(store: Store) -> Prepared:
    """A write through store.prepared, the path every scan takes (driver errors wrapped there)."""
    return Prepared(insert(SyncState), store.dialect, column_keys=["key", "value"])


def _caught(store: Store, key: str = "probe") -> BaseException:
    with pytest.raises(DBAPIError) as caught, write_transaction(store) as conn:
        _insert(store).execute(conn, {"key": key, "value": "1"})
    return caught.value


def test_a_file_another_connection_holds_is_busy(sqlite_engine: Store, sqlite_url: str) -> None:
    impatient = create_store(sqlite_url, busy_timeout_ms=0)
    try:
        with write_transaction(sqlite_engine):  # the write lock, held as another program would
            err = _caught(impatient)
    finally:
        impatient.close()
    assert isinstance(err, OperationalError)
    known = known_error(err)
    assert known is not None and known.trouble is Trouble.BUSY
    assert local_failure_words("pushing", err) == DATABASE_BUSY


def test_a_file_opened_read_only_cannot_be_written(sqlite_engine: Store) -> None:
    path = sqlite_engine.station_file
    assert path is not None
    # Root ignores file modes, so the file is opened read-only the way SQLite itself offers.
    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(DBAPIError) as caught, read_only.begin() as conn:
            _insert(sqlite_engine).execute(conn, {"key": "probe", "value": "1"})
    finally:
        read_only.dispose()
    known = known_error(caught.value)
    assert known == KnownError(Trouble.READ_ONLY, known.detail if known else "")
    assert known is not None and known.words.startswith("the database cannot be written")
    assert "administrator" in local_failure_words("pushing", caught.value)


@pytest.fixture
def full_store() -> Iterator[tuple[Store, Path]]:
    with small_filesystem() as disk:
        store = open_store(f"sqlite:///{disk / 'station.db'}")
        try:
            yield store, disk
        finally:
            store.close()
            free(disk)


def test_a_full_disk_is_told_as_such(full_store: tuple[Store, Path]) -> None:
    store, disk = full_store
    fill(disk)
    big = "x" * 1_000_000  # more than SQLite's cache holds back: the write reaches the disk
    rows = [{"key": f"k{n}", "value": big} for n in range(8)]
    with pytest.raises(DBAPIError) as caught, write_transaction(store) as conn:
        _insert(store).execute_many(conn, rows)
    known = known_error(caught.value)
    assert known is not None and known.trouble is Trouble.DISK_FULL
    assert local_failure_words("pushing", caught.value) == DISK_FULL


def test_a_lost_server_connection_is_the_environments(pg_engine: Store) -> None:
    with pg_engine.connect() as victim, pg_engine.connect() as admin:
        pid = victim.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        admin.commit()
        with pytest.raises(DBAPIError) as caught:
            victim.exec_driver_sql("SELECT 1")
    known = known_error(caught.value)
    assert known is not None and known.trouble is Trouble.CONNECTION_LOST


def test_bugs_are_not_the_environments(sqlite_engine: Store) -> None:
    with pytest.raises(OperationalError) as schema, sqlite_engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    twice = [{"key": "twice", "value": "1"}] * 2
    with pytest.raises(IntegrityError) as duplicate, write_transaction(sqlite_engine) as conn:
        _insert(sqlite_engine).execute_many(conn, twice)
    for err in (schema.value, duplicate.value, ValueError("bad"), KeyError("server_time")):
        assert known_error(err) is None, err


def test_raw_driver_errors_are_sorted_too() -> None:
    """What a driver raises past SQLAlchemy (a raw sqlite3 call) is sorted by the same rules."""
    assert known_error(sqlite3.OperationalError("database is locked")) == KnownError(Trouble.BUSY, "database is locked")
    assert known_error(sqlite3.OperationalError("disk I/O error")) == KnownError(Trouble.REFUSED, "disk I/O error")
    assert known_error(sqlite3.OperationalError("no such table: x")) is None
