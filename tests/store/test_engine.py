"""SQLite pragmas, real BEGIN, write transactions and busy waiting; the PostgreSQL pool."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from scanstation.store.connection import Store, create_store, open_store
from scanstation.store.engine import BUSY_TIMEOUT_MS, write_transaction
from scanstation.store.errors import StoreError
from scanstation.store.feedfile import feed_path
from tests.dbfixtures import PG_ADMIN_DSN


def _pragmas(engine: Store) -> tuple[str, int, int, int]:
    with engine.connect() as conn:
        return (
            conn.exec_driver_sql("PRAGMA journal_mode").scalar_one(),
            conn.exec_driver_sql("PRAGMA synchronous").scalar_one(),
            conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one(),
            conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one(),
        )


def test_sqlite_pragmas_on_every_connection(sqlite_engine: Store) -> None:
    assert _pragmas(sqlite_engine) == ("wal", 2, 1, BUSY_TIMEOUT_MS)
    # A second connection open at the same time is a new DBAPI connection: it must be set up too.
    with sqlite_engine.connect() as first, sqlite_engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_wal_mode_is_in_the_file(sqlite_engine: Store) -> None:
    path = sqlite_engine.station_file
    assert path is not None
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        plain.close()


@pytest.mark.parametrize("file", ["station", "feed"])
def test_foreign_keys_are_enforced(sqlite_engine: Store, file: str) -> None:
    bind, row = (
        (sqlite_engine, "unknown_keys (key, unknown_id) VALUES ('K1', 'no-such')")
        if file == "station"
        else (sqlite_engine.feed, "registration_keys (key, registration_id, rkey) VALUES ('K1', 'no-such', '1K')")
    )
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), bind.begin() as conn:
        conn.execute(text(f"INSERT INTO {row}"))


def test_the_station_reads_the_feed_file_but_cannot_write_it(sqlite_engine: Store, tmp_path: Path) -> None:
    """Scans' connections see the feed (attached read-only), and BEGIN IMMEDIATE never waits on its writer."""
    path = sqlite_engine.station_file
    assert path is not None and feed_path(path).exists()
    feed = sqlite_engine.feed
    assert feed is not sqlite_engine.engine
    with write_transaction(feed) as writer:
        writer.execute(text("INSERT INTO feed_state (key, value) VALUES ('probe', '1')"))
        # The feed's write lock is held here: a station write transaction still starts and commits.
        with write_transaction(sqlite_engine) as conn:
            conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('scan', '1')"))
            assert conn.execute(text("SELECT value FROM feed_state WHERE key = 'probe'")).first() is None
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM feed_state WHERE key = 'probe'")).scalar_one() == "1"
    with pytest.raises(OperationalError, match="readonly"), write_transaction(sqlite_engine) as conn:
        conn.execute(text("INSERT INTO feed_state (key, value) VALUES ('nope', '1')"))


def test_parent_directory_is_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'station.db'}"
    engine = open_store(url)
    try:
        assert (tmp_path / "a" / "b" / "station.db").is_file()
    finally:
        engine.close()


def test_unwritable_directory_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the database directory"):
        create_store(f"sqlite:///{blocker / 'sub' / 'station.db'}")


def test_other_backends_are_refused() -> None:
    with pytest.raises(StoreError, match="neither SQLite nor PostgreSQL"):
        create_store("mysql://localhost/x")
    with pytest.raises(StoreError, match="postgresql\\+psycopg"):
        create_store("postgresql+pg8000://localhost/x")


def test_select_begins_a_real_transaction(sqlite_engine: Store) -> None:
    """pysqlite alone would not BEGIN before a SELECT, so a concurrent commit would show up mid-transaction."""
    with sqlite_engine.begin() as writer:
        writer.execute(text("INSERT INTO sync_state (key, value) VALUES ('a', '1')"))
    with sqlite_engine.connect() as reader:
        with reader.begin():
            before = reader.execute(text("SELECT count(*) FROM sync_state")).scalar_one()
            with sqlite_engine.begin() as writer:
                writer.execute(text("INSERT INTO sync_state (key, value) VALUES ('b', '2')"))
            after = reader.execute(text("SELECT count(*) FROM sync_state")).scalar_one()
        assert (before, after) == (1, 1)
        assert reader.execute(text("SELECT count(*) FROM sync_state")).scalar_one() == 2


def _then_fail(transaction: AbstractContextManager[Connection], sql: str) -> None:
    with transaction as conn:
        conn.execute(text(sql))
        raise RuntimeError("roll back")


def test_ddl_is_transactional(sqlite_engine: Store) -> None:
    with pytest.raises(RuntimeError):
        _then_fail(sqlite_engine.begin(), "CREATE TABLE scratch (x INTEGER)")
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'")).scalar_one() == 0


