"""Scans reaching the screen through real sources: the keyboard wedge (real key events) and a serial pty."""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scanstation.config import ScannerConfig
from scanstation.domain import Outcome, Scan, ScannerState, ScannerStatus, Verdict
from scanstation.gui import qt
from scanstation.gui.wedge import KeyboardWedge
from scanstation.scanners.stream import StreamSource
from scanstation.store.operators import add_operator

from .conftest import Station

UPS = "1Z999AA10123456784"

pytestmark = pytest.mark.gui


class Keys:
    """Key events sent to the window at a scanner's pace, with their own timestamps (no sleeping)."""

    def __init__(self, window: qt.QWidget) -> None:
        handle = window.windowHandle()
        assert handle is not None
        self._target = handle
        self._ms = 5_000_000

    def type(self, text: str, gap_ms: int) -> None:
        for char in text:
            key = qt.Qt.Key.Key_Return if char == "\r" else qt.Qt.Key(ord(char.upper()))
            self._ms += gap_ms
            for kind, at in ((qt.QEvent.Type.KeyPress, self._ms), (qt.QEvent.Type.KeyRelease, self._ms + 1)):
                event = qt.QKeyEvent(kind, key, qt.Qt.KeyboardModifier.NoModifier, char)
                event.setTimestamp(at)
                qt.QApplication.sendEvent(self._target, event)


@pytest.fixture
def wedge(station: Station) -> Iterator[KeyboardWedge]:
    source = KeyboardWedge([ScannerConfig(name="wedge", type="wedge")])
    source.start(station.receiving.submit, station.bridge.scanner_status.emit)
    yield source
    source.stop()


def test_wedge_scan_shows_the_suite_and_leaves_the_typed_entry_alone(
    station: Station, register: Callable[..., Any], wedge: KeyboardWedge
) -> None:
    register(UPS, customer_suite="UN-4455")
    station.log_in()
    w = station.window
    keys = Keys(w)
    assert w.entry.hasFocus()
    w.entry.setText("94001")  # the clerk was half-way through typing a torn label

    verdict = station.wait_banner(lambda: keys.type(UPS + "\r", gap_ms=4))

    assert isinstance(verdict, Verdict)
    assert (verdict.scanner, verdict.typed, verdict.operator) == ("wedge", False, "anna")
    assert station.banner()[:2] == ("НА СКЛАДЕ", "UN-4455")
    assert w.entry.text() == "94001"  # the burst was taken back out of the field
    assert "wedge: connected" in w.status_bar.texts()


def test_a_person_typing_into_the_entry_is_not_a_scan(
    station: Station, register: Callable[..., Any], wedge: KeyboardWedge
) -> None:
    register(UPS)
    station.log_in()
    keys = Keys(station.window)
    keys.type(UPS, gap_ms=250)  # a person's pace
    assert station.window.entry.text() == UPS
    verdict = station.wait_banner(lambda: keys.type("\r", gap_ms=250))
    assert verdict.typed
    assert verdict.scanner == "manual"
    assert station.banner()[0] == "НА СКЛАДЕ"


@pytest.fixture
def serial_scanner(station: Station) -> Iterator[tuple[int, StreamSource]]:
    master, slave = os.openpty()
    tty.setraw(slave)
    source = StreamSource(ScannerConfig(name="dock-1", type="serial", port=os.ttyname(slave), terminator="CR"))
    source.start(station.receiving.submit, station.bridge.scanner_status.emit)
    try:
        yield master, source
    finally:
        source.stop()
        os.close(master)
        os.close(slave)


def test_serial_scanner_scans_reach_the_banner_in_order(
    station: Station, register: Callable[..., Any], serial_scanner: tuple[int, StreamSource]
) -> None:
    master, _source = serial_scanner
    register(UPS, customer_suite="UN-7788")
    station.log_in()
    station.qtbot.waitUntil(lambda: "dock-1: connected" in station.window.status_bar.texts(), timeout=5000)

    shown: list[Any] = []
    station.window.banner_shown.connect(shown.append)
    os.write(master, f"{UPS}\rNOREAD\r{UPS}\r".encode())
    station.qtbot.waitUntil(lambda: len(shown) == 3, timeout=10_000)

    assert [v.outcome for v in shown] == [Outcome.MATCHED, Outcome.INVALID, Outcome.DUPLICATE]
    assert {v.scanner for v in shown} == {"dock-1"}
    assert station.banner()[:2] == ("ALREADY RECEIVED", "UN-7788")
    assert [row[2] for row in station.window.recent_rows()] == ["DUPLICATE", "UNREADABLE", "НА СКЛАДЕ"]


def test_a_serial_scan_is_the_operator_s_who_was_logged_in_when_it_was_read(
    station: Station, register: Callable[..., Any]
) -> None:
    add_operator(station.engine, "boris", "5555")
    register(UPS)
    station.log_in()  # anna
    worker = station.receiving.worker
    busy = threading.Event()

    def hold_the_receiving_thread() -> None:
        busy.wait(30)  # the scan waits in the queue and is decided after the next clerk logged in

    worker.call(hold_the_receiving_thread)
    read = threading.Event()

    def as_the_runtime_hands_it(scan: Scan) -> None:
        worker.submit(scan)  # what StationRuntime.start gives every serial and socket source
        read.set()

    master, slave = os.openpty()
    tty.setraw(slave)
    source = StreamSource(ScannerConfig(name="dock-1", type="serial", port=os.ttyname(slave), terminator="CR"))
    connected = threading.Event()

    def on_status(status: ScannerStatus) -> None:
        if status.state is ScannerState.CONNECTED:
            connected.set()

    source.start(as_the_runtime_hands_it, on_status)
    try:
        assert connected.wait(10), "the serial port did not open"
        os.write(master, f"{UPS}\r".encode())
        assert read.wait(10), "the serial scan was not read"
        station.window.log_out()
        station.window.log_in("boris", "Boris")
        verdict = station.wait_banner(busy.set)
    finally:
        busy.set()
        source.stop()
        os.close(master)
        os.close(slave)

    assert isinstance(verdict, Verdict)
    assert (verdict.scanner, verdict.operator) == ("dock-1", "anna")
    assert station.window.operator == "boris"
