"""How many exceptions wait for a supervisor, counted on a reading thread of its own for the clerk's status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from scanstation.gui import qt
from scanstation.gui.operations import ThreadRunner
from scanstation.review.queue import BAD_REGISTRATION_CAP, QUICK_KINDS, ExceptionKind, count_open
from scanstation.store.connection import Store

log = logging.getLogger(__name__)

QUICK_EVERY_MS: Final = 30_000
SLOW_EVERY_MS: Final = 5 * 60_000
AFTER_SCAN_MS: Final = 2_000  # a burst of scans asks for one count, not one each
# Bad registrations are found by reading every live registration: past this many the bar says "500+".
BAD_CAP: Final = BAD_REGISTRATION_CAP
_SLOW_KINDS: Final = tuple(k for k in ExceptionKind if k not in QUICK_KINDS)


@dataclass(frozen=True, slots=True)
class WaitingCount:
    """The open exceptions: how many, and whether that is a lower bound (a count stopped at its cap)."""

    total: int
    more: bool = False
    by_kind: tuple[tuple[ExceptionKind, int], ...] = ()


class SupervisorWaiting(qt.QObject):
    """Counts the supervisor's queue every QUICK_EVERY_MS and shortly after scans; the slow kinds less often.

    The counting runs on its own thread, not the receiving one: a count at a million registrations takes
    milliseconds to tens of them, and a scan must never wait behind it. It only reads (SQLite's WAL lets
    a reader run beside the writer). `counted` carries each new WaitingCount to the GUI thread.
    """

    counted = qt.Signal(object)  # WaitingCount

    def __init__(
        self,
        store: Store,
        *,
        quick_every_ms: int = QUICK_EVERY_MS,
        slow_every_ms: int = SLOW_EVERY_MS,
        after_scan_ms: int = AFTER_SCAN_MS,
        count: Callable[..., dict[ExceptionKind, int]] = count_open,
    ) -> None:
        super().__init__()
        self._store = store
        self._count = count
        self.runner = ThreadRunner("supervisor-count")
        self._slow: dict[ExceptionKind, int] = {}
        self._slow_due = True
        self._busy = False
        self._again = False
        self._stopped = False
        self.last: WaitingCount | None = None
        self._quick_timer = qt.QTimer(self)
        self._quick_timer.setInterval(quick_every_ms)
        self._quick_timer.timeout.connect(self.refresh)
        self._slow_timer = qt.QTimer(self)
        self._slow_timer.setInterval(slow_every_ms)
        self._slow_timer.timeout.connect(self._slow_now)
        self._after_scan = qt.QTimer(self)
        self._after_scan.setSingleShot(True)
        self._after_scan.setInterval(after_scan_ms)
        self._after_scan.timeout.connect(self.refresh)

    def start(self) -> None:
        self._quick_timer.start()
        self._slow_timer.start()
        self.refresh()

    def stop(self) -> None:
        """No more counts; a count running now ends on its own thread and is not shown."""
        self._stopped = True
        for timer in (self._quick_timer, self._slow_timer, self._after_scan):
            timer.stop()
        self.runner.stop()

    def scan_seen(self) -> None:
        """A scan was decided: count again shortly (one count for a burst of scans)."""
        if not self._after_scan.isActive() and not self._stopped:
            self._after_scan.start()

    def _slow_now(self) -> None:
        self._slow_due = True
        self.refresh()

    def refresh(self) -> None:
        """Count now (the slow kinds too when they are due); a count asked while one runs follows it."""
        if self._stopped:
            return
        if self._busy:
            self._again = True
            return
        self._busy = True
        store, count, slow = self._store, self._count, self._slow_due
        self._slow_due = False

        def work() -> tuple[dict[ExceptionKind, int], dict[ExceptionKind, int] | None]:
            quick = count(store, kinds=QUICK_KINDS)
            return quick, (count(store, kinds=_SLOW_KINDS, cap=BAD_CAP) if slow else None)

        self.runner.op(work).success(self._counted).failure(self._failed).run_in_background()

    def _counted(self, answer: tuple[dict[ExceptionKind, int], dict[ExceptionKind, int] | None]) -> None:
        quick, slow = answer
        if slow is not None:
            self._slow = {k: slow[k] for k in _SLOW_KINDS}
        merged = {**{k: quick[k] for k in QUICK_KINDS}, **self._slow}
        more = self._slow.get(ExceptionKind.BAD_REGISTRATION, 0) > BAD_CAP
        if more:
            merged[ExceptionKind.BAD_REGISTRATION] = BAD_CAP
        self.last = WaitingCount(sum(merged.values()), more, tuple((k, merged.get(k, 0)) for k in ExceptionKind))
        self._done()
        self.counted.emit(self.last)

    def _failed(self, exc: Exception) -> None:
        # The bar keeps its last count; the database's trouble is the problem bar's and the log's.
        log.warning("counting the supervisor's queue failed: %s", exc)
        self._done()

    def _done(self) -> None:
        self._busy = False
        if self._again:
            self._again = False
            self.refresh()


__all__ = ["BAD_CAP", "SupervisorWaiting", "WaitingCount"]
