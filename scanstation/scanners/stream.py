"""Serial and socket scanners (pyserial): one reader thread each, framing, unplug and re-plug."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final, Protocol, cast
from urllib.parse import urlsplit

from scanstation.config import ScannerConfig
from scanstation.domain import Scan, ScannerState, ScannerStatus, is_badge
from scanstation.scanners.base import ScanCallback, StatusCallback, call_safely
from scanstation.scanners.framing import Frame, FrameDecoder
from scanstation.scanners.monitor import MonitorCallback, MonitorEvent, explain_read
from scanstation.scanners.ports import (
    PORTS_HINT,
    PortLister,
    matching_ports,
    system_ports,
    usb_match_text,
    uses_usb_match,
)

log = logging.getLogger(__name__)

FIRST_RETRY_S: Final = 0.1
# One read waits at most this long, so stop() and idle gaps are noticed quickly.
MAX_READ_WAIT_S: Final = 0.05
# Bytes taken from the port per pass; with max_scan_bytes this bounds the decoder's buffer.
READ_CHUNK: Final = 65536
STOP_JOIN_S: Final = 1.0

_MISSING_ERRNOS: Final = {errno.ENOENT, errno.ENODEV, errno.ENXIO}
_BUSY_ERRNOS: Final = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}


class _Port(Protocol):
    """What the reader uses of a pyserial port (Serial, socket:// and rfc2217:// all have it)."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


def backoff(first: float, cap: float) -> Iterator[float]:
    """Retry delays: doubling from `first`, never above `cap`."""
    delay = min(first, cap)
    while True:
        yield delay
        delay = min(delay * 2, cap)


class PortOpenError(Exception):
    """A port that cannot be opened now, in words for an admin; `missing` means it may come back."""

    def __init__(self, message: str, device: str | None, *, missing: bool) -> None:
        super().__init__(message)
        self.message = message
        self.device = device
        self.missing = missing


def _errno_of(exc: BaseException) -> int | None:
    """The OS error number behind a SerialException (pyserial sets it, or chains the OSError)."""
    seen: BaseException | None = exc
    while seen is not None:
        number = getattr(seen, "errno", None)
        if isinstance(number, int):
            return number
        seen = seen.__cause__ or seen.__context__
    return None


def holders_of(device: str) -> list[tuple[int, str]]:
    """Processes (pid, command name) with `device` open, as far as /proc lets this user see (Linux only)."""
    try:
        real = os.path.realpath(device)
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []
    found = []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == real for fd in fds):
                found.append((int(pid), Path(f"/proc/{pid}/comm").read_text().strip()))
        except OSError:
            continue  # gone meanwhile, or another user's process
    return found


# Devices the readers of this process have open now: a monitor refused such a port is told to watch the scanner.
_OPEN_HERE: set[str] = set()
_OPEN_HERE_LOCK: Final = threading.Lock()


def _holder_words(device: str) -> str:
    real = os.path.realpath(device)
    with _OPEN_HERE_LOCK:
        here = real in _OPEN_HERE
    if here:
        return "this station holds it itself (a running scanner reads it: watch that scanner instead)"
    own = os.getpid()
    holders = [(pid, name) for pid, name in holders_of(device) if pid != own]
    if holders:
        named = ", ".join(f"{name} pid {pid}" for pid, name in holders[:3])
        return f"held by {named}: close that program, or set the other station to another port"
    return "a terminal program, ModemManager or a second station? close it and the station takes the port"


def _permission_words(device: str) -> str:
    try:
        import grp  # Unix only; elsewhere the usual group's name is the advice

        info = os.stat(device)
        group = grp.getgrgid(info.st_gid).gr_name
    except (ImportError, OSError, KeyError):
        return f"no permission to open {device}: add the station's user to the 'dialout' group and log in again"
    if info.st_gid != 0 and info.st_mode & 0o060 == 0o060:
        return (
            f"no permission to open {device} (it belongs to the group {group!r}): add the station's user to it "
            f"(sudo usermod -aG {group} $USER) and log in again"
        )
    # No group may open it: joining a group would not help; the device node's own mode must change.
    return (
        f"no permission to open {device} (mode {info.st_mode & 0o777:o}, group {group!r}): give serial devices "
        "the group 'dialout' and mode 660 (a udev rule), put the station's user in 'dialout' and log in again"
    )


