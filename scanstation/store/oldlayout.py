"""Revision 0001's layout kept the feed in the station's file: its rows moved into the feed file (before 0002)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from scanstation.store.engine import BUSY_TIMEOUT_MS, read_only_uri
from scanstation.store.feedfile import SEARCH_PENDING_KEY
from scanstation.store.models import FeedBase

__all__ = ["move_feed_out_of_station_file"]

log = logging.getLogger(__name__)


def move_feed_out_of_station_file(station: Path, feed: Path) -> None:
    """Copy the feed (and its cursor) of a revision-0001 station file into the feed file.

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
            conn.create_function("scanstation_reverse", 1, lambda text: text[::-1], deterministic=True)
            conn.execute(
                "INSERT OR REPLACE INTO main.registration_keys (key, registration_id, rkey) "
                "SELECT key, registration_id, scanstation_reverse(key) FROM old.registration_keys"
            )
            # customer_terms: made from the moved rows by build_search_index after the next pull.
            conn.execute(
                "INSERT OR REPLACE INTO main.feed_state (key, value) VALUES (?, 'moved from revision 0001')",
                (SEARCH_PENDING_KEY,),
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
