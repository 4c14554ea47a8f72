"""`scanstation bench receive` end to end on a small database, and the shared benchmark helpers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from scanstation.bench.common import Stats, emit_json, percentile
from scanstation.cli import main

REQUIRED = ("p50_ms", "p99_ms", "floor_p50_ms", "ratio_p50", "build_s", "peak_rss_mb")


def test_percentile_interpolates_like_numpy() -> None:
    data = [float(x) for x in range(1, 101)]
    assert percentile(data, 50) == pytest.approx(50.5)
    assert percentile(data, 99) == pytest.approx(99.01)
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    stats = Stats.of([0.001, 0.002, 0.003])
    assert stats.n == 3
    assert stats.p50_ms == pytest.approx(2.0)
    assert stats.max_ms == pytest.approx(3.0)


def test_emit_json_writes_one_parsable_line(capsys: pytest.CaptureFixture[str]) -> None:
    emit_json({"p50_ms": 1.5, "nan": float("nan"), "nested": {"x": [1, 2]}})
    line = capsys.readouterr().out.splitlines()[-1]
    assert json.loads(line) == {"p50_ms": 1.5, "nan": None, "nested": {"x": [1, 2]}}


@pytest.mark.slow
def test_small_run_reports_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bench.db"
    code = main(["bench", "receive", "--parcels", "3000", "--scans", "200", "--warmup", "10", "--db", str(db), "--build-workers", "0"])
    code_json = main(["bench", "receive", "--parcels", "3000", "--scans", "200", "--json", "--quiet"])
    assert (code, code_json) == (0, 0)
    out = capsys.readouterr().out
    figures = json.loads(out.splitlines()[-1])
    for name in REQUIRED:
        assert isinstance(figures[name], int | float), name
    assert figures["parcels"] == 3000
    assert figures["scans"] >= 200
    # The mix of issue 2: about 70% matched, 10% duplicate, 15% unknown, 5% invalid.
    outcomes = figures["outcomes"]
    assert outcomes["matched"] >= 0.65 * figures["scans"]
    assert outcomes["duplicate"] >= 0.09 * figures["scans"]
    assert outcomes["unknown"] >= 0.14 * figures["scans"]
    assert outcomes["invalid"] == 10
    # --db keeps the database, built by the real migrations and left in production mode.
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT count(*) FROM registrations").fetchone() == (3000,)
        orders = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM registrations GROUP BY customer_id, order_number HAVING count(*) > 1)"
        ).fetchone()[0]
        assert orders > 100  # split orders exist
        assert conn.execute("SELECT count(*) FROM scan_log").fetchone()[0] >= 200
        index_names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_registrations_customer_id_order_number", "ix_registration_keys_registration_id"} <= index_names
    finally:
        conn.close()
    assert not (tmp_path / "bench-floor.db").exists()


def test_existing_db_is_not_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "station.db"
    db.write_bytes(b"precious")
    assert main(["bench", "receive", "--parcels", "100", "--scans", "10", "--db", str(db)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert db.read_bytes() == b"precious"
