"""`scanstation bench crash`, small: a station SIGKILLed mid-scan and mid-pull loses nothing and leaves nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the harness reads /proc")
def test_bench_crash_kills_the_station_five_times_and_nothing_is_lost(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scanstation", "bench", "crash", "--kills", "5", "--parcels", "3000",
         "--registered", "60", "--max-life-s", "1.5", "--seed", "3", "--keep", str(tmp_path / "station"),
         "--json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )  # fmt: skip
    assert done.stdout.strip(), done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    report = done.stdout  # the printed figures, shown when an assertion fails
    assert result["benchmark"] == "crash"
    assert result["kills"] == 5, report
    assert result["scans_written"] > 0 and result["verdicts_checked"] > 0 and result["events"] > 0, report
    assert result["lost"] == 0, report
    assert result["twice"] == 0 and result["unknown_at_station"] == 0, report
    assert result["leftovers"] == 0, report
    assert result["integrity_failures"] == 0 and result["integrity_checks"] == 12, report
    assert result["final_clean"] and result["drained"], report
    assert result["ok"] is True and done.returncode == 0, report
    assert "Traceback" not in done.stderr


def test_the_check_finds_what_is_lost_twice_or_unknown(tmp_path: Path) -> None:
    """The harness's own check, on real files: a verdict not stored, one stored otherwise, events missing or twice."""
    import sqlite3

    from scanstation.bench.crash import STATION, _check, _Output
    from scanstation.devserver.store import FeedStore
    from scanstation.domain import Scan
    from scanstation.headless import scan_line
    from scanstation.receiving import Receiver
    from scanstation.store.connection import close_store, open_store

    station_db, server_db = tmp_path / "station.db", tmp_path / "central.db"
    engine = open_store(f"sqlite:///{station_db}")
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    kept = scan_line(receiver.receive(Scan(raw="TBA900000000001", scanner="pty"), "crash"))
    changed = scan_line(receiver.receive(Scan(raw="TBA900000000002", scanner="pty"), "crash"))
    close_store(engine)
    assert kept["outcome"] == changed["outcome"] == "unknown" and kept["events"] and changed["events"]
    with sqlite3.connect(station_db) as conn:
        conn.execute("UPDATE outbox SET state = 'sent'")
    conn.close()
    FeedStore(server_db).close()
    with sqlite3.connect(server_db) as conn:
        rows = [(event_id, STATION, "2026-01-01T00:00:00Z", "accepted", b"{}") for event_id in kept["events"]]
        rows += rows[:1]  # applied twice
        rows.append(("from-nowhere", STATION, "2026-01-01T00:00:00Z", "accepted", b"{}"))
        conn.executemany(
            "INSERT INTO events (event_id, station_id, received_at, result, body) VALUES (?, ?, ?, ?, ?)", rows
        )
    conn.close()

    output = _Output()
    output.verdicts = [
        kept,
        {**changed, "outcome": "matched"},
        {"type": "scan", "scan_id": "never-stored", "outcome": "unknown", "events": ["never-queued"]},
    ]
    check = _check(output, station_db, server_db, STATION)
    assert check.verdicts_checked == 3
    assert check.verdicts_missing == ["never-stored"]
    assert check.verdicts_other_outcome == [f"{changed['scan_id']}: printed matched, stored unknown"]
    assert check.events_missing == ["never-queued"]
    assert sorted(check.sent_not_at_server) == sorted(changed["events"])
    assert check.twice == [kept["events"][0]]
    assert check.unknown_at_station == ["from-nowhere"]
    assert check.lost == 3 + len(changed["events"])
