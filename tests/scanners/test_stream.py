"""Serial scanners through real ptys (os.openpty, socat) and socket scanners through loopback TCP."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
import serial
from serial.tools.list_ports_common import ListPortInfo

from scanstation.config import ScannerConfig
from scanstation.domain import ScannerState
from scanstation.scanners import StreamSource, build_sources, stop_all
from scanstation.scanners.ports import PortInfo
from scanstation.scanners.stream import backoff
from tests.scanners.conftest import (
    Pty,
    Recorder,
    Rfc2217Server,
    Socat,
    TcpScanner,
    fds_open_on,
    serial_config,
)
from tests.waiting import wait_until

UPS = "1Z3F141E8695861181"
USPS = "9400111899223100012345"


@pytest.fixture
def sources() -> Iterator[list[StreamSource]]:
    """Sources a test started; stopped at the end even when the test fails."""
    started: list[StreamSource] = []
    yield started
    for source in started:
        source.stop()


def start(sources: list[StreamSource], config: ScannerConfig, recorder: Recorder, **kwargs: object) -> StreamSource:
    source = StreamSource(config, **kwargs)  # type: ignore[arg-type]
    sources.append(source)
    source.start(recorder.on_scan, recorder.on_status)
    return source


def test_pty_scans_are_framed_named_and_timed(pty: Pty, recorder: Recorder, sources: list[StreamSource]) -> None:
    start(sources, serial_config(pty.path, baudrate=115200), recorder)
    status = recorder.wait_state(ScannerState.CONNECTED)
    assert status.device == pty.path
    assert status.name == "dock-1"
    before = time.time()
    pty.write(UPS.encode() + b"\r")
    assert recorder.wait_scans(1) == [UPS]
    scan = recorder.scans[0]
    assert scan.scanner == "dock-1"
    assert scan.at.tzinfo is not None
    assert scan.at.timestamp() >= before - 0.001


def test_two_scans_in_one_write_and_one_scan_split_across_writes(
    pty: Pty, recorder: Recorder, sources: list[StreamSource]
) -> None:
    start(sources, serial_config(pty.path), recorder)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(f"{UPS}\r{USPS}\r".encode())
    assert recorder.wait_scans(2) == [UPS, USPS]
    pty.write(b"1Z3F14")
    wait_until(lambda: sources[0].decoder.pending == 6, what="the first half to be read")
    pty.write(b"1E8695861181\r")
    assert recorder.wait_scans(3) == [UPS, USPS, UPS]


def test_stx_etx_framing_over_a_pty(pty: Pty, recorder: Recorder, sources: list[StreamSource]) -> None:
    start(sources, serial_config(pty.path, terminator="ETX", stx_prefix=True), recorder)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(f"\x02]C0{UPS}\x03\x02{USPS}\x03".encode())
    assert recorder.wait_scans(2) == [f"]C0{UPS}", USPS]


def test_idle_gap_ends_a_scan_without_terminator(pty: Pty, recorder: Recorder, sources: list[StreamSource]) -> None:
    start(sources, serial_config(pty.path, terminator="NONE", idle_gap_ms=30), recorder)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(UPS.encode())
    assert recorder.wait_scans(1) == [UPS]
    pty.write(USPS.encode())
    assert recorder.wait_scans(2) == [UPS, USPS]


def test_garbage_is_delivered_as_reads_and_never_stops_the_reader(
    pty: Pty, recorder: Recorder, sources: list[StreamSource]
) -> None:
    source = start(sources, serial_config(pty.path, max_scan_bytes=8192), recorder)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(b"\x00\x01\xff\xfe\xc3(\x00\r")
    assert recorder.wait_scans(1) == ["\x00\x01\ufffd\ufffd\ufffd(\x00"]
    # 64 KB of binary noise without a terminator: one overflow read, the buffer stays bounded.
    noise = bytes(b for b in range(256) if b != 0x0D) * 260
    pty.write(noise[:65536])
    raws = recorder.wait_scans(2)
    assert len(raws[1]) == 8192
    assert recorder.scans[1].incomplete, "an overflow read is marked incomplete, so it is never matched"
    assert not recorder.scans[0].incomplete
    wait_until(lambda: source.decoder.dropped_bytes == 65536 - 8192, what="the rest of the noise to be dropped")
    assert source.decoder.pending == 0
    # The noise's tail ends at the next terminator; the good scan after it arrives intact.
    pty.write(f"tail\r{UPS}\r".encode())
    assert recorder.wait_scans(3)[2] == UPS
    assert source.status.state is ScannerState.CONNECTED


def test_an_observer_that_raises_does_not_kill_the_reader(
    pty: Pty, recorder: Recorder, sources: list[StreamSource]
) -> None:
    def explode(scan: object) -> None:
        recorder.on_scan(scan)  # type: ignore[arg-type]
        raise RuntimeError("observer bug")

    source = StreamSource(serial_config(pty.path))
    sources.append(source)
    source.start(explode, recorder.on_status)
    recorder.wait_state(ScannerState.CONNECTED)
    pty.write(f"{UPS}\r{USPS}\r".encode())
    assert recorder.wait_scans(2) == [UPS, USPS]


def test_several_scanners_at_once_each_named(
    pty_factory: Callable[[], Pty], recorder: Recorder, sources: list[StreamSource]
) -> None:
    a, b = pty_factory(), pty_factory()
    start(sources, serial_config(a.path, name="left"), recorder)
    start(sources, serial_config(b.path, name="right"), recorder)
    wait_until(lambda: all(s.status.state is ScannerState.CONNECTED for s in sources), what="both connected")
    a.write(f"{UPS}\r".encode())
    b.write(f"{USPS}\r".encode())
    recorder.wait_scans(2)
    assert sorted((s.scanner, s.raw) for s in recorder.scans) == [("left", UPS), ("right", USPS)]


def test_unplugging_reports_disconnected_and_closes_the_port_at_once(
    pty: Pty, recorder: Recorder, sources: list[StreamSource]
) -> None:
    path = pty.path
    start(sources, serial_config(path), recorder)
    recorder.wait_state(ScannerState.CONNECTED)
    assert len(fds_open_on(path)) == 2  # the test's own slave fd and the source's
    pty.write(b"1Z3F")  # a read cut short by the unplug
    wait_until(lambda: sources[0].decoder.pending == 4, what="the partial read")
    pty.unplug()
    status = recorder.wait_state(ScannerState.DISCONNECTED)
    assert status.device == path
    assert "lost" in status.message
    assert fds_open_on(path) == []
    # The partial read is not lost: it is delivered (and will be logged as invalid).
    assert recorder.raws() == ["1Z3F"]


def test_replugged_scanner_behind_a_symlink_is_open_again_within_2_s(
    socat: Socat, recorder: Recorder, sources: list[StreamSource]
) -> None:
    first = socat.start()
    start(sources, serial_config(str(socat.link)), recorder)
    recorder.wait_state(ScannerState.CONNECTED)
    socat.write(f"{UPS}\r".encode())
    recorder.wait_scans(1)
    socat.stop()
    lost_at = len(recorder.statuses)
    recorder.wait_state(ScannerState.DISCONNECTED, after=lost_at - 1)
    assert fds_open_on(first) == []
    # Hold a pty so that the scanner comes back as another device node.
    blocker = Pty()
    try:
        second = socat.start()
        plugged_at = time.monotonic()
        status = recorder.wait_state(ScannerState.CONNECTED, after=lost_at)
        assert time.monotonic() - plugged_at < 2.0
        assert second != first
        assert status.device == str(socat.link)
        socat.write(f"{USPS}\r".encode())
        assert recorder.wait_scans(2) == [UPS, USPS]
    finally:
        blocker.close()


class FakeUsbBus:
    """What list_ports would report for one USB scanner: its current device node, if plugged in.

    Built from pyserial's own ListPortInfo, pointing at socat's real pty (there is no USB device in CI).
    """

    def __init__(self, socat: Socat) -> None:
        self._socat = socat
        self.calls = 0

    def __call__(self) -> list[PortInfo]:
        self.calls += 1
        other = ListPortInfo("/dev/ttyS0", skip_link_detection=True)
        if not self._socat.link.exists():
            return [other]
        info = ListPortInfo(os.path.realpath(self._socat.link), skip_link_detection=True)
        info.vid, info.pid, info.serial_number, info.location = 0x0C2E, 0x0B61, "17273B0245", "1-1.4:1.0"
        info.apply_usb_info()
        return [other, info]


def test_usb_match_finds_the_scanner_again_under_a_new_device_node(
    socat: Socat, recorder: Recorder, sources: list[StreamSource]
) -> None:
    bus = FakeUsbBus(socat)
    config = ScannerConfig(name="usb", type="serial", usb_vid=0x0C2E, usb_pid=0x0B61, usb_serial="17273B0245")
    first = socat.start()
    start(sources, config, recorder, list_ports=bus)
    assert recorder.wait_state(ScannerState.CONNECTED).device == first
    socat.stop()
    lost_at = len(recorder.statuses)
    recorder.wait_state(ScannerState.DISCONNECTED, after=lost_at - 1)
    blocker = Pty()
    try:
        second = socat.start()
        plugged_at = time.monotonic()
        status = recorder.wait_state(ScannerState.CONNECTED, after=lost_at)
        assert time.monotonic() - plugged_at < 2.0
        assert second != first
        assert status.device == second
        socat.write(f"{UPS}\r".encode())
        assert recorder.wait_scans(1) == [UPS]
    finally:
        blocker.close()


def test_no_usb_match_says_so_and_names_the_ports_command(recorder: Recorder, sources: list[StreamSource]) -> None:
    config = ScannerConfig(name="usb", type="serial", usb_vid=0x0C2E, usb_pid=0x0B61)
    start(sources, config, recorder, list_ports=lambda: [ListPortInfo("/dev/ttyS0", skip_link_detection=True)])
    status = recorder.wait_state(ScannerState.ERROR)
    assert status.message == (
        "no serial port matches USB 0c2e:0b61: is the scanner plugged in? "
        "`scanstation ports` lists the serial ports this machine has"
    )


def test_two_usb_matches_are_refused_rather_than_guessed(recorder: Recorder, sources: list[StreamSource]) -> None:
    def two() -> list[PortInfo]:
        ports: list[PortInfo] = []
        for device in ("/dev/ttyACM0", "/dev/ttyACM1"):
            info = ListPortInfo(device, skip_link_detection=True)
            info.vid, info.pid = 0x0C2E, 0x0B61
            ports.append(info)
        return ports

    start(sources, ScannerConfig(name="usb", type="serial", usb_vid=0x0C2E), recorder, list_ports=two)
    status = recorder.wait_state(ScannerState.ERROR)
    assert "2 serial ports match USB 0c2e:*" in status.message
    assert "/dev/ttyACM0, /dev/ttyACM1" in status.message


def test_missing_port_is_explained_and_found_when_it_appears(
    socat: Socat, recorder: Recorder, sources: list[StreamSource]
) -> None:
    start(sources, serial_config(str(socat.link)), recorder)
    status = recorder.wait_state(ScannerState.ERROR)
    assert status.message == (
        f"{socat.link} does not exist: is the scanner plugged in? "
        "`scanstation ports` lists the serial ports this machine has"
    )
    socat.start()
    recorder.wait_state(ScannerState.CONNECTED)


def test_port_in_use_is_explained_and_opened_once_free(
    pty: Pty, recorder: Recorder, sources: list[StreamSource]
) -> None:
    holder = serial.Serial(pty.path, exclusive=True)
    try:
        start(sources, serial_config(pty.path), recorder)
        status = recorder.wait_state(ScannerState.ERROR)
        assert status.message.startswith(f"{pty.path} is in use by another program")
    finally:
        holder.close()
    recorder.wait_state(ScannerState.CONNECTED)
    # While the station holds it, nobody else gets it.
    with pytest.raises(serial.SerialException, match="lock"):
        serial.Serial(pty.path, exclusive=True)


def test_stop_closes_the_port_and_reports_stopped(pty: Pty, recorder: Recorder) -> None:
    source = StreamSource(serial_config(pty.path))
    source.start(recorder.on_scan, recorder.on_status)
    recorder.wait_state(ScannerState.CONNECTED)
    source.stop()
    assert recorder.statuses[-1].state is ScannerState.STOPPED
    assert source.status.state is ScannerState.STOPPED
    assert len(fds_open_on(pty.path)) == 1  # only the test's own slave fd is left


def test_socket_scanner_reads_frames_and_survives_a_dropped_connection(
    tcp_scanner: TcpScanner, recorder: Recorder, sources: list[StreamSource]
) -> None:
    config = ScannerConfig(name="conveyor", type="socket", url=tcp_scanner.url, terminator="CRLF")
    start(sources, config, recorder)
    tcp_scanner.accept()
    assert recorder.wait_state(ScannerState.CONNECTED).device == tcp_scanner.url
    tcp_scanner.send(f"{UPS}\r\n{USPS}".encode())
    tcp_scanner.send(b"\r\n")
    assert recorder.wait_scans(2) == [UPS, USPS]
    assert {s.scanner for s in recorder.scans} == {"conveyor"}
    lost_at = len(recorder.statuses)
    tcp_scanner.drop()  # EOF on the socket
    assert "lost" in recorder.wait_state(ScannerState.DISCONNECTED, after=lost_at).message
    tcp_scanner.accept()  # the source reconnects on its own
    recorder.wait_state(ScannerState.CONNECTED, after=lost_at)
    tcp_scanner.send(f"{UPS}\r\n".encode())
    assert recorder.wait_scans(3) == [UPS, USPS, UPS]


def test_socket_refused_is_explained(tcp_scanner: TcpScanner, recorder: Recorder, sources: list[StreamSource]) -> None:
    url = tcp_scanner.url
    tcp_scanner.close()  # nobody listens on that port any more
    start(sources, ScannerConfig(name="conveyor", type="socket", url=url), recorder)
    status = recorder.wait_state(ScannerState.ERROR)
    assert status.message.startswith(f"cannot connect to 127.0.0.1:{tcp_scanner.port}: connection refused")


def test_backoff_doubles_up_to_the_cap() -> None:
    delays = backoff(0.1, 1.0)
    assert [round(next(delays), 3) for _ in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert next(backoff(0.1, 0.05)) == 0.05


def test_build_sources_takes_enabled_serial_and_socket_scanners() -> None:
    configs = [
        ScannerConfig(name="a", type="serial", port="/dev/ttyACM0"),
        ScannerConfig(name="b", type="socket", url="socket://127.0.0.1:2001"),
        ScannerConfig(name="c", type="wedge"),
        replace(ScannerConfig(name="d", type="serial", port="/dev/ttyACM1"), enabled=False),
    ]
    built = build_sources(configs)
    assert [s.name for s in built] == ["a", "b"]
    assert all(s.status.state is ScannerState.STOPPED for s in built)


# pyserial 3.5's rfc2217 client calls Thread.setDaemon() and setName(), deprecated since Python 3.10.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:serial.rfc2217")
def test_rfc2217_scanner_through_a_loopback_server(pty: Pty, recorder: Recorder, sources: list[StreamSource]) -> None:
    server = Rfc2217Server(pty)
    try:
        config = ScannerConfig(name="bench-net", type="socket", url=server.url, baudrate=115200)
        start(sources, config, recorder)
        assert recorder.wait_state(ScannerState.CONNECTED).device == server.url
        pty.write(f"{UPS}\r{USPS}\r".encode())
        assert recorder.wait_scans(2) == [UPS, USPS]
    finally:
        sources[0].stop()
        server.close()


def test_stop_all_stops_every_source_and_closes_every_port(
    pty_factory: Callable[[], Pty], tcp_scanner: TcpScanner, recorder: Recorder
) -> None:
    ptys = [pty_factory() for _ in range(3)]
    sources = [StreamSource(serial_config(p.path, name=f"s{i}")) for i, p in enumerate(ptys)]
    sources.append(StreamSource(ScannerConfig(name="net", type="socket", url=tcp_scanner.url)))
    for source in sources:
        source.start(recorder.on_scan, recorder.on_status)
    tcp_scanner.accept()
    wait_until(lambda: all(s.status.state is ScannerState.CONNECTED for s in sources), what="all connected")
    ptys[0].write(b"1Z3F")  # pending when the station stops: delivered, not lost
    wait_until(lambda: sources[0].decoder.pending == 4, what="the partial read")
    stop_all(sources)
    assert all(s.status.state is ScannerState.STOPPED for s in sources)
    assert all(len(fds_open_on(p.path)) == 1 for p in ptys)
    assert recorder.raws() == ["1Z3F"]
