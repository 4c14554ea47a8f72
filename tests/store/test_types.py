"""UTCDateTime keeps aware UTC instants on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import ReviewItem

MOSCOW = timezone(timedelta(hours=3))


def test_round_trip_is_aware_utc_and_exact(engine: Store) -> None:
    local = datetime(2026, 11, 27, 12, 15, 2, 481123, tzinfo=MOSCOW)
    with write_transaction(engine) as conn:
        conn.execute(insert(ReviewItem).values(kind="ambiguous", created_at=local, detail=""))
    with engine.connect() as conn:
        back = conn.execute(select(ReviewItem.created_at)).scalar_one()
    assert back == local
    assert back.tzinfo is UTC
    assert back.hour == 9
    assert back.microsecond == 481123


def test_comparisons_in_sql_use_utc(engine: Store) -> None:
    base = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with write_transaction(engine) as conn:
        for minutes in (0, 30, 60):
            conn.execute(
                insert(ReviewItem).values(kind="k", created_at=base + timedelta(minutes=minutes), detail=str(minutes))
            )
    cutoff = datetime(2026, 11, 27, 12, 20, tzinfo=MOSCOW)  # 09:20 UTC
    with engine.connect() as conn:
        later = conn.execute(select(ReviewItem.detail).where(ReviewItem.created_at > cutoff)).scalars().all()
    assert sorted(later) == ["30", "60"]


def test_naive_datetimes_are_refused(engine: Store) -> None:
    with pytest.raises(StatementError, match="naive"), write_transaction(engine) as conn:
        conn.execute(insert(ReviewItem).values(kind="k", created_at=datetime(2026, 11, 27, 9, 0), detail=""))