def explain_open_error(target: str, exc: BaseException, *, is_socket: bool) -> PortOpenError:
    """Turn pyserial's open failure into a sentence an admin can act on."""
    number = _errno_of(exc)
    if is_socket:
        where = urlsplit(target).netloc or target
        if number == errno.ECONNREFUSED:
            return PortOpenError(
                f"cannot connect to {where}: connection refused: is the scanner on and listening on that port? "
                "Check the url of the scanner's block",
                target,
                missing=True,
            )
        if number in (errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH):
            return PortOpenError(
                f"cannot connect to {where}: no answer: is the scanner on, and on this network?", target, missing=True
            )
        reason = getattr(exc.__context__, "strerror", None) or str(exc)
        return PortOpenError(f"cannot connect to {where}: {reason}", target, missing=True)
    if number in _MISSING_ERRNOS:
        return PortOpenError(f"{target} does not exist: is the scanner plugged in? {PORTS_HINT}", target, missing=True)
    if number in _BUSY_ERRNOS or "exclusively lock" in str(exc):
        return PortOpenError(
            f"{target} is in use by another program: {_holder_words(target)}",
            target,
            missing=False,
        )
    if number in (errno.EACCES, errno.EPERM):
        return PortOpenError(_permission_words(target), target, missing=False)
    return PortOpenError(f"cannot open {target}: {exc}", target, missing=False)


