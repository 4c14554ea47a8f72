"""Migrations agree with models.py, run on both backends, and back up an existing SQLite file first."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from scanstation.domain import Scan
from scanstation.receiving import Receiver, parcel_status
from scanstation.store.connection import Store, close_store, create_store, open_store
from scanstation.store.engine import Connectable, write_transaction
from scanstation.store.errors import StoreError
from scanstation.store.feedfile import FEED_FILLING_KEY, FEED_SCHEMA_KEY, FEED_SCHEMA_VERSION, feed_fill, feed_path
from scanstation.store.migrate import alembic_config, current_revision, head_revision, upgrade
from scanstation.store.models import Base, FeedBase, FeedState, Receipt, Registration, RegistrationKey
from scanstation.store.state import get_state, set_state


def _diff(engine: Connectable, metadata: MetaData) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata))


def test_models_and_migrations_agree(engine: Store) -> None:
    if engine.feed is engine.engine:  # PostgreSQL: one database holds both
        both = MetaData()
        for table in (*Base.metadata.tables.values(), *FeedBase.metadata.tables.values()):
            table.to_metadata(both)
        assert _diff(engine, both) == []
    else:  # SQLite: the station's file, and the feed's own file (created by store.engine, not Alembic)
        assert _diff(engine, Base.metadata) == []
        assert _diff(engine.feed, FeedBase.metadata) == []


def test_every_model_table_exists_at_head(engine: Store) -> None:
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())
    with engine.feed.connect() as conn:
        assert set(FeedBase.metadata.tables) <= set(inspect(conn).get_table_names())


def test_upgrade_from_0001_keeps_the_feed_its_cursor_and_the_receipts(db_url: str, tmp_path: Path) -> None:
    """0001 kept receipts in the feed's rows (and, on SQLite, the feed in the station's file)."""
    engine = create_store(db_url)
    try:
        with write_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), "0001")
        with write_transaction(engine) as conn:
            columns = (
                "id, tracking_typed, tracking_number, order_number, store, customer_id, customer_suite, "
                "customer_name, services, status, deleted, updated_at"
            )
            conn.execute(
                text(
                    f"INSERT INTO registrations ({columns}, received_at, received_by, received_station, "
                    "received_scan_id) VALUES "
                    "('p_1', '1Z999AA10123456784', '1Z999AA10123456784', 'o1', 'amazon.com', 'c1', 'UN-1', "
                    "'Anna', '', 'at_warehouse', false, '2026-11-01 10:00:00', '2026-11-02 10:00:00', 'anna', "
                    "'st-1', 'scan-1'), "
                    "('p_2', '9400 1118 9922 3333 4444 55', '9400111899223333444455', 'o2', 'ebay.com', 'c2', "
                    "'UN-2', 'Boris', 'photo', 'awaiting', false, '2026-11-01 10:00:00', NULL, NULL, NULL, NULL)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO registration_keys (key, registration_id) VALUES "
                    "('1Z999AA10123456784', 'p_1'), ('9400111899223333444455', 'p_2')"
                )
            )
            conn.execute(text("INSERT INTO sync_state (key, value) VALUES ('feed_cursor', 'c:42'), ('x', 'kept')"))
        upgrade(engine, backup_dir=tmp_path / "backups")
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            assert parcel_status(conn, "p_1") == "at_warehouse"
            assert parcel_status(conn, "p_2") == "awaiting"
            receipt = conn.execute(select(Receipt.__table__)).one()
            assert (receipt.registration_id, receipt.scan_id, receipt.received_by) == ("p_1", "scan-1", "anna")
            assert get_state(conn, "x") == "kept"
            assert get_state(conn, "feed_cursor") is None
        with engine.feed.connect() as conn:
            assert get_state(conn, "feed_cursor", FeedState) == "c:42"
            keys = conn.execute(select(RegistrationKey.key, RegistrationKey.registration_id)).all()
            assert sorted(keys) == [("1Z999AA10123456784", "p_1"), ("9400111899223333444455", "p_2")]
        if engine.feed is not engine.engine:
            with engine.connect() as conn:
                assert "registrations" not in inspect(conn).get_table_names()  # main: only the station's own
    finally:
        engine.close()


def _feed_rows(engine: Store) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Registration)).scalar_one())


def test_a_deleted_feed_file_is_made_again_and_the_receipts_stay(sqlite_url: str) -> None:
    from tests.dbfixtures import registrar

    engine = open_store(sqlite_url)
    register = registrar(engine)
    reg = register("1Z999AA10123456784")
    Receiver(engine, station_id="st").receive(Scan("1Z999AA10123456784", "dock"), "anna")
    path = engine.station_file
    assert path is not None
    engine.feed.dispose()
    engine.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{feed_path(path)}{suffix}").unlink(missing_ok=True)
    engine = open_store(sqlite_url)
    try:
        assert _feed_rows(engine) == 0  # pulled again from the beginning: no cursor either
        with engine.feed.connect() as conn:
            assert get_state(conn, "feed_cursor", FeedState) is None
        with engine.connect() as conn:
            assert conn.execute(select(Receipt.registration_id)).scalar_one() == reg.id
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("key", "value", "after", "why"),
    [
        # A fill runs without disk flushes: its marker left behind (by a power cut) means the file may be damaged.
        (
            FEED_FILLING_KEY,
            "2026-11-27T10:00:00+00:00",
            None,
            "a fill started 2026-11-27T10:00:00+00:00 was cut off by a crash or a power cut",
        ),
        (FEED_SCHEMA_KEY, "1", FEED_SCHEMA_VERSION, f"it has layout 1, not {FEED_SCHEMA_VERSION}"),
    ],
    ids=["fill-cut-off", "other-layout"],
)
def test_a_feed_file_that_cannot_be_trusted_is_emptied(
    sqlite_url: str, caplog: pytest.LogCaptureFixture, key: str, value: str, after: str | None, why: str
) -> None:
    from tests.dbfixtures import registrar

    engine = open_store(sqlite_url)
    registrar(engine)("1Z999AA10123456784")
    with write_transaction(engine.feed) as conn:
        set_state(conn, key, value, FeedState)
    close_store(engine)
    engine = open_store(sqlite_url)
    try:
        assert _feed_rows(engine) == 0
        with engine.connect() as conn:
            assert get_state(conn, key, FeedState) == after
        assert f"{why}; emptying it, the feed is read again" in caplog.text
    finally:
        close_store(engine)


def test_opening_the_store_while_a_fill_runs_leaves_the_fill_alone(sqlite_url: str) -> None:
    """The marker of a fill still running (its process holds the fill lock) is not a crash's leftover."""
    from tests.dbfixtures import registrar

    engine = open_store(sqlite_url)
    registrar(engine)("1Z999AA10123456784")
    try:
        with engine.feed.connect() as conn, feed_fill(conn):
            other = open_store(sqlite_url)  # as `scanstation db status` would, beside the running station
            try:
                assert _feed_rows(other) == 1
                with other.feed.connect() as check:
                    assert get_state(check, FEED_FILLING_KEY, FeedState) is not None
            finally:
                close_store(other)
    finally:
        close_store(engine)


