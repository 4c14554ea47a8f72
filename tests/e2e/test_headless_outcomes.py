"""Headless mode prints one whole JSON line for every outcome, duplicates of matched and unknown parcels included."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

from scanstation.devserver import DevServer
from scanstation.tracking.samples import sample_number
from tests.e2e.station import TOKEN, UPS, headless_process, write_config

_rng = random.Random(9)
AMBIGUOUS = sample_number(_rng, "ups").tracking_number
SHIPPED = sample_number(_rng, "ups").tracking_number
UNREGISTERED = sample_number(_rng, "ups").tracking_number


def test_every_outcome_prints_one_complete_json_line(
    tmp_path: Path, devserver: DevServer, pty_port: tuple[int, str]
) -> None:
    devserver.add_registration(UPS, order_number="ORD-1", suite="UN-1", name="Анна")
    devserver.add_registration(AMBIGUOUS, suite="UN-2", name="Борис")
    devserver.add_registration(AMBIGUOUS, suite="UN-3", name="Вера")
    devserver.add_registration(SHIPPED, suite="UN-4", name="Глеб", status="shipped")
    master, port = pty_port
    env = {**os.environ, "SCANSTATION_SERVER_TOKEN": TOKEN, "SCANSTATION_HOME": str(tmp_path / "home")}
    config = write_config(tmp_path, devserver.url, port)
    with (tmp_path / "stderr.log").open("w") as stderr, headless_process(config, env, stderr) as (proc, lines):
        lines.wait_for(lambda line: line.get("component") == "scanner" and line["state"] == "connected")
        lines.wait_for(lambda line: line.get("component") == "sync" and bool(line["last_pull_at"]))
        reads = [UPS, UPS, UNREGISTERED, UNREGISTERED, AMBIGUOUS, SHIPPED, "!!garbage!!"]
        os.write(master, "".join(f"{read}\r" for read in reads).encode())
        lines.wait_for(lambda line: line["type"] == "scan" and line["raw"] == reads[-1])
        scans = [line for line in lines.seen if line["type"] == "scan"]
        proc.terminate()
        assert proc.wait(timeout=15) == 0
    assert not [line for line in lines.seen if line["type"] == "error"], "no verdict is reported as not recorded"
    assert [(s["raw"], s["outcome"]) for s in scans] == [
        (UPS, "matched"),
        (UPS, "duplicate"),
        (UNREGISTERED, "unknown"),
        (UNREGISTERED, "duplicate"),
        (AMBIGUOUS, "ambiguous"),
        (SHIPPED, "not_expected"),
        ("!!garbage!!", "invalid"),
    ]
    again = scans[1]
    assert again["first_receipt"]["at"].endswith("Z"), "the first receipt's time is printed in contract form"
    assert again["first_receipt"]["station_id"] == "e2e-station"
    assert scans[3]["unknown_id"] == scans[2]["unknown_id"], "the re-scan of an unknown parcel names the same one"
    with sqlite3.connect(tmp_path / "station.db") as db:
        logged = dict(db.execute("SELECT id, outcome FROM scan_log").fetchall())
    assert {s["scan_id"]: s["outcome"] for s in scans} == logged, "every printed verdict is the recorded one"
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
