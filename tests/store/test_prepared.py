"""Prepared statements give exactly what SQLAlchemy's own execution gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, insert, select, update

from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import ScanLog
from scanstation.store.prepared import ByArity, Prepared, in_params

_scans = cast(Table, ScanLog.__table__)
COLUMNS = ("id", "scanned_at", "raw", "scanner", "station_id", "operator", "typed", "outcome", "latency_ms", "note")


def _row(n: int, **over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"s{n}",
        "scanned_at": datetime(2026, 11, 27, 9, 15, 2, 481000 + n, tzinfo=UTC),
        "raw": f"raw-{n} ünï \x1d",
        "scanner": "dock1",
        "station_id": "st",
        "operator": "anna",
        "typed": n % 2 == 0,
        "outcome": "matched",
        "latency_ms": 1.25 * n,
        "note": None,
    }
    row.update(over)
    return row


def test_insert_and_select_round_trip_like_sqlalchemy(engine: Store) -> None:
    insert_scan = Prepared(insert(_scans), engine.dialect, column_keys=COLUMNS)
    by_ids = ByArity(
        lambda n: select(_scans).where(_scans.c.id.in_([bindparam(f"k{i}") for i in range(n)])), engine.dialect
    )
    with write_transaction(engine) as conn:
        insert_scan.execute(conn, _row(1))
        insert_scan.execute_many(conn, [_row(2), _row(3, latency_ms=None, note="n")])
    with engine.connect() as conn:
        ours = sorted(by_ids(3).all(conn, in_params("k", ["s1", "s2", "s3"])), key=lambda r: r["id"])
        theirs = [dict(r) for r in conn.execute(select(_scans).order_by(_scans.c.id)).mappings()]
    assert ours == theirs
    assert ours[0]["scanned_at"] == datetime(2026, 11, 27, 9, 15, 2, 481001, tzinfo=UTC)
    assert ours[1]["typed"] is True and ours[0]["typed"] is False
    assert ours[2]["latency_ms"] is None


def test_update_counts_rows_and_literal_values_are_bound(engine: Store) -> None:
    insert_scan = Prepared(insert(_scans), engine.dialect, column_keys=COLUMNS)
    mark = Prepared(
        update(_scans)
        .where(_scans.c.id == bindparam("sid"), _scans.c.outcome == "matched")
        .values(outcome="duplicate"),
        engine.dialect,
    )
    with write_transaction(engine) as conn:
        insert_scan.execute(conn, _row(1))
        assert mark.execute(conn, {"sid": "s1"}) == 1
        assert mark.execute(conn, {"sid": "s1"}) == 0, "the literal in the WHERE clause is bound too"
    with engine.connect() as conn:
        assert conn.execute(select(_scans.c.outcome)).scalar_one() == "duplicate"


def test_a_failed_statement_rolls_back_the_whole_transaction(engine: Store) -> None:
    insert_scan = Prepared(insert(_scans), engine.dialect, column_keys=COLUMNS)

    def insert_twice() -> None:
        with write_transaction(engine) as conn:
            insert_scan.execute(conn, _row(1))
            insert_scan.execute(conn, _row(1))

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        insert_twice()
    with engine.connect() as conn:
        assert conn.execute(select(_scans.c.id)).all() == []


def test_expanding_parameters_and_bare_inserts_are_refused(engine: Store) -> None:
    with pytest.raises(ValueError, match="arity"):
        Prepared(select(_scans).where(_scans.c.id.in_(bindparam("ids", expanding=True))), engine.dialect)
    with pytest.raises(ValueError, match="column_keys"):
        Prepared(insert(_scans), engine.dialect)
