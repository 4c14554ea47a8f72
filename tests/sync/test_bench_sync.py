"""`scanstation bench sync` runs end to end at a small scale and reports every figure issue 3 asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanstation.store.feedfile import feed_path

pytestmark = pytest.mark.slow


def test_bench_sync_small_run_reports_its_figures(tmp_path: Path) -> None:
    station_db = tmp_path / "station.db"
    feed_path(station_db).write_bytes(b"left over from an earlier run")  # cleared before the run, not trusted
    done = subprocess.run(
        [sys.executable, "-m", "scanstation", "bench", "sync", "--parcels", "3000", "--changes", "100",
         "--events", "200", "--idle-s", "0.5", "--db", str(station_db), "--json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "sync"
    assert result["initial_items"] == 3000
    assert result["incremental_changes"] == 100
    assert result["events_pushed"] == result["events_waiting"] >= 200
    for name in ("initial_pull_s", "station_peak_rss_mb", "incremental_pull_s", "push_s", "scan_during_pull_p99_ms"):
        assert isinstance(result[name], int | float), name
