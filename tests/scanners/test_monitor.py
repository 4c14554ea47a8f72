"""The live view of a port: control characters shown, each read explained, taps and monitors on real ptys."""

from __future__ import annotations

import grp
import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from serial.tools.list_ports_common import ListPortInfo

from scanstation.commands.ports import watch
from scanstation.config import ScannerConfig
from scanstation.domain import ScannerState, ScannerStatus, new_badge_secret
from scanstation.scanners import MonitorEvent, PortMonitor, StreamSource, explain_read, visible_controls
from scanstation.scanners.framing import FrameEnd
from scanstation.scanners.ports import PortInfo, PortRow, PortWatcher
from scanstation.scanners.stream import explain_open_error
from tests.scanners.conftest import WAIT_S, Pty, Recorder, Socat, serial_config
from tests.waiting import wait_until

UPS = "1Z3F141E8695861181"
GS1 = "]C142078745\x1d9400111899223100012345"  # GS1-128: ship-to ZIP (420) then the USPS PIC
MAXICODE = "[)>\x1e01\x1d96841706672\x1d840\x1d001\x1d1Z12345675\x1dUPSN\x1d12345E\x1d089\x1d\x1e\x04"


class Taps:
    """What a tap or a monitor saw, from the reader thread."""

    def __init__(self) -> None:
        self.events: list[MonitorEvent] = []
        self.statuses: list[ScannerStatus] = []
        self._cond = threading.Condition()

    def on_event(self, event: MonitorEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def on_status(self, status: ScannerStatus) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    def reads(self, count: int) -> list[MonitorEvent]:
        def got() -> list[MonitorEvent]:
            return [e for e in self.events if e.frame_raw is not None]

        with self._cond:
            if not self._cond.wait_for(lambda: len(got()) >= count, WAIT_S):
                raise AssertionError(f"timed out waiting for {count} reads; saw {self.events}")
            return got()

    def wait_state(self, state: ScannerState) -> ScannerStatus:
        with self._cond:
            if not self._cond.wait_for(lambda: any(s.state is state for s in self.statuses), WAIT_S):
                raise AssertionError(f"timed out waiting for {state}; saw {self.statuses}")
            return next(s for s in self.statuses if s.state is state)

    def bytes_seen(self) -> bytes:
        with self._cond:
            return b"".join(e.chunk for e in self.events if e.chunk is not None)


@pytest.fixture
def source_of(pty: Pty) -> Iterator[StreamSource]:
    source = StreamSource(serial_config(pty.path))
    yield source
    source.stop()


# -- words -------------------------------------------------------------------------------------


def test_control_characters_are_spelled_out_and_text_stays_as_it_is() -> None:
    assert visible_controls(GS1 + "\r") == "]C142078745<GS>9400111899223100012345<CR>"
    assert visible_controls(MAXICODE.encode()).startswith("[)><RS>01<GS>")
    assert visible_controls(MAXICODE).endswith("<GS><RS><EOT>")
    assert visible_controls(b"\x02x\x03\t\n\x00\x1b\x1c\x7f") == "<STX>x<ETX><TAB><LF><NUL><ESC><0x1C><DEL>"
    assert visible_controls(b"ok\xff\xfe") == "ok<0xFF><0xFE>"
    assert visible_controls("Ж\u0085") == "Ж<U+0085>"
    assert visible_controls("]C1") == "]C1"


def test_a_read_is_explained_as_the_receiver_reads_it() -> None:
    ups = explain_read(f"]C0{UPS}")
    assert (ups.carrier, ups.tracking_number, ups.aim, ups.symbology) == ("ups", UPS, "]C0", "Code 128")
    assert UPS in ups.keys
    assert ups.why_none is None
    assert ups.summary.startswith(f"UPS {UPS} (")
    gs1 = explain_read(GS1)
    assert (gs1.carrier, gs1.tracking_number, gs1.aim) == ("usps", "9400111899223100012345", "]C1")
    assert gs1.shown == "]C142078745<GS>9400111899223100012345"
    maxi = explain_read(MAXICODE)
    assert maxi.carrier == "ups"
    assert maxi.tracking_number is not None and maxi.tracking_number.startswith("1Z")


def test_why_none_is_said_in_words() -> None:
    nothing = explain_read("hello world")
    assert nothing.keys == ()
    assert nothing.why_none == "no tracking number recognised"
    assert nothing.summary == "no tracking number recognised"
    product = explain_read("]E04006381333931")
    assert product.why_none is not None and "product barcode" in product.why_none
    cut = explain_read(UPS, end=FrameEnd.STALE)
    assert cut.incomplete
    assert cut.tracking_number == UPS  # what it would have been, shown beside why it is not matched
    assert cut.why_none is not None and cut.why_none.startswith("incomplete read (no terminator came")
    assert "not matched: incomplete read" in cut.summary
    badge = explain_read(new_badge_secret())
    assert badge.why_none is not None and "badge" in badge.why_none
    assert not explain_read(UPS, end=FrameEnd.TERMINATOR).incomplete


def test_fnc1_substitutes_are_the_receivers() -> None:
    piped = "42078745~9400111899223100012345"
    assert explain_read(piped).keys == ()
    assert explain_read(piped, ["~"]).tracking_number == "9400111899223100012345"


# -- taps on a running scanner -----------------------------------------------------------------


def test_a_tap_sees_the_bytes_and_each_read_while_scans_still_go_to_the_receiver(
    pty: Pty, recorder: Recorder, source_of: StreamSource
) -> None:
    taps = Taps()
    source_of.add_tap(taps.on_event)
    source_of.start(recorder.on_scan, recorder.on_status)
    recorder.wait_state(ScannerState.CONNECTED)
    sent = (GS1 + "\r" + MAXICODE + "\r").encode()
    pty.write(sent)
    assert recorder.wait_scans(2) == [GS1, MAXICODE]
    first, second = taps.reads(2)
    wait_until(lambda: taps.bytes_seen() == sent, what="every byte in the tap's chunks")
    assert visible_controls(taps.bytes_seen()).endswith("<GS><RS><EOT><CR>")
    assert first.frame_raw == GS1 and first.complete and first.frame_data == GS1.encode()
    assert first.explanation is not None and first.explanation.aim == "]C1"
    assert first.explanation.tracking_number == "9400111899223100012345"
    assert second.explanation is not None and second.explanation.shown.endswith("<GS><RS><EOT>")
    assert second.explanation.carrier == "ups"


def test_a_failing_tap_is_logged_and_the_scans_go_on_and_a_removed_tap_hears_nothing(
    pty: Pty, recorder: Recorder, source_of: StreamSource, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: MonitorEvent) -> None:
        raise RuntimeError("tap bug")

    source_of.add_tap(broken)
    taps = Taps()
    remove = source_of.add_tap(taps.on_event)
    source_of.start(recorder.on_scan, recorder.on_status)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(f"{UPS}\r".encode())
    assert recorder.wait_scans(1) == [UPS]
    taps.reads(1)
    assert "dock-1 tap observer failed" in caplog.text
    remove()
    seen = len(taps.events)
    pty.write(f"{UPS}\r".encode())
    assert recorder.wait_scans(2) == [UPS, UPS]
    assert len(taps.events) == seen


# -- a monitor of a port no scanner holds ------------------------------------------------------


def test_a_monitor_shows_a_socat_scanners_reads_and_receives_none(socat: Socat) -> None:
    socat.start()
    taps = Taps()
    monitor = PortMonitor(serial_config(str(socat.link), name="live"), taps.on_event, taps.on_status)
    monitor.start()
    try:
        assert taps.wait_state(ScannerState.CONNECTED).name == "live"
        socat.write((GS1 + "\r").encode())
        socat.write(UPS.encode())  # a scanner set to send no suffix: the read is cut, incomplete
        read, cut = taps.reads(2)
        assert read.complete and read.explanation is not None and read.explanation.aim == "]C1"
        assert not cut.complete and cut.explanation is not None and cut.explanation.incomplete
        assert "no terminator came" in cut.explanation.summary
        assert visible_controls(taps.bytes_seen()) == f"{visible_controls(GS1)}<CR>{UPS}"
    finally:
        monitor.stop()
    assert monitor.status.state is ScannerState.STOPPED


def test_a_monitor_of_a_port_a_scanner_of_this_station_reads_says_so(
    pty: Pty, recorder: Recorder, source_of: StreamSource
) -> None:
    source_of.start(recorder.on_scan, recorder.on_status)
    recorder.wait_state(ScannerState.CONNECTED)
    taps = Taps()
    monitor = PortMonitor(serial_config(pty.path), taps.on_event, taps.on_status)
    monitor.start()
    try:
        message = taps.wait_state(ScannerState.ERROR).message
    finally:
        monitor.stop()
    assert message == (
        f"{pty.path} is in use by another program: this station holds it itself "
        "(a running scanner reads it: watch that scanner instead)"
    )


# -- last errors in words ----------------------------------------------------------------------


def test_a_port_held_by_another_program_names_it(pty: Pty, recorder: Recorder) -> None:
    hold = (
        "import fcntl, os, sys\n"
        f"fd = os.open({pty.path!r}, os.O_RDWR | os.O_NOCTTY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        source = StreamSource(serial_config(pty.path))
        source.start(recorder.on_scan, recorder.on_status)
        try:
            message = recorder.wait_state(ScannerState.ERROR).message
        finally:
            source.stop()
    finally:
        holder.communicate("")
    assert message.startswith(f"{pty.path} is in use by another program: held by python")
    assert f"pid {holder.pid}: close that program" in message


def test_no_permission_names_the_group_to_join(pty: Pty) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to become a user without the pty's group")
    # As a USB serial adapter's node is made: root:dialout, mode 660.
    os.chown(pty.path, 0, grp.getgrnam("dialout").gr_gid)
    os.chmod(pty.path, 0o660)
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: a user who is not in the pty's group tries the port as the station would
        try:
            os.setgid(65534)
            os.setgroups([])
            os.setuid(65534)
            try:
                serial.Serial(pty.path)
                words = "opened"
            except serial.SerialException as exc:
                words = explain_open_error(pty.path, exc, is_socket=False).message
            os.write(write_end, words.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        words = answer.read().decode()
    os.waitpid(child, 0)
    assert words == (
        f"no permission to open {pty.path} (it belongs to the group 'dialout'): add the station's user to it "
        "(sudo usermod -aG dialout $USER) and log in again"
    )


def test_missing_and_refused_are_said_with_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "ttyUSB9"
    with pytest.raises(serial.SerialException) as gone:
        serial.Serial(str(missing))
    assert explain_open_error(str(missing), gone.value, is_socket=False).message == (
        f"{missing} does not exist: is the scanner plugged in? `scanstation ports` lists the serial ports this "
        "machine has"
    )
    import socket

    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    url = f"socket://127.0.0.1:{port}"
    with pytest.raises(serial.SerialException) as refused:
        serial.serial_for_url(url)
    assert explain_open_error(url, refused.value, is_socket=True).message == (
        f"cannot connect to 127.0.0.1:{port}: connection refused: is the scanner on and listening on that "
        "port? Check the url of the scanner's block"
    )


# -- plug and unplug ---------------------------------------------------------------------------


class Changes:
    def __init__(self) -> None:
        self.seen: list[list[PortRow]] = []
        self._cond = threading.Condition()

    def on_change(self, rows: list[PortRow]) -> None:
        with self._cond:
            self.seen.append(rows)
            self._cond.notify_all()

    def wait_for(self, devices: list[str]) -> None:
        def now() -> list[str]:
            return [r.device for r in self.seen[-1]] if self.seen else []

        with self._cond:
            if not self._cond.wait_for(lambda: now() == devices, WAIT_S):
                raise AssertionError(f"timed out waiting for ports {devices}; saw {self.seen}")


def test_the_watcher_sees_a_socat_device_plugged_in_and_pulled_out(socat: Socat, tmp_path: Path) -> None:
    def ports_in_tmp() -> list[PortInfo]:
        # Like pyserial's /dev glob, over the test's own directory (socat's links are not in /dev).
        return [ListPortInfo(str(p)) for p in sorted(tmp_path.glob("scanner*"))]

    changes = Changes()
    watcher = PortWatcher(changes.on_change, interval_s=0.05, list_ports=ports_in_tmp)
    watcher.start()
    try:
        changes.wait_for([])
        device = socat.start()
        changes.wait_for([str(socat.link)])
        row = changes.seen[-1][0]
        assert row.description == f"link to {device}"
        socat.stop()
        changes.wait_for([])
        assert len(changes.seen) == 3  # the first look, the plug, the unplug: no repeats in between
    finally:
        watcher.stop()
    assert watcher.rows == []


def test_a_failing_lister_is_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def flaky() -> list[PortInfo]:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("sysfs is busy")
        return [ListPortInfo("/dev/ttyS0", skip_link_detection=True)]

    changes = Changes()
    watcher = PortWatcher(changes.on_change, interval_s=0.02, list_ports=flaky)
    watcher.start()
    try:
        changes.wait_for(["/dev/ttyS0"])
    finally:
        watcher.stop()
    assert "listing the serial ports failed" in caplog.text


def test_build_config_of_a_monitor_is_a_serial_or_socket_scanner() -> None:
    with pytest.raises(ValueError, match="not serial or socket"):
        PortMonitor(ScannerConfig(name="w", type="wedge"), lambda e: None, lambda s: None)


def test_ports_watch_prints_a_line_per_port_plugged_in_and_pulled_out(socat: Socat, tmp_path: Path) -> None:
    out = Lines()
    stop = threading.Event()

    def ports_in_tmp() -> list[PortInfo]:
        return [ListPortInfo(str(p)) for p in sorted(tmp_path.glob("scanner*"))]

    thread = threading.Thread(target=watch, args=(out, stop, ports_in_tmp, 0.05))
    thread.start()
    try:
        out.wait_for("Watching for ports")
        assert out.text().startswith("No serial ports found.")
        device = socat.start()
        out.wait_for(f"plugged in: {socat.link}  link to {device}\n")
        socat.stop()
        out.wait_for(f"pulled out: {socat.link}\n")
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()


class Lines(io.StringIO):
    """Output written by another thread; the test waits for a line to appear in it."""

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()

    def write(self, text: str) -> int:
        with self._cond:
            written = super().write(text)
            self._cond.notify_all()
            return written

    def text(self) -> str:
        with self._cond:
            return self.getvalue()

    def wait_for(self, piece: str) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: piece in self.getvalue(), WAIT_S):
                raise AssertionError(f"timed out waiting for {piece!r}; got {self.getvalue()!r}")


def test_a_badge_read_cut_short_is_never_written_to_the_log(
    pty: Pty, recorder: Recorder, source_of: StreamSource, caplog: pytest.LogCaptureFixture
) -> None:
    # An unterminated read is logged byte for byte, except a badge: its text would log its holder in.
    source_of.start(recorder.on_scan, recorder.on_status)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(b"\xffjunk")  # goes stale: logged, as the bytes came
    assert recorder.wait_scans(1)[0].endswith("junk")
    secret = new_badge_secret()
    pty.write(secret.encode())  # no suffix: goes stale too
    assert recorder.wait_scans(2)[1] == secret
    assert "ff 6a 75 6e 6b" in caplog.text
    assert secret not in caplog.text and secret.encode().hex(" ")[:20] not in caplog.text
