"""The one way back to the GUI thread: signals fed by the receiving worker thread and the background loops."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from scanstation.access.login import WRONG_NAME_OR_PIN
from scanstation.domain import Act, Actor, LoginAnswer, NotAllowedError, Scan, UndoResult
from scanstation.gui import qt
from scanstation.gui.operations import Operation, OperationRunner
from scanstation.gui.session import Login, PinNeeded, Refusal, Session
from scanstation.receiving import Receiver
from scanstation.worker import ReceivingWorker, ScanKeptError

log = logging.getLogger(__name__)

T = TypeVar("T")

# access.login.log_in_with_pin(store, name, pin, policy, station=...), bound to all but name and PIN by the caller.
PinCheck = Callable[[str, str], LoginAnswer]
# active_admin_count(engine), bound to the engine by the caller; runs on the receiving thread.
AdminCount = Callable[[], int]
# access.login.log_out(store, actor, station=..., reason=...), bound to the store and station.
LogoutRecord = Callable[[Actor, str], None]
# access.refusals.check(store, actor, act, station=...): nothing, or the refusal audited and raised.
ActCheck = Callable[[Actor, Act], None]


class BadgeCheck(Protocol):
    """access.login.log_in_with_badge(store, secret, policy, station=..., pin=..., replacing=...), bound."""

    def __call__(self, secret: str, pin: str | None, replacing: Actor | None) -> LoginAnswer: ...


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
    # A badge read by any scanner (never received): the scan and its secret, for the window to log in with.
    badge = qt.Signal(object, str)
    # A scan read while the supervisor's desk is the active window (any source): its page opens, it is not received.
    desk_scan = qt.Signal(object)


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
        record_logout: LogoutRecord | None = None,
        check_act: ActCheck | None = None,
    ) -> None:
        self._bridge = bridge
        self._verify_pin = verify_pin
        self._verify_badge = verify_badge
        self._count_admins = count_admins
        self._record_logout = record_logout
        self._check_act = check_act
        self.session = Session(nobody)
        # Set while the supervisor's desk is the active window (GUI thread), read by every reader thread.
        self._desk_open = threading.Event()
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
        record_logout: LogoutRecord | None = None,
        check_act: ActCheck | None = None,
    ) -> GuiReceiving:
        """A GuiReceiving with its own receiving thread (the window without the rest of the runtime)."""
        receiving = cls(
            bridge,
            verify_pin,
            nobody=nobody,
            count_admins=count_admins,
            verify_badge=verify_badge,
            record_logout=record_logout,
            check_act=check_act,
        )
        receiving.attach(
            ReceivingWorker(
                receiver,
                operator=receiving.current_operator,
                on_verdict=bridge.verdict.emit,
                on_error=receiving.scan_failed,
                journal=journal,
                on_status=bridge.receiving_status.emit,
                on_badge=receiving.on_badge,
                divert=receiving.divert,
            )
        )
        return receiving

    def attach(self, worker: ReceivingWorker) -> None:
        self._worker = worker

    @property
    def bridge(self) -> Bridge:
        return self._bridge

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

    def on_badge(self, scan: Scan, secret: str) -> None:
        """The worker read a badge (receiving thread): the window decides what it logs in."""
        self._bridge.badge.emit(scan, secret)

    def set_desk_open(self, desk_open: bool) -> None:
        """The supervisor's desk became the active window (True) or stopped being it (GUI thread)."""
        if desk_open:
            self._desk_open.set()
        else:
            self._desk_open.clear()

    def divert(self, scan: Scan) -> bool:
        """While the desk is open a scan (any source, any thread) goes to it as `Bridge.desk_scan`, unreceived."""
        if not self._desk_open.is_set():
            return False
        self._bridge.desk_scan.emit(scan)
        return True

    def submit(self, scan: Scan) -> None:
        """The same path as the runtime's serial and socket readers: the worker binds the session's operator."""
        self.worker.submit(scan)

    # ----- work for operations: each runs on the receiving thread ------------------------------------------

    def check_pin(self, name: str, pin: str) -> Login | Refusal:
        """The operator these credentials log in (under the canonical name), or the refusal in words.

        It reads the database and hashes for ~30 ms, so it is an operation, never run on the GUI thread.
        """
        if self._verify_pin is None:
            return Login(name, name)
        return _login_of(self._verify_pin(name, pin))

    def check_badge(
        self, secret: str, pin: str | None = None, replacing: Actor | None = None
    ) -> Login | PinNeeded | Refusal:
        """The operator a scanned badge logs in, PinNeeded when their PIN must be typed too, or the refusal.

        `replacing` (whoever is logged in) is audited as logged out when the badge logs its operator in.
        """
        if self._verify_badge is None:
            return Refusal("badges cannot log in here")
        answer = self._verify_badge(secret, pin, replacing)
        if answer.pin_needed_for is not None:
            return PinNeeded(answer.pin_needed_for)
        return _login_of(answer)

    def log_out(self, actor: Actor, reason: str) -> None:
        """Audit a log-out and why (receiving thread); the session itself is the window's."""
        if self._record_logout is not None:
            self._record_logout(actor, reason)

    def check_act(self, actor: Actor, act: Act) -> None:
        """Nothing when `actor` may do `act`; else NotAllowedError, the refusal audited (receiving thread)."""
        if self._check_act is not None:
            self._check_act(actor, act)
        elif not actor.may(act):
            raise NotAllowedError(actor, act)

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


def _login_of(answer: LoginAnswer) -> Login | Refusal:
    actor = answer.actor
    if actor is None:
        return Refusal(answer.refusal or WRONG_NAME_OR_PIN, answer.retry_at)
    # The answer names the canonical name: scans are logged under it.
    return Login(actor.name, actor.shown_name, actor.role)


def _admins_failed(exc: Exception) -> None:
    # The log-in screen keeps working; the database problem is in the log.
    log.error("counting the station's administrators failed", exc_info=exc)


def in_words(exc: BaseException) -> str:
    """An exception as the clerk reads it: its message, cut at 200 characters."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


__all__ = ["ActCheck", "BadgeCheck", "Bridge", "GuiReceiving", "LogoutRecord", "PinCheck", "in_words"]
