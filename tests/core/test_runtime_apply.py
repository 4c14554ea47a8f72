"""A saved config taken on by the running station: changed scanners re-opened, the others untouched, the undo window."""

from __future__ import annotations

import dataclasses
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanstation.config import Config, parse_config
from scanstation.domain import ScannerState, ScannerStatus, Verdict
from scanstation.runtime import Observers, StationRuntime
from tests.scanners.conftest import WAIT_S, TcpScanner
from tests.waiting import wait_until

UPS = "1Z999AA10123456784"


def station_config(tmp_path: Path, dock_1: str, dock_2: str, undo_window_s: float = 10.0) -> Config:
    data = {
        "station": {"id": "st-apply"},
        "database": {"url": f"sqlite:///{tmp_path / 'apply.db'}"},
        "receiving": {"undo_window_s": undo_window_s},
        "scanners": [
            {"name": "dock-1", "type": "socket", "url": dock_1},
            {"name": "dock-2", "type": "socket", "url": dock_2},
        ],
        "logging": {"file": False},
    }
    return parse_config(data, str(tmp_path / "config.toml"))


@pytest.fixture
def scanners() -> Iterator[tuple[TcpScanner, TcpScanner, TcpScanner]]:
    three = (TcpScanner(), TcpScanner(), TcpScanner())
    yield three
    for scanner in three:
        scanner.close()


def test_apply_reopens_only_the_changed_scanner_and_sets_the_undo_window(
    tmp_path: Path, scanners: tuple[TcpScanner, TcpScanner, TcpScanner]
) -> None:
    first, second, moved = scanners
    verdicts: queue.Queue[Verdict] = queue.Queue()
    statuses: list[ScannerStatus] = []
    runtime = StationRuntime(
        station_config(tmp_path, first.url, second.url), Observers(verdict=verdicts.put, scanner_status=statuses.append)
    )
    runtime.start()
    try:
        first.accept()
        second.accept()
        untouched = next(s for s in runtime.sources if s.name == "dock-2")

        runtime.apply(station_config(tmp_path, moved.url, second.url, undo_window_s=42))

        moved.accept()  # dock-1 opened again at its new address
        assert first.conn is not None
        first.conn.settimeout(WAIT_S)
        assert first.conn.recv(16) == b""  # ... and its old connection closed
        assert next(s for s in runtime.sources if s.name == "dock-2") is untouched
        assert [s.name for s in runtime.sources] == ["dock-2", "dock-1"]
        assert runtime.receiver.undo_window_s == 42
        assert runtime.config.receiving.undo_window_s == 42

        # Bytes sent before the port is reported open are dropped by the opening (pyserial empties its input).
        wait_until(
            lambda: ScannerStatus("dock-1", ScannerState.CONNECTED, f"reading {moved.url}", moved.url) in statuses,
            what="dock-1 reading at its new address",
        )
        moved.send(f"{UPS}\r".encode())
        verdict = verdicts.get(timeout=WAIT_S)
        assert (verdict.scanner, verdict.raw) == ("dock-1", UPS)
        second.send(f"{UPS}\r".encode())
        assert verdicts.get(timeout=WAIT_S).scanner == "dock-2"  # the untouched one still reads
    finally:
        assert runtime.stop()


def test_apply_closes_a_removed_scanner(tmp_path: Path, scanners: tuple[TcpScanner, TcpScanner, TcpScanner]) -> None:
    first, second, _ = scanners
    runtime = StationRuntime(station_config(tmp_path, first.url, second.url), Observers())
    runtime.start()
    try:
        first.accept()
        second.accept()
        config = station_config(tmp_path, first.url, second.url)
        runtime.apply(dataclasses.replace(config, scanners=config.scanners[:1]))
        assert [s.name for s in runtime.sources] == ["dock-1"]
        assert second.conn is not None
        second.conn.settimeout(WAIT_S)
        assert second.conn.recv(16) == b""
    finally:
        assert runtime.stop()
