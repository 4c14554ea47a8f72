"""Small key/value facts of the sync loop (feed cursor, last pull/push times) in the sync_state table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from scanstation.store.models import SyncState

__all__ = ["get_state", "set_state"]


def get_state(conn: Connection, key: str) -> str | None:
    """The stored value of `key`, or None when it was never set."""
    return conn.execute(select(SyncState.value).where(SyncState.key == key)).scalar_one_or_none()


def set_state(conn: Connection, key: str, value: str) -> None:
    """Insert or replace `key` in the caller's transaction (one statement, no read first)."""
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(SyncState).values(key=key, value=value)
        conn.execute(pg.on_conflict_do_update(index_elements=[SyncState.key], set_={"value": pg.excluded.value}))
    elif conn.dialect.name == "sqlite":
        lite = sqlite.insert(SyncState).values(key=key, value=value)
        conn.execute(lite.on_conflict_do_update(index_elements=[SyncState.key], set_={"value": lite.excluded.value}))
    else:  # pragma: no cover - only the two supported backends reach here
        raise NotImplementedError(f"set_state on {conn.dialect.name}")
