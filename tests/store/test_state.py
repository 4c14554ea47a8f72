"""sync_state upserts on both backends, inside the caller's transaction."""

from __future__ import annotations

import pytest

from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.state import get_state, set_state


def test_unset_key_is_none(engine: Store) -> None:
    with engine.connect() as conn:
        assert get_state(conn, "feed_cursor") is None


def test_set_then_replace(engine: Store) -> None:
    with write_transaction(engine) as conn:
        set_state(conn, "feed_cursor", "c:1")
        set_state(conn, "last_pull_at", "2026-11-27T09:00:00Z")
    with write_transaction(engine) as conn:
        set_state(conn, "feed_cursor", "c:58231")
    with engine.connect() as conn:
        assert get_state(conn, "feed_cursor") == "c:58231"
        assert get_state(conn, "last_pull_at") == "2026-11-27T09:00:00Z"


def test_rolled_back_set_is_not_kept(engine: Store) -> None:
    with write_transaction(engine) as conn:
        set_state(conn, "feed_cursor", "c:1")

    def set_and_fail() -> None:
        with write_transaction(engine) as conn:
            set_state(conn, "feed_cursor", "c:2")
            raise RuntimeError("page failed")

    with pytest.raises(RuntimeError):
        set_and_fail()
    with engine.connect() as conn:
        assert get_state(conn, "feed_cursor") == "c:1"


def test_values_are_kept_exactly(engine: Store) -> None:
    value = "c:Ωmega/ü\n" + "x" * 5000
    with write_transaction(engine) as conn:
        set_state(conn, "k", value)
    with engine.connect() as conn:
        assert get_state(conn, "k") == value