class StreamSource:
    """One serial (device path or USB match) or socket:// / rfc2217:// scanner, read on its own thread.

    Callbacks run on that thread. Losing the device closes the port at once, reports DISCONNECTED and
    retries with back-off capped at `reconnect_max_s`, looking the USB match up again each time.
    """

    def __init__(self, config: ScannerConfig, *, list_ports: PortLister | None = None) -> None:
        if config.type not in ("serial", "socket"):
            raise ValueError(f"scanner {config.name!r} is a {config.type} scanner, not serial or socket")
        self.name: str = config.name
        self._config: ScannerConfig = config
        # The one test seam: where USB matches are looked up (there is no real USB device in CI).
        self._list_ports: PortLister = list_ports or system_ports
        self._is_socket: bool = config.type == "socket"
        self._stop_event: threading.Event = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_scan: ScanCallback | None = None
        self._on_status: StatusCallback | None = None
        self._lock: threading.Lock = threading.Lock()
        self._status: ScannerStatus = ScannerStatus(self.name, ScannerState.STOPPED, "not started", None)
        idle_gap_s = config.idle_gap_ms / 1000
        self._read_wait_s: float = min(MAX_READ_WAIT_S, max(0.005, idle_gap_s / 4))
        # Copied on change and read without the lock: the reader pays nothing when nobody watches.
        self._open_device: str | None = None  # the real path of the serial device open now
        self._taps: tuple[tuple[MonitorCallback, tuple[str, ...]], ...] = ()
        self.decoder: FrameDecoder = FrameDecoder(
            config.terminator,
            stx_prefix=config.stx_prefix,
            idle_gap_s=idle_gap_s,
            max_bytes=config.max_scan_bytes,
        )

    @property
    def status(self) -> ScannerStatus:
        with self._lock:
            return self._status

    def start(self, on_scan: ScanCallback, on_status: StatusCallback) -> None:
        if self._thread is not None:
            raise RuntimeError(f"scanner {self.name!r} is already started")
        self._on_scan = on_scan
        self._on_status = on_status
        self._stop_event.clear()
        self._set_status(ScannerState.CONNECTING, f"opening {self._describe_target()}", None)
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the reader to stop without waiting (stop_all() asks every source first, then waits)."""
        self._stop_event.set()

    def stop(self) -> None:
        """Stop reading and close the port; returns within about a second, after the last callback."""
        thread = self._thread
        if thread is None:
            return
        self._stop_event.set()
        thread.join(STOP_JOIN_S)
        if thread.is_alive():
            # Only a socket connect to an unreachable host blocks this long; it ends on its own timeout.
            # Observers hear nothing from it after stop() returned.
            log.warning("%s: reader still busy opening the port; it will close it when the open returns", self.name)
            self._on_scan = self._on_status = None
            self._set_status(ScannerState.STOPPED, "stopped", None)
        self._thread = None

    # -- reader thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        lost: str | None = None  # why the last open port was lost, while trying to get it back
        delays = backoff(FIRST_RETRY_S, self._config.reconnect_max_s)
        try:
            while not self._stop_event.is_set():
                try:
                    port, device = self._open()
                except PortOpenError as problem:
                    if lost is not None and problem.missing:
                        self._set_status(ScannerState.DISCONNECTED, f"{lost}; {problem.message}", problem.device)
                    else:
                        self._set_status(ScannerState.ERROR, problem.message, problem.device)
                    if self._stop_event.wait(next(delays)):
                        break
                    continue
                delays = backoff(FIRST_RETRY_S, self._config.reconnect_max_s)
                lost = None
                self._set_status(ScannerState.CONNECTED, f"reading {device}", device)
                try:
                    reason = self._pump(port)
                finally:
                    self._close(port)
                left = self.decoder.flush()
                for frame in left:
                    self._deliver(frame)
                if left and self._taps:
                    self._tell_taps(b"", left)
                if reason is None:
                    break
                lost = f"lost {device} ({reason})"
                self._set_status(ScannerState.DISCONNECTED, f"{lost}; reconnecting", device)
        except Exception:
            log.exception("%s: reader crashed", self.name)
            self._set_status(ScannerState.ERROR, "internal error in the scanner reader (see the log)", None)
            return
        self._set_status(ScannerState.STOPPED, "stopped", None)

    def _open(self) -> tuple[_Port, str]:
        import serial

        config = self._config
        target = config.url if self._is_socket else self._resolve_device()
        assert target is not None  # the config loader insists on a url / port / USB match
        try:
            port = serial.serial_for_url(
                target,
                do_not_open=True,
                baudrate=config.baudrate,
                bytesize=config.bytesize,
                parity=config.parity,
                stopbits=config.stopbits,
                timeout=self._read_wait_s,
            )
            if not self._is_socket:
                # flock: a second station or terminal on the same port would steal bytes from scans.
                port.exclusive = True
            port.open()
        except (serial.SerialException, OSError) as exc:
            raise explain_open_error(target, exc, is_socket=self._is_socket) from None
        except Exception as exc:  # e.g. ValueError for settings the port refuses; keep retrying, say why
            log.debug("%s: opening %s failed", self.name, target, exc_info=True)
            raise PortOpenError(f"cannot open {target}: {exc}", target, missing=False) from None
        if not self._is_socket:
            self._open_device = os.path.realpath(target)
            with _OPEN_HERE_LOCK:
                _OPEN_HERE.add(self._open_device)
        return cast(_Port, port), target

    def _resolve_device(self) -> str:
        config = self._config
        if not uses_usb_match(config):
            assert config.port is not None
            return config.port
        try:
            found = matching_ports(self._list_ports(), config)
        except Exception as exc:
            raise PortOpenError(f"cannot list serial ports: {exc}", None, missing=True) from None
        if len(found) == 1:
            return found[0].device
        if len(found) > 1:
            names = ", ".join(p.device for p in found)
            raise PortOpenError(
                f"{len(found)} serial ports match {usb_match_text(config)} ({names}): add usb_serial or "
                f"usb_location to say which one; {PORTS_HINT}",
                None,
                missing=False,
            )
        if config.port is not None:
            return config.port  # no USB match: fall back to the configured path
        raise PortOpenError(
            f"no serial port matches {usb_match_text(config)}: is the scanner plugged in? {PORTS_HINT}",
            None,
            missing=True,
        )

    def _pump(self, port: _Port) -> str | None:
        """Read until stopped (None) or until the port fails (the reason, for the status message)."""
        import serial

        decoder = self.decoder
        while not self._stop_event.is_set():
            try:
                # read(1) waits up to the short timeout for a first byte; then take what is waiting.
                # (readline() would not do: its timeout is per byte and it knows only LF.)
                data = port.read(1)
                if data:
                    waiting = port.in_waiting
                    while waiting and len(data) < READ_CHUNK:
                        data += port.read(min(waiting, READ_CHUNK - len(data)))
                        waiting = port.in_waiting
            except (serial.SerialException, OSError) as exc:
                return str(exc) or type(exc).__name__
            now = time.monotonic()
            frames = decoder.feed(data, now) if data else decoder.tick(now)
            for frame in frames:
                self._deliver(frame)
            if self._taps and (data or frames):
                self._tell_taps(data, frames)
        return None

    def _close(self, port: _Port) -> None:
        try:
            port.close()
        except Exception as exc:  # a vanished device may fail to close; it is gone either way
            log.debug("%s: closing failed: %s", self.name, exc)
        device, self._open_device = self._open_device, None
        if device is not None:
            with _OPEN_HERE_LOCK:
                _OPEN_HERE.discard(device)

    # -- observers -------------------------------------------------------------------------------

    def add_tap(self, callback: MonitorCallback, *, fnc1_substitutes: Sequence[str] = ()) -> Callable[[], None]:
        """Also show every chunk read and every read framed to `callback` (on the reader thread); returns remove.

        The scan callback hears each read first: a tap never delays a scan, and its errors are logged.
        `fnc1_substitutes` are the receiver's, so the explanation is the receiver's reading.
        """
        entry = (callback, tuple(fnc1_substitutes))
        with self._lock:
            self._taps = (*self._taps, entry)

        def remove() -> None:
            with self._lock:
                self._taps = tuple(t for t in self._taps if t is not entry)

        return remove

    def _tell_taps(self, chunk: bytes, frames: Sequence[Frame]) -> None:
        at = time.time()
        for callback, fnc1 in self._taps:
            if chunk:
                call_safely(callback, MonitorEvent(at, chunk, None, None, False), f"{self.name} tap")
            for frame in frames:
                raw = frame.text()
                explanation = explain_read(raw, fnc1, end=None if frame.complete else frame.end)
                event = MonitorEvent(at, None, raw, explanation, frame.complete, frame.data)
                call_safely(callback, event, f"{self.name} tap")

    def _deliver(self, frame: Frame) -> None:
        scan = Scan(frame.text(), self.name, incomplete=not frame.complete)
        # A badge's text logs its holder in: never in the log, whatever the framing did to it.
        if (not frame.complete or "\ufffd" in scan.raw) and not is_badge(scan.raw):
            # The exact bytes go to the log: the scan's text shows invalid UTF-8 as U+FFFD.
            log.warning(
                "%s: %s read of %d bytes%s: %s",
                self.name,
                frame.end.value,
                len(frame.data),
                f" ({self.decoder.dropped_bytes} bytes dropped so far)" if self.decoder.dropped_bytes else "",
                frame.data[:256].hex(" "),
            )
        on_scan = self._on_scan  # read once: stop() may clear it from another thread
        if on_scan is not None:
            call_safely(on_scan, scan, f"{self.name} scan")

    def _set_status(self, state: ScannerState, message: str, device: str | None) -> None:
        status = ScannerStatus(self.name, state, message, device)
        with self._lock:
            if status == self._status:
                return  # the same failure on every retry is reported once
            self._status = status
        quiet = (ScannerState.CONNECTING, ScannerState.CONNECTED, ScannerState.STOPPED)
        level = logging.INFO if state in quiet else logging.WARNING
        log.log(level, "%s: %s: %s", self.name, state.value, message)
        on_status = self._on_status
        if on_status is not None:
            call_safely(on_status, status, f"{self.name} status")

    def _describe_target(self) -> str:
        config = self._config
        if self._is_socket:
            return str(config.url)
        if uses_usb_match(config):
            return usb_match_text(config) + (f" (else {config.port})" if config.port else "")
        return str(config.port)


class PortMonitor:
    """A port opened for the live view only: its reads go to `on_event`, never to a receiver.

    Meant for a port no running scanner holds; a running scanner is watched through its own
    StreamSource.add_tap (a monitor would find the port locked and say so). Callbacks run on the reader thread.
    """

    def __init__(
        self,
        config: ScannerConfig,
        on_event: MonitorCallback,
        on_status: StatusCallback,
        *,
        fnc1_substitutes: Sequence[str] = (),
        list_ports: PortLister | None = None,
    ) -> None:
        self.name: str = config.name
        self._source: StreamSource = StreamSource(config, list_ports=list_ports)
        self._on_event: MonitorCallback = on_event
        self._on_status: StatusCallback = on_status
        self._fnc1: tuple[str, ...] = tuple(fnc1_substitutes)
        self._remove_tap: Callable[[], None] | None = None

    @property
    def status(self) -> ScannerStatus:
        return self._source.status

    def start(self) -> None:
        if self._remove_tap is not None:
            raise RuntimeError(f"the monitor of {self.name!r} is already started")
        self._remove_tap = self._source.add_tap(self._on_event, fnc1_substitutes=self._fnc1)
        self._source.start(_shown_only, self._on_status)

    def stop(self) -> None:
        """Close the port; returns after the last callback, like StreamSource.stop()."""
        self._source.stop()
        remove, self._remove_tap = self._remove_tap, None
        if remove is not None:
            remove()


def _shown_only(scan: Scan) -> None:
    """A monitored read has no receiver: the tap has shown it, and here it ends."""
