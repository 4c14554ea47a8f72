"""Serial ports as the OS lists them: what `scanstation ports` shows and how a USB match finds a scanner."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from scanstation.config import ScannerConfig

log = logging.getLogger(__name__)

PORTS_HINT = "`scanstation ports` lists the serial ports this machine has"


class PortInfo(Protocol):
    """The fields of serial.tools.list_ports_common.ListPortInfo this package reads."""

    device: str
    description: str
    hwid: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    location: str | None
    manufacturer: str | None
    product: str | None


PortLister = Callable[[], Sequence[PortInfo]]


def system_ports() -> list[PortInfo]:
    """The serial ports the OS knows now, symlinks such as /dev/serial/by-id/... included."""
    from serial.tools import list_ports

    return sorted(list_ports.comports(include_links=True), key=lambda p: p.device)


@dataclass(frozen=True, slots=True)
class PortRow:
    """One port as an admin reads it (and as `scanstation ports --json` prints it)."""

    device: str
    description: str
    vid_pid: str | None
    serial_number: str | None
    location: str | None
    manufacturer: str | None

    @classmethod
    def of(cls, info: PortInfo) -> PortRow:
        vid_pid = f"{info.vid:04x}:{info.pid or 0:04x}" if info.vid is not None else None
        description = info.description if info.description and info.description != "n/a" else ""
        link = link_target(info)
        if link and not description:
            description = f"link to {link}"
        return cls(info.device, description, vid_pid, info.serial_number, info.location, info.manufacturer)


def link_target(info: PortInfo) -> str | None:
    """The device a listed symlink (e.g. /dev/serial/by-id/...) points to; pyserial notes it in hwid."""
    _, sep, target = info.hwid.partition("LINK=")
    return target.strip() or None if sep else None


def uses_usb_match(config: ScannerConfig) -> bool:
    return any(v is not None for v in (config.usb_vid, config.usb_pid, config.usb_serial, config.usb_location))


def usb_match_text(config: ScannerConfig) -> str:
    """The USB match in the words `scanstation ports` uses, e.g. "USB 0c2e:0b61 serial 17273B0245"."""
    parts = []
    if config.usb_vid is not None or config.usb_pid is not None:
        vid = f"{config.usb_vid:04x}" if config.usb_vid is not None else "*"
        pid = f"{config.usb_pid:04x}" if config.usb_pid is not None else "*"
        parts.append(f"{vid}:{pid}")
    if config.usb_serial is not None:
        parts.append(f"serial {config.usb_serial}")
    if config.usb_location is not None:
        parts.append(f"location {config.usb_location}")
    return "USB " + " ".join(parts)


def matching_ports(ports: Sequence[PortInfo], config: ScannerConfig) -> list[PortInfo]:
    """Ports whose USB identity fits every USB field the config sets (links to the same device once)."""
    found: dict[str, PortInfo] = {}
    for info in ports:
        if config.usb_vid is not None and info.vid != config.usb_vid:
            continue
        if config.usb_pid is not None and info.pid != config.usb_pid:
            continue
        if config.usb_serial is not None and info.serial_number != config.usb_serial:
            continue
        if config.usb_location is not None and info.location != config.usb_location:
            continue
        if link_target(info):
            continue  # a /dev/serial/by-id link: the real node is listed too
        found.setdefault(info.device, info)
    return list(found.values())


class PortWatcher:
    """Notices serial ports being plugged in and pulled out: `on_change(rows)` on its own thread.

    It polls: the OS's plug events (udev on Linux, WM_DEVICECHANGE on Windows, IOKit on macOS) would
    need a native binding per platform, while listing the ports takes milliseconds, so a look every
    `interval_s` is cheap and works wherever pyserial does. The first look always reports, then each
    change of the list. A failing lister is logged and tried again at the next look.
    """

    def __init__(
        self,
        on_change: Callable[[list[PortRow]], None],
        interval_s: float = 2.0,
        list_ports: PortLister = system_ports,
    ) -> None:
        self._on_change = on_change
        self._interval_s = interval_s
        self._list_ports = list_ports
        self._stop_event = threading.Event()
        self._look_now = threading.Event()
        self._thread: threading.Thread | None = None
        self._rows: list[PortRow] | None = None

    @property
    def rows(self) -> list[PortRow]:
        """The ports at the last look (empty before the first)."""
        return list(self._rows or [])

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the port watcher is already started")
        self._stop_event.clear()
        self._thread = threading.Thread(target=self._run, name="port-watcher", daemon=True)
        self._thread.start()

    def look_now(self) -> None:
        """Look again without waiting for the interval (an admin pressed refresh)."""
        self._look_now.set()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop_event.set()
        self._look_now.set()
        thread.join()

    def _run(self) -> None:
        while not self._stop_event.is_set():
            self._look()
            self._look_now.wait(self._interval_s)
            self._look_now.clear()

    def _look(self) -> None:
        try:
            rows = [PortRow.of(info) for info in self._list_ports()]
        except Exception:
            log.exception("listing the serial ports failed")
            return
        if rows == self._rows:
            return
        self._rows = rows
        try:
            self._on_change(list(rows))
        except Exception:
            log.exception("port watcher observer failed")