def _other_writer_refused(path: Path) -> bool:
    """Whether another connection, not willing to wait, is refused the write lock right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as err:
        if "locked" not in str(err):
            raise
        return True
    finally:
        other.close()


def test_write_transaction_takes_the_write_lock_at_begin(sqlite_engine: Store) -> None:
    path = sqlite_engine.station_file
    assert path is not None
    with sqlite_engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        assert not _other_writer_refused(path)  # a plain (deferred) transaction takes no lock to read
    with write_transaction(sqlite_engine) as conn:
        conn.execute(text("SELECT 1"))
        assert _other_writer_refused(path)
        with sqlite_engine.connect() as reader:  # a read begun inside the write block stays deferred
            reader.execute(text("SELECT 1"))
    with sqlite_engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        assert not _other_writer_refused(path)
    assert not _other_writer_refused(path)


def test_write_transaction_commits_and_rolls_back(engine: Store) -> None:
    with write_transaction(engine) as conn:
        conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('kept', '1')"))
    with pytest.raises(RuntimeError):
        _then_fail(write_transaction(engine), "INSERT INTO sync_state (key, value) VALUES ('lost', '1')")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT key FROM sync_state")).scalars().all() == ["kept"]


def test_write_transaction_on_a_held_connection(engine: Store) -> None:
    with engine.connect() as held:
        for value in ("1", "2"):
            with write_transaction(held) as conn:
                assert conn is held
                conn.execute(text("INSERT INTO sync_state (key, value) VALUES (:k, :v)"), {"k": value, "v": value})
        with pytest.raises(RuntimeError):
            _then_fail(write_transaction(held), "INSERT INTO sync_state (key, value) VALUES ('3', '3')")
        assert not held.in_transaction()
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT key FROM sync_state")).scalars()) == ["1", "2"]


def test_held_connection_takes_the_write_lock_at_begin(sqlite_engine: Store) -> None:
    path = sqlite_engine.station_file
    assert path is not None
    with sqlite_engine.connect() as held:
        with write_transaction(held):
            assert _other_writer_refused(path)
        assert not _other_writer_refused(path)


def _hold_lock_then_write(engine: Store, *, deferred: bool = False) -> tuple[float, BaseException | None]:
    """Writer A writes and holds its transaction open while writer B (reads, then writes) starts.

    Returns how long B took and what it raised. A holds on for a fixed 0.4 s after B has started:
    that hold is the situation under test, not a wait for a result.
    """
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('n', '0')"))
    b_started = threading.Event()
    outcome: list[BaseException | None] = []
    elapsed: list[float] = []

    def writer_b() -> None:
        b_started.set()
        start = time.monotonic()
        try:
            with engine.begin() if deferred else write_transaction(engine) as conn:
                value = conn.execute(text("SELECT value FROM sync_state WHERE key = 'n'")).scalar_one()
                conn.execute(text("UPDATE sync_state SET value = :v WHERE key = 'n'"), {"v": str(int(value) + 1)})
            outcome.append(None)
        except BaseException as err:  # handed back to the test thread
            outcome.append(err)
        elapsed.append(time.monotonic() - start)

    thread = threading.Thread(target=writer_b)
    with write_transaction(engine) as conn:
        conn.execute(text("UPDATE sync_state SET value = '1' WHERE key = 'n'"))
        thread.start()
        assert b_started.wait(5)
        time.sleep(0.4)
    thread.join(10)
    assert not thread.is_alive()
    return elapsed[0], outcome[0]


def test_second_writer_waits_for_the_first(sqlite_engine: Store) -> None:
    elapsed, error = _hold_lock_then_write(sqlite_engine)
    assert error is None
    assert elapsed >= 0.3  # it waited for A's commit (busy timeout) instead of failing
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM sync_state WHERE key = 'n'")).scalar_one() == "2"


def test_without_busy_timeout_the_second_writer_fails(tmp_path: Path) -> None:
    """The control for the test above: the same race with no busy timeout is refused at once."""
    open_store(f"sqlite:///{tmp_path / 'x.db'}").close()
    impatient = create_store(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_ms=0)
    try:
        _elapsed, error = _hold_lock_then_write(impatient)
    finally:
        impatient.close()
    assert isinstance(error, OperationalError)
    assert "locked" in str(error)


def test_deferred_writer_that_read_first_is_refused(sqlite_engine: Store) -> None:
    """Why writes need write_transaction: a plain transaction that read before A committed cannot
    upgrade to a writer afterwards (its snapshot is stale), however long the busy timeout."""
    _elapsed, error = _hold_lock_then_write(sqlite_engine, deferred=True)
    assert isinstance(error, OperationalError)
    assert "locked" in str(error)


def test_postgres_pool_survives_a_dropped_connection(pg_engine: Store) -> None:
    """pool_pre_ping: a pooled connection the server killed is replaced, not handed to a scan."""
    with pg_engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
