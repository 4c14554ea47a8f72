"""A badge scanned on a headless station's scanner: one badge line, never a scan, never the secret anywhere."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

from scanstation.devserver import DevServer
from scanstation.domain import new_badge_secret
from tests.e2e.station import TOKEN, UPS, headless_process, write_config


def test_a_badge_on_a_headless_scanner_is_a_badge_line_only(
    tmp_path: Path, devserver: DevServer, pty_port: tuple[int, str]
) -> None:
    secret = new_badge_secret()
    master, port = pty_port
    home = tmp_path / "home"
    env = {**os.environ, "SCANSTATION_SERVER_TOKEN": TOKEN, "SCANSTATION_HOME": str(home)}
    config = write_config(tmp_path, devserver.url, port)
    with (tmp_path / "stderr.log").open("w") as stderr, headless_process(config, env, stderr) as (proc, lines):
        lines.wait_for(lambda line: line.get("component") == "scanner" and line["state"] == "connected")
        os.write(master, f"]C0{secret}\r{UPS}\r".encode())
        badge = lines.wait_for(lambda line: line.get("event") == "badge")
        assert (badge["type"], badge["scanner"], badge["note"]) == ("status", "pty1", "badges log in at the window")
        lines.wait_for(lambda line: line["type"] == "scan" and UPS in line["raw"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        lines.wait_for(lambda line: line.get("component") == "station" and line["state"] == "stopped")
    assert [line["raw"] for line in lines.seen if line["type"] == "scan"] == [UPS]
    assert all(secret not in str(line) for line in lines.seen)
    assert secret not in (tmp_path / "stderr.log").read_text()
    for db in tmp_path.rglob("*.db"):
        with sqlite3.connect(db) as conn:
            tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                assert secret not in str(conn.execute(f'SELECT * FROM "{table}"').fetchall()), (db, table)
    assert all(
        secret not in p.read_text(errors="replace") for p in home.rglob("*") if p.is_file() and p.suffix != ".db"
    )