def test_a_finished_fill_leaves_no_marker_and_survives_reopening(sqlite_url: str) -> None:
    from tests.dbfixtures import registrar

    engine = open_store(sqlite_url)
    feed = engine.feed

    def marker() -> str | None:
        with feed.connect() as other:
            return get_state(other, FEED_FILLING_KEY, FeedState)

    with feed.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with feed_fill(conn):
            assert marker() is not None
            assert raw.execute("PRAGMA synchronous").fetchone() == (0,)  # OFF while filling
        assert raw.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL again
        assert marker() is None
    registrar(engine)("1Z999AA10123456784")
    feed.dispose()
    engine.close()
    engine = open_store(sqlite_url)
    try:
        assert _feed_rows(engine) == 1
    finally:
        engine.close()


def test_downgrade_to_base_and_back(engine: Store) -> None:
    with write_transaction(engine) as conn:
        command.downgrade(alembic_config(conn), "base")
    with engine.connect() as conn:
        assert current_revision(conn) is None
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(engine, backup_dir=None)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()


def test_upgrade_at_head_does_nothing(engine: Store, tmp_path: Path) -> None:
    assert upgrade(engine, backup_dir=tmp_path / "backups") is None
    assert not (tmp_path / "backups").exists()


def test_fresh_file_needs_no_backup(tmp_path: Path) -> None:
    engine = create_store(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert upgrade(engine, backup_dir=tmp_path / "backups") is None
    finally:
        engine.close()
    assert not (tmp_path / "backups").exists()


def _old_database(path: Path) -> None:
    """A database from before the current head: downgraded to base, holding data of its own."""
    engine = open_store(f"sqlite:///{path}")
    try:
        with write_transaction(engine) as conn:
            command.downgrade(alembic_config(conn), "base")
            conn.execute(text("CREATE TABLE legacy_note (body TEXT)"))
            conn.execute(text("INSERT INTO legacy_note (body) VALUES ('kept by the backup')"))
    finally:
        engine.close()


def test_existing_file_is_backed_up_before_migrating(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    _old_database(db)
    engine = create_store(f"sqlite:///{db}")
    try:
        backup = upgrade(engine, backup_dir=tmp_path / "backups")
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
    finally:
        engine.close()
    assert backup is not None
    assert backup.parent == tmp_path / "backups"
    assert backup.name.startswith("station-")
    assert "rev-none" in backup.name
    # The copy is the database as it was before the migration: old data, no new tables.
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT body FROM legacy_note").fetchall() == [("kept by the backup",)]
        tables = {name for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "registrations" not in tables
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
    finally:
        copy.close()


def test_backup_goes_to_the_data_dir_by_default(tmp_path: Path) -> None:
    from scanstation import paths

    db = tmp_path / "station.db"
    _old_database(db)
    engine = open_store(f"sqlite:///{db}")
    engine.close()
    backups = list((paths.data_dir() / "backups").glob("station-*-rev-none*.db"))
    assert backups, "open_store made no backup in the data directory"


def test_two_backups_in_one_second_do_not_overwrite(tmp_path: Path) -> None:
    made = []
    for _ in range(2):
        db = tmp_path / "station.db"
        db.unlink(missing_ok=True)
        _old_database(db)
        engine = create_store(f"sqlite:///{db}")
        try:
            made.append(upgrade(engine, backup_dir=tmp_path / "backups"))
        finally:
            engine.close()
    assert made[0] is not None
    assert made[1] is not None
    assert made[0] != made[1]
    assert made[0].exists()
    assert made[1].exists()


def test_database_from_a_newer_version_is_refused(sqlite_engine: Store) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    with pytest.raises(StoreError, match="newer version"):
        upgrade(sqlite_engine)


def test_open_without_migrating_names_the_fix(sqlite_url: str) -> None:
    with pytest.raises(StoreError, match="scanstation db upgrade"):
        open_store(sqlite_url, migrate=False)
    open_store(sqlite_url).close()
    open_store(sqlite_url, migrate=False).close()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "station.db"
    bad.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreError, match=r"not a database|not a usable database|cannot open"):
        open_store(f"sqlite:///{bad}")
    assert bad.read_bytes() == b"this is not SQLite" * 100


def _start_at_once(url: str, stations: int, patience_s: float) -> None:
    """Open the store from `stations` threads at the same moment; then exactly one migration is recorded."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(stations)

    def start() -> None:
        try:
            barrier.wait(5)
            close_store(open_store(url))
        except BaseException as err:  # handed back to the test thread
            errors.append(err)

    threads = [threading.Thread(target=start) for _ in range(stations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(patience_s)
    assert errors == []
    engine = open_store(url, migrate=False)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        close_store(engine)


def test_two_stations_starting_at_once_migrate_once(sqlite_url: str) -> None:
    _start_at_once(sqlite_url, 2, patience_s=30)


def test_migrating_keeps_foreign_keys_on_afterwards(sqlite_url: str) -> None:
    """upgrade() turns foreign keys off for batch migrations; the pooled connection must get them back."""
    engine = create_store(sqlite_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        engine.close()


def test_backup_failure_stops_the_migration(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    _old_database(db)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the backup directory should be")
    engine = create_store(f"sqlite:///{db}")
    try:
        with pytest.raises(StoreError, match=r"cannot back up .* nothing was changed"):
            upgrade(engine, backup_dir=blocker / "backups")
        with engine.connect() as conn:
            assert current_revision(conn) is None  # not migrated without its backup
            assert conn.execute(text("SELECT body FROM legacy_note")).scalar_one() == "kept by the backup"
    finally:
        engine.close()


@pytest.mark.postgres
def test_postgres_stations_starting_at_once_migrate_once(pg_db_url: str) -> None:
    # Without the migration lock the racing CREATE TABLEs block each other: fail in seconds, not hang.
    _start_at_once(pg_db_url + quote(" -clock_timeout=20s"), 3, patience_s=60)


def test_0003_widens_the_feed_columns_of_a_postgres_database_and_keeps_its_rows(pg_engine: Store) -> None:
    with write_transaction(pg_engine) as conn:
        command.downgrade(alembic_config(conn), "0002")
    with write_transaction(pg_engine) as conn:
        conn.exec_driver_sql(
            "INSERT INTO registrations (id, tracking_typed, order_number, store, customer_id, customer_suite,"
            " customer_name, services, status, deleted, updated_at) VALUES"
            " ('p_1', 'TBA1', '', 'amazon.com', 'c_1', 'UN-1', 'Иван', '', 'awaiting', false, now())"
        )
    upgrade(pg_engine)
    long_name = "Иван " * 60  # 300 characters: varchar(256) refused it before 0003
    with write_transaction(pg_engine) as conn:
        conn.execute(update(Registration).values(customer_name=long_name, id="p_" + "1" * 98))
    with pg_engine.connect() as conn:
        assert conn.execute(select(Registration.id, Registration.customer_name)).all() == [("p_" + "1" * 98, long_name)]


def test_0004_adds_the_audit_trail_and_keeps_the_operators(engine: Store) -> None:
    from scanstation.access.login import LoginPolicy, log_in_with_pin
    from scanstation.store.operators import hash_pin, operator_records

    with write_transaction(engine) as conn:
        command.downgrade(alembic_config(conn), "0003")
    with engine.connect() as conn:
        assert "audit_log" not in inspect(conn).get_table_names()
        assert "failed_pins" not in {c["name"] for c in inspect(conn).get_columns("operators")}
    with write_transaction(engine) as conn:
        conn.execute(
            text(
                "INSERT INTO operators (name, display_name, role, pin_hash, active, created_at) "
                "VALUES ('anna', 'Anna', 'admin', :pin, true, '2026-11-01 10:00:00')"
            ),
            {"pin": hash_pin("4821")},
        )
    upgrade(engine)
    [anna] = operator_records(engine)
    assert (anna.name, anna.failed_pins, anna.locked_until, anna.has_badge, anna.last_login_at) == (
        "anna",
        0,
        None,
        False,
        None,
    )
    assert log_in_with_pin(engine, "anna", "4821", LoginPolicy(), station="st").ok
    with pytest.raises(DBAPIError, match="append-only"), write_transaction(engine) as conn:
        conn.execute(text("DELETE FROM audit_log"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM audit_log")).scalars().all() == ["login"]
