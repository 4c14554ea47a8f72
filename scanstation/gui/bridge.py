"""The one way back to the GUI thread: signals fed by the receiving worker thread and the background loops."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scanstation.domain import Actor, LoginAnswer, Scan, UndoResult
from scanstation.gui import qt
from scanstation.gui.operations import Operation, OperationRunner
from scanstation.gui.session import Login, PinNeeded, Session
from scanstation.receiving import Receiver
from scanstation.worker import ReceivingWorker, ScanKeptError

log = logging.getLogger(__name__)

T = TypeVar("T")

# access.login.log_in_with_pin(store, name, pin, policy, station=...), bound to all but name and PIN by the caller.
PinCheck = Callable[[str, str], LoginAnswer]
# access.login.log_in_with_badge(store, secret, policy, station=..., pin=...), bound to all but secret and PIN.
BadgeCheck = Callable[[str, str | None], LoginAnswer]
# active_admin_count(engine), bound to the engine by the caller; runs on the receiving thread.
AdminCount = Callable[[], int]


class Bridge(qt.QObject):
    """Signals emitted from any thread and delivered on the GUI thread (Qt queues cross-thread emits)."""

    verdict = qt.Signal(object)  # Verdict, already committed
    failed = qt.Signal(object, str)  # Scan, message: NOT recorded (journalled), a supervisor replays it
    kept = qt.Signal(object, str)  # Scan, problem: not recorded yet, kept in memory and recorded once it can be
    scanner_status = qt.Signal(object)  # ScannerStatus
    sync_status = qt.Signal(object)  # SyncStatus
    notice = qt.Signal(object)  # SyncNotice: a parcel matched later by sync, with its Verdict
    receiving_status = qt.Signal(object)  # ReceivingStatus: scans waiting in memory and why (a full disk)
    # How many active administrators the station has (0: nobody can set it up); announced on the GUI thread
    # by `GuiReceiving.check_admins`, whoever asked (the start, a log-in, the demo).
    active_admins = qt.Signal(int)


class GuiReceiving:
    """What the window calls: scans go to the one receiving thread, requests through its operation runner.

    `submit` is safe from any thread (scanner reader threads, the wedge filter, the typed entry) and never
    blocks. The operator comes from the session when the scan arrives, so a scan belongs to whoever was
    logged in when it was read. Log-in, undo and the administrators' count are operations
    (`op(work).success(...).failure(...).run_in_background()`): the work runs on the receiving thread, in
    order with the scans, and the answer on the GUI thread.
    """

    def __init__(
        self,
        bridge: Bridge,
        verify_pin: PinCheck | None = None,
        *,
        nobody: str = "conveyor",
        count_admins: AdminCount | None = None,
        verify_badge: BadgeCheck | None = None,
    ) -> None:
        self._bridge = bridge
        self._verify_pin = verify_pin
        self._verify_badge = verify_badge
        self._count_admins = count_admins
        self.session = Session(nobody)
        self._worker: ReceivingWorker | None = None
        self.runner = OperationRunner(lambda work: self.worker.call(work))

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
        verify_badge: BadgeCheck | None = None,
    ) -> GuiReceiving:
        """A GuiReceiving with its own receiving thread (the window without the rest of the runtime)."""
        receiving = cls(bridge, verify_pin, nobody=nobody, count_admins=count_admins, verify_badge=verify_badge)
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

    def op(self, work: Callable[[], T]) -> Operation[T]:
        """An operation whose work runs on the receiving thread, behind the scans already read."""
        return self.runner.op(work)

    def current_operator(self) -> str:
        """Who a scan read now is recorded under (any thread)."""
        return self.session.current_operator()

    def scan_failed(self, scan: Scan, exc: Exception) -> None:
        """The worker could not record a scan (kept in memory and retried, or journalled): tell the clerk."""
        if isinstance(exc, ScanKeptError):
            self._bridge.kept.emit(scan, in_words(RuntimeError(exc.problem)))
        else:
            self._bridge.failed.emit(scan, in_words(exc))

    def start(self) -> None:
        self.worker.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Decide every scan already read, then stop the thread."""
        return self.worker.stop(timeout)

    def submit(self, scan: Scan) -> None:
        """The same path as the runtime's serial and socket readers: the worker binds the session's operator."""
        self.worker.submit(scan)

    # ----- work for operations: each runs on the receiving thread ------------------------------------------

    def check_pin(self, name: str, pin: str) -> Login | str:
        """The operator these credentials log in (under the canonical name), or the refusal in words.

        It reads the database and hashes for ~30 ms, so it is an operation, never run on the GUI thread.
        """
        if self._verify_pin is None:
            return Login(name, name)
        return _login_of(self._verify_pin(name, pin))

    def check_badge(self, secret: str, pin: str | None = None) -> Login | PinNeeded | str:
        """The operator a scanned badge logs in, PinNeeded when their PIN must be typed too, or the refusal."""
        if self._verify_badge is None:
            return "badges cannot log in here"
        answer = self._verify_badge(secret, pin)
        if answer.pin_needed_for is not None:
            return PinNeeded(answer.pin_needed_for)
        return _login_of(answer)

    def undo_scan(self, scan_id: str, actor: Actor) -> UndoResult:
        return self.worker.receiver.undo(scan_id, actor)

    def check_admins(self) -> None:
        """Count the active administrators; the answer is announced as `Bridge.active_admins`.

        Counted at start and again at every log-in: an administrator created meanwhile (`scanstation
        operators add`) makes the log-in screen's "no administrator" message go away without a restart.
        """
        if self._count_admins is not None:
            self.op(self._count_admins).success(self._bridge.active_admins.emit).failure(
                _admins_failed
            ).run_in_background()


def _login_of(answer: LoginAnswer) -> Login | str:
    actor = answer.actor
    if actor is None:
        return answer.refusal or "wrong name or PIN"
    # The answer names the canonical name: scans are logged under it.
    return Login(actor.name, actor.shown_name, actor.role)


def _admins_failed(exc: Exception) -> None:
    # The log-in screen keeps working; the database problem is in the log.
    log.error("counting the station's administrators failed", exc_info=exc)


def in_words(exc: BaseException) -> str:
    """An exception as the clerk reads it: its message, cut at 200 characters."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


__all__ = ["BadgeCheck", "Bridge", "GuiReceiving", "PinCheck", "in_words"]
