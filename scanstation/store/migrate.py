"""Schema migrations (Alembic) of the station's database, with a backup of a SQLite file first."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc, inspect
from sqlalchemy.engine import Connection

from scanstation.private import private_dir, private_file
from scanstation.store.engine import begin_write, raw_execute, redacted
from scanstation.store.errors import StoreError
from scanstation.store.oldlayout import move_feed_out_of_station_file

if TYPE_CHECKING:
    from scanstation.store.connection import Store

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "head_revision", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
_MIGRATION_LOCK: Final = 0x5CA25747  # PostgreSQL advisory lock key of this application's migrations


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


def upgrade(store: Store, *, backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to head; back up an existing SQLite file first. Returns the backup path.

    SQLite: the backup goes to `backup_dir` (default: the store's), named after the file, the time
    (UTC) and the revision it had. PostgreSQL: no copy is made here; a pg_dump before upgrading the
    software is the database administrator's job, and the log says so. The check and the migration
    run in one write transaction, so two stations starting at once migrate once.
    """
    head = head_revision()
    engine = store.engine
    path = store.station_file
    try:
        with engine.connect() as conn:
            if path is not None:
                # Batch migrations re-create tables; with foreign keys on, dropping the old table would
                # cascade-delete rows that point at it. The pragma only takes effect outside a transaction.
                raw_execute(conn, "PRAGMA foreign_keys = OFF")
            try:
                with begin_write(conn):
                    if path is None:
                        # PostgreSQL: stations starting at once wait here, and the later ones find head.
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                    current = current_revision(conn)
                    if current == head:
                        return None
                    _check_known(current)
                    backup: Path | None = None
                    if path is not None and _has_tables(conn):
                        target_dir = backup_dir or store.backup_dir
                        assert target_dir is not None and store.feed_file is not None, "a SQLite store has both"
                        backup = _backup_sqlite(path, target_dir, current)
                        log.info("database %s backed up to %s before migrating from %s", path, backup, current)
                        if current == "0001":
                            move_feed_out_of_station_file(path, store.feed_file)
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
                    raw_execute(conn, "PRAGMA foreign_keys = ON")
    except exc.OperationalError as err:
        raise StoreError(f"cannot open or migrate the database {redacted(engine)}: {err.orig}") from err
    except exc.DatabaseError as err:
        raise StoreError(f"{redacted(engine)} is not a usable database: {err.orig}") from err


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {rev.revision for rev in script.walk_revisions()}:
        raise StoreError(
            f"the database is at revision {revision}, which this version of scanstation does not know: "
            "it was written by a newer version; install that version or restore a backup"
        )
