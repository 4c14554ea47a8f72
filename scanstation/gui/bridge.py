"""The one way back to the GUI thread: signals fed by the receiving worker thread and the background loops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from scanstation.domain import Scan
from scanstation.gui import qt
from scanstation.receiving import Receiver
from scanstation.store.operators import OperatorInfo
from scanstation.worker import ReceivingWorker, ScanKeptError

log = logging.getLogger(__name__)

# verify_pin(name, pin) -> the OperatorInfo when the PIN is right, else None; bound to the engine by the caller.
PinCheck = Callable[[str, str], OperatorInfo | None]
# active_admin_count(engine), bound to the engine by the caller; runs on the receiving thread.
AdminCount = Callable[[], int]


class Bridge(qt.QObject):
    """Signals emitted from any thread and delivered on the GUI thread (Qt queues cross-thread emits)."""

    verdict = qt.Signal(object)  # Verdict, already committed
    undo_result = qt.Signal(object)  # UndoResult
    failed = qt.Signal(object, str)  # Scan, message: NOT recorded (journalled), a supervisor replays it
    kept = qt.Signal(object, str)  # Scan, problem: not recorded yet, kept in memory and recorded once it can be
    login_result = qt.Signal(str, bool, str)  # name, ok, display name (ok) or error message
    scanner_status = qt.Signal(object)  # ScannerStatus
    sync_status = qt.Signal(object)  # SyncStatus
    notice = qt.Signal(object)  # SyncNotice: a parcel matched later by sync, with its Verdict
    receiving_status = qt.Signal(object)  # ReceivingStatus: scans waiting in memory and why (a full disk)
    active_admins = qt.Signal(int)  # how many active administrators the station has (0: nobody can set it up)


class GuiReceiving:
    """What the window calls: scans, undo and log-in go to the one receiving thread; answers come as signals.

    `submit` is safe from any thread (scanner reader threads, the wedge filter, the typed entry) and never
    blocks. The operator is fixed when the scan arrives, so a scan belongs to whoever was logged in then;
    a scan read while nobody is logged in is still recorded (a scan read is a scan decided), under
    `nobody`, the station's configured operator.
    """

    def __init__(
        self,
        bridge: Bridge,
        verify_pin: PinCheck | None = None,
        *,
        nobody: str = "conveyor",
        count_admins: AdminCount | None = None,
    ) -> None:
        self._bridge = bridge
        self._verify_pin = verify_pin
        self._count_admins = count_admins
        self._nobody = nobody
        self._operator: str | None = None
        self._lock = threading.Lock()
        self._worker: ReceivingWorker | None = None

    @classmethod
    def with_worker(
        cls,
        receiver: Receiver,
        bridge: Bridge,
        verify_pin: PinCheck | None = None,
        *,
        journal: Path | None = None,
        nobody: str = "conveyor",
        count_admins: AdminCount | None = None,
    ) -> GuiReceiving:
        """A GuiReceiving with its own receiving thread (the window without the rest of the runtime)."""
        receiving = cls(bridge, verify_pin, nobody=nobody, count_admins=count_admins)
        receiving.attach(
            ReceivingWorker(
                receiver,
                operator=receiving.current_operator,
                on_verdict=bridge.verdict.emit,
                on_error=receiving.scan_failed,
                journal=journal,
                on_status=bridge.receiving_status.emit,
            )
        )
        return receiving

    def attach(self, worker: ReceivingWorker) -> None:
        self._worker = worker

    @property
    def worker(self) -> ReceivingWorker:
        if self._worker is None:
            raise RuntimeError("no receiving worker attached")
        return self._worker

    def current_operator(self) -> str:
        """Who a scan is recorded under when it is decided (the worker asks; any thread)."""
        return self.operator or self._nobody

    def scan_failed(self, scan: Scan, exc: Exception) -> None:
        """The worker could not record a scan (kept in memory and retried, or journalled): tell the clerk."""
        if isinstance(exc, ScanKeptError):
            self._bridge.kept.emit(scan, _words(RuntimeError(exc.problem)))
        else:
            self._bridge.failed.emit(scan, _words(exc))

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
        self.worker.submit(scan, self.current_operator())

    def undo(self, scan_id: str) -> None:
        operator = self.operator
        if operator is not None:
            self.worker.undo(scan_id, operator, self._bridge.undo_result.emit)

    def login(self, name: str, pin: str) -> None:
        """Check the PIN on the writer thread (it reads the database and hashes for ~30 ms)."""
        self.worker.call(lambda: self._check_login(name, pin))
        # Counted again at every log-in: an administrator created meanwhile (`scanstation operators add`)
        # makes the log-in screen's "no administrator" message go away without a restart.
        self.check_admins()

    def check_admins(self) -> None:
        """Count the active administrators on the writer thread; the answer comes as `active_admins`."""
        if self._count_admins is not None:
            self.worker.call(self._report_admins)

    def _report_admins(self) -> None:
        assert self._count_admins is not None
        try:
            count = self._count_admins()
        except Exception:  # the log-in screen keeps working; the database problem is in the log
            log.exception("counting the station's administrators failed")
            return
        self._bridge.active_admins.emit(count)

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
        if info is None:
            self._bridge.login_result.emit(name, False, "")
            return
        # verify_pin answers with the canonical name: scans are logged under it.
        self._bridge.login_result.emit(info.name, True, info.display_name or info.name)


def _words(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


__all__ = ["Bridge", "GuiReceiving", "PinCheck"]
