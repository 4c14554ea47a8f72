"""`scanstation headless` as a process: a pty scanner, the simulator of the central server, JSON lines out."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanstation.devserver import DevServer
from scanstation.tracking.samples import sample_number

UPS = "1Z999AA10123456784"
UNREGISTERED = sample_number(random.Random(3), "ups").tracking_number
TOKEN = "headless-test-token"


class Lines:
    """Reads a process's stdout on a thread; tests wait for the line they need, with a deadline."""

    def __init__(self, stream: Any) -> None:
        self.seen: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for raw in stream:
            self._queue.put(json.loads(raw))
        self._queue.put(None)

    def wait_for(self, match: Callable[[dict[str, Any]], bool], timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for line in self.seen:
            if match(line):
                return line
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item is None:
                raise AssertionError(f"stdout ended; lines so far: {self.seen}")
            self.seen.append(item)
            if match(item):
                return item
        raise AssertionError(f"no matching line within {timeout} s; lines so far: {self.seen}")


def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def devserver(tmp_path: Path) -> Iterator[DevServer]:
    server = DevServer(tmp_path / "central.db", token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pty_port() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _config(tmp_path: Path, server_url: str, port: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f"""
[station]
id = "e2e-station"
operator = "conveyor"
[database]
url = "sqlite:///{tmp_path / "station.db"}"
[server]
url = "{server_url}"
pull_interval_s = 1
push_interval_s = 0.2
backoff_initial_s = 0.1
backoff_max_s = 1
[receiving]
undo_window_s = 0
[logging]
file = false
[[scanners]]
name = "pty1"
type = "serial"
port = "{port}"
baudrate = 115200
terminator = "CR"
""",
        encoding="utf-8",
    )
    return path


def test_headless_station_end_to_end(tmp_path: Path, devserver: DevServer, pty_port: tuple[int, str]) -> None:
    parcel = devserver.add_registration(
        "1z 999 aa1 01 2345 6784", order_number="ORD-9", suite="UN-7", name="Анна", services=["photo"]
    )
    master, port = pty_port
    env = {**os.environ, "SCANSTATION_SERVER_TOKEN": TOKEN, "SCANSTATION_HOME": str(tmp_path / "home")}
    stderr = (tmp_path / "stderr.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanstation", "headless", "--config", str(_config(tmp_path, devserver.url, port))],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
    try:
        lines = Lines(proc.stdout)
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

        _until(server_has_all)
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
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        stderr.close()
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
