"""The one way back to the GUI thread: signals fed by the receiving worker thread and the background loops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanstation.gui import qt
from scanstation.receiving import Receiver, UndoResult
from scanstation.scan import Scan
from scanstation.worker import ReceivingWorker

log = logging.getLogger(__name__)

# verify_pin(name, pin) -> an OperatorInfo (truthy) when the PIN is right; bound to the engine by the caller.
PinCheck = Callable[[str, str], Any]


class Bridge(qt.QObject):
    """Signals emitted from any thread and delivered on the GUI thread (Qt queues cross-thread emits)."""

    verdict = qt.Signal(object)  # Verdict, already committed
    undo_result = qt.Signal(object)  # UndoResult
    failed = qt.Signal(object, str)  # Scan, message: receiving raised, nothing was recorded (journalled)
    refused = qt.Signal(object)  # Scan that arrived while nobody was logged in
    login_result = qt.Signal(str, bool, str)  # name, ok, display name (ok) or error message
    scanner_status = qt.Signal(object)  # ScannerStatus
    sync_status = qt.Signal(object)  # SyncStatus
    notice = qt.Signal(object)  # Verdict of a parcel matched later by sync


class GuiReceiving:
    """What the window calls: scans, undo and log-in go to the one receiving thread; answers come as signals.

    `submit` is safe from any thread (scanner reader threads, the wedge filter, the typed entry) and never
    blocks. The operator is fixed when the scan arrives, so a scan belongs to whoever was logged in then.
    """

    def __init__(
        self,
        receiver: Receiver,
        bridge: Bridge,
        verify_pin: PinCheck | None = None,
        journal: Path | None = None,
    ) -> None:
        self._bridge = bridge
        self._verify_pin = verify_pin
        self._operator: str | None = None
        self._lock = threading.Lock()
        self.worker = ReceivingWorker(
            receiver,
            operator=self._current_operator,
            on_verdict=bridge.verdict.emit,
            on_error=lambda scan, exc: bridge.failed.emit(scan, _words(exc)),
            journal=journal,
        )

    def _current_operator(self) -> str:
        return self.operator or "?"

    @property
    def operator(self) -> str | None:
        with self._lock:
            return self._operator

    def set_operator(self, name: str | None) -> None:
        with self._lock:
            self._operator = name

    def start(self) -> None:
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Decide every scan already read, then stop the thread."""
        return self.worker.stop(timeout)

    def submit(self, scan: Scan) -> None:
        operator = self.operator
        if operator is None:
            self._bridge.refused.emit(scan)
            return
        self.worker.submit(scan, operator)

    def undo(self, scan_id: str) -> None:
        operator = self.operator
        if operator is not None:
            self.worker.undo(scan_id, operator, self._bridge.undo_result.emit)

    def login(self, name: str, pin: str) -> None:
        """Check the PIN on the writer thread (it reads the database and hashes for ~30 ms)."""
        self.worker.call(lambda: self._check_login(name, pin))

    def _check_login(self, name: str, pin: str) -> None:
        if self._verify_pin is None:
            self._bridge.login_result.emit(name, True, name)
            return
        try:
            info = self._verify_pin(name, pin)
        except Exception as exc:  # a database problem is told to the clerk, not raised into the worker
            log.exception("log-in check failed")
            self._bridge.login_result.emit(name, False, _words(exc))
            return
        if not info:
            self._bridge.login_result.emit(name, False, "")
            return
        # verify_pin answers with the canonical name: scans are logged under it.
        self._bridge.login_result.emit(getattr(info, "name", name), True, getattr(info, "display_name", "") or name)


def _words(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


__all__ = ["Bridge", "GuiReceiving", "PinCheck", "UndoResult"]
