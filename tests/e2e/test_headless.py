"""`scanstation headless` as a process: a pty scanner, the simulator of the central server, JSON lines out."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from scanstation.devserver import DevServer
from scanstation.tracking.samples import sample_number
from tests.e2e.station import TOKEN, UPS, headless_process, write_config
from tests.waiting import wait_until

UNREGISTERED = sample_number(random.Random(3), "ups").tracking_number


def test_headless_station_end_to_end(tmp_path: Path, devserver: DevServer, pty_port: tuple[int, str]) -> None:
    parcel = devserver.add_registration(
        "1z 999 aa1 01 2345 6784", order_number="ORD-9", suite="UN-7", name="Анна", services=["photo"]
    )
    master, port = pty_port
    env = {**os.environ, "SCANSTATION_SERVER_TOKEN": TOKEN, "SCANSTATION_HOME": str(tmp_path / "home")}
    config = write_config(tmp_path, devserver.url, port)
    with (tmp_path / "stderr.log").open("w") as stderr, headless_process(config, env, stderr) as (proc, lines):
        lines.wait_for(lambda line: line.get("component") == "scanner" and line["state"] == "connected")
        lines.wait_for(
            lambda line: line.get("component") == "sync" and line["state"] == "online" and line["last_pull_at"]
        )

        os.write(master, f"]C0{UPS}\r{UNREGISTERED}\r".encode())
        matched = lines.wait_for(lambda line: line["type"] == "scan" and line["raw"] == f"]C0{UPS}")
        assert matched["outcome"] == "matched"
        assert (matched["parcel_id"], matched["order_number"]) == (parcel["id"], "ORD-9")
        assert (matched["customer_suite"], matched["customer_name"]) == ("UN-7", "Анна")
        assert matched["services"] == ["photo"]
        assert matched["scanner"] == "pty1" and matched["operator"] == "conveyor"
        assert matched["tracking_number"] == UPS and matched["carrier"] == "ups"
        assert matched["scan_id"] and matched["at"].endswith("Z")
        unknown = lines.wait_for(lambda line: line["type"] == "scan" and line["raw"] == UNREGISTERED)
        assert unknown["outcome"] == "unknown"

        def server_has_all() -> bool:
            types = {(e["type"], e["result"]) for e in devserver.events()}
            return {
                ("parcel.status_changed", "accepted"),
                ("notification.requested", "accepted"),
                ("parcel.unknown", "accepted"),
            } <= types

        wait_until(server_has_all, what="the server to have every event")
        assert devserver.registration(parcel["id"])["status"] == "at_warehouse"  # type: ignore[index]
        assert len(devserver.notifications()) == 1
        assert all(devserver.applied_count(e["id"]) == 1 for e in devserver.events())

        os.write(master, b"\x00\xff\xfe garbage\r")
        garbage = lines.wait_for(lambda line: line["type"] == "scan" and "garbage" in line["raw"])
        assert garbage["outcome"] == "invalid"

        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        stopped = lines.wait_for(lambda line: line.get("component") == "station" and line["state"] == "stopped")
        assert stopped["clean"] is True
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    assert TOKEN not in (tmp_path / "stderr.log").read_text()


def test_headless_with_a_bad_config_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[station]\nid = "x"\n[[scanners]]\nname = "a"\ntype = "serial"\nbaudrate = "fast"\n')
    result = subprocess.run(
        [sys.executable, "-m", "scanstation", "headless", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "scanners[0].baudrate" in result.stderr
