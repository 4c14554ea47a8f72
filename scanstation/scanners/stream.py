"""Serial and socket scanners (pyserial): one reader thread each, framing, unplug and re-plug."""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Iterator
from typing import Final, Protocol, cast
from urllib.parse import urlsplit

from scanstation.config import ScannerConfig
from scanstation.domain import Scan, ScannerState, ScannerStatus
from scanstation.scanners.base import ScanCallback, StatusCallback, call_safely
from scanstation.scanners.framing import Frame, FrameDecoder
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


def explain_open_error(target: str, exc: BaseException, *, is_socket: bool) -> PortOpenError:
    """Turn pyserial's open failure into a sentence an admin can act on."""
    number = _errno_of(exc)
    if is_socket:
        where = urlsplit(target).netloc or target
        if number == errno.ECONNREFUSED:
            return PortOpenError(
                f"cannot connect to {where}: connection refused — is the scanner on and listening on that port?",
                target,
                missing=True,
            )
        reason = getattr(exc.__context__, "strerror", None) or str(exc)
        return PortOpenError(f"cannot connect to {where}: {reason}", target, missing=True)
    if number in _MISSING_ERRNOS:
        return PortOpenError(f"{target} does not exist — is the scanner plugged in? {PORTS_HINT}", target, missing=True)
    if number in _BUSY_ERRNOS or "exclusively lock" in str(exc):
        return PortOpenError(
            f"{target} is in use by another program (a terminal, ModemManager or a second station?)",
            target,
            missing=False,
        )
    if number in (errno.EACCES, errno.EPERM):
        return PortOpenError(
            f"no permission to open {target} — add the station's user to the 'dialout' group (then log in again)",
            target,
            missing=False,
        )
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
                for frame in self.decoder.flush():
                    self._deliver(frame)
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
                f"{len(found)} serial ports match {usb_match_text(config)} ({names}) — add usb_serial or "
                f"usb_location to say which one; {PORTS_HINT}",
                None,
                missing=False,
            )
        if config.port is not None:
            return config.port  # no USB match: fall back to the configured path
        raise PortOpenError(
            f"no serial port matches {usb_match_text(config)} — is the scanner plugged in? {PORTS_HINT}",
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
        return None

    def _close(self, port: _Port) -> None:
        try:
            port.close()
        except Exception as exc:  # a vanished device may fail to close; it is gone either way
            log.debug("%s: closing failed: %s", self.name, exc)

    # -- observers -------------------------------------------------------------------------------

    def _deliver(self, frame: Frame) -> None:
        scan = Scan(frame.text(), self.name, incomplete=not frame.complete)
        if not frame.complete or "\ufffd" in scan.raw:
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
