"""The observer API every scanner source shares: the callbacks and the source protocol."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

from scanstation.domain import Scan, ScannerStatus

log = logging.getLogger(__name__)


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
