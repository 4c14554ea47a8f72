"""Small key/value facts: the sync loop's times (sync_state) and the feed's cursor (feed_state)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from scanstation.store.models import FeedState, SyncState

__all__ = ["FeedState", "SyncState", "get_state", "set_state"]

StateTable = type[SyncState] | type[FeedState]


def get_state(conn: Connection, key: str, table: StateTable = SyncState) -> str | None:
    """The stored value of `key`, or None when it was never set."""
    return conn.execute(select(table.value).where(table.key == key)).scalar_one_or_none()


def set_state(conn: Connection, key: str, value: str, table: StateTable = SyncState) -> None:
    """Insert or replace `key` in the caller's transaction (one statement, no read first)."""
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table).values(key=key, value=value)
        conn.execute(pg.on_conflict_do_update(index_elements=[table.key], set_={"value": pg.excluded.value}))
    elif conn.dialect.name == "sqlite":
        lite = sqlite.insert(table).values(key=key, value=value)
        conn.execute(lite.on_conflict_do_update(index_elements=[table.key], set_={"value": lite.excluded.value}))
    else:  # pragma: no cover - only the two supported backends reach here
        raise NotImplementedError(f"set_state on {conn.dialect.name}")
