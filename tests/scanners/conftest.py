"""Fixtures for scanner tests: real ptys, socat for unplug/replug, a loopback TCP scanner, a recorder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import tty
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from scanstation.config import ScannerConfig
from scanstation.domain import Scan, ScannerState, ScannerStatus
from tests.waiting import wait_until

WAIT_S = 5.0


class Recorder:
    """Collects what a source reports, from its thread; tests wait on it instead of sleeping."""

    def __init__(self) -> None:
        self.scans: list[Scan] = []
        self.statuses: list[ScannerStatus] = []
        self._cond = threading.Condition()

    def on_scan(self, scan: Scan) -> None:
        with self._cond:
            self.scans.append(scan)
            self._cond.notify_all()

    def on_status(self, status: ScannerStatus) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}; scans={self.raws()} "
                    f"statuses={[(s.state.value, s.message) for s in self.statuses]}"
                )

    def wait_scans(self, count: int, timeout: float = WAIT_S) -> list[str]:
        self._wait(lambda: len(self.scans) >= count, timeout, f"{count} scans")
        return self.raws()

    def wait_state(self, state: ScannerState, timeout: float = WAIT_S, after: int = 0) -> ScannerStatus:
        """The first status in `state` at or after index `after` of the status list."""

        def found() -> ScannerStatus | None:
            return next((s for s in self.statuses[after:] if s.state is state), None)

        self._wait(lambda: found() is not None, timeout, f"state {state.value}")
        status = found()
        assert status is not None
        return status

    def raws(self) -> list[str]:
        with self._cond:
            return [s.raw for s in self.scans]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def serial_config(port: str, **changes: object) -> ScannerConfig:
    return replace(ScannerConfig(name="dock-1", type="serial", port=port), **changes)  # type: ignore[arg-type]


class Pty:
    """A pseudo-terminal: the source opens `path` (the scanner's side), the test writes to the master."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.master, view)
            view = view[written:]

    def unplug(self) -> None:
        for fd in (self.slave, self.master):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = self.slave = -1

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


@pytest.fixture
def pty_factory() -> Iterator[Callable[[], Pty]]:
    made: list[Pty] = []

    def make() -> Pty:
        made.append(Pty())
        return made[-1]

    yield make
    for pair in made:
        pair.close()


class Socat:
    """A socat pty pair behind symlinks: kill it to unplug the scanner, start it again to re-plug."""

    def __init__(self, directory: Path) -> None:
        self.link = directory / "scanner"
        self.feeder_link = directory / "feeder"
        self._proc: subprocess.Popen[bytes] | None = None
        self._feeder: int = -1

    def start(self) -> str:
        """Plug in; returns the real device node the scanner side got."""
        assert self._proc is None
        self._proc = subprocess.Popen(
            [
                "socat",
                f"pty,raw,echo=0,link={self.link}",
                f"pty,raw,echo=0,link={self.feeder_link}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: self.link.exists() and self.feeder_link.exists(), what="socat's pty links")
        self._feeder = os.open(self.feeder_link, os.O_RDWR | os.O_NOCTTY)
        return os.path.realpath(self.link)

    def write(self, data: bytes) -> None:
        os.write(self._feeder, data)

    def stop(self) -> None:
        """Unplug: socat goes away and both device nodes with it."""
        if self._feeder >= 0:
            os.close(self._feeder)
            self._feeder = -1
        if self._proc is not None:
            self._proc.send_signal(signal.SIGTERM)
            self._proc.wait(timeout=WAIT_S)
            self._proc = None
        wait_until(lambda: not self.link.exists(), what="socat's links to go")


@pytest.fixture
def socat(tmp_path: Path) -> Iterator[Socat]:
    if shutil.which("socat") is None:
        pytest.fail("socat is needed for the unplug/replug tests (apt-get install socat)")
    pair = Socat(tmp_path)
    yield pair
    pair.stop()


class TcpScanner:
    """A fixed-mount scanner on loopback: accepts the station's connection and sends it bytes."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT_S)
        self.port: int = self.listener.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.conn, _ = self.listener.accept()

    def send(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)

    def drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        self.drop()
        self.listener.close()


@pytest.fixture
def tcp_scanner() -> Iterator[TcpScanner]:
    server = TcpScanner()
    yield server
    server.close()


def fds_open_on(device: str) -> list[str]:
    """This process's file descriptors that refer to `device` (to see a port really closed)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == device:
                found.append(fd)
        except OSError:
            continue
    return found


class Rfc2217Server:
    """An RFC 2217 server on loopback in front of a pty, built from pyserial's own PortManager."""

    def __init__(self, pty: Pty) -> None:
        import serial

        class PtyPort(serial.Serial):
            """A pty has no modem lines; the server asks for them, so report them as low."""

            cts = dsr = ri = cd = False

            def _update_dtr_state(self) -> None:
                pass

            def _update_rts_state(self) -> None:
                pass

        self._serial = PtyPort(pty.path, timeout=0.02)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"rfc2217://127.0.0.1:{self.listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._conn: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._threads.append(threading.Thread(target=self._serve, daemon=True))
        self._threads[0].start()

    def _serve(self) -> None:
        from serial import rfc2217

        self.listener.settimeout(WAIT_S)
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self._conn = conn
        lock = threading.Lock()

        class Connection:
            def write(self, data: bytes) -> None:
                with lock:
                    conn.sendall(data)

        manager = rfc2217.PortManager(self._serial, Connection())  # type: ignore[arg-type]  # the stubs are too narrow
        to_client = threading.Thread(target=self._pump_serial, args=(manager, Connection()), daemon=True)
        to_client.start()
        self._threads.append(to_client)
        conn.settimeout(0.05)
        while not self._stop.is_set():
            try:
                data = conn.recv(1024)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            self._serial.write(b"".join(manager.filter(data)))

    def _pump_serial(self, manager: object, connection: object) -> None:
        while not self._stop.is_set():
            data = self._serial.read(self._serial.in_waiting or 1)
            if data:
                connection.write(b"".join(manager.escape(data)))  # type: ignore[attr-defined]

    def close(self) -> None:
        self._stop.set()
        if self._conn is not None:
            self._conn.close()
        self.listener.close()
        for thread in self._threads:
            thread.join(WAIT_S)
        self._serial.close()
