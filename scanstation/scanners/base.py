"""The observer API every scanner source shares: states, status reports and the source protocol."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from scanstation.scan import Scan

log = logging.getLogger(__name__)


class ScannerState(StrEnum):
    CONNECTING = "connecting"  # started, first open not done yet
    CONNECTED = "connected"  # reading
    DISCONNECTED = "disconnected"  # was reading, lost the device; retrying with back-off
    ERROR = "error"  # cannot open (missing, in use, no permission, refused); retrying with back-off
    STOPPED = "stopped"  # stop() was called (or never started)


@dataclass(frozen=True, slots=True)
class ScannerStatus:
    """One change of a scanner's state; `message` is meant for an admin, `device` is what is (or was) open."""

    name: str
    state: ScannerState
    message: str
    device: str | None = None


ScanCallback = Callable[[Scan], None]
StatusCallback = Callable[[ScannerStatus], None]


class ScannerSource(Protocol):
    """A named scanner. Callbacks run on the source's own thread (the wedge: the Qt GUI thread)."""

    name: str

    @property
    def status(self) -> ScannerStatus: ...

    def start(self, on_scan: ScanCallback, on_status: StatusCallback) -> None: ...

    def stop(self) -> None: ...


_T = TypeVar("_T")


def call_safely(callback: Callable[[_T], None], value: _T, what: str) -> None:
    """Run an observer; its bug is logged and never kills the reader that called it."""
    try:
        callback(value)
    except Exception:
        log.exception("%s observer failed", what)
