"""The one receiving thread: every source's scans are decided there, in arrival order, off the GUI thread."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import OperationalError

from scanstation.receiving import Receiver, UndoResult, Verdict, storable_text
from scanstation.scan import Scan, rfc3339

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReceivingStatus:
    """What the clerk must know about recording: scans read but not yet on disk, and why, in words."""

    waiting: int = 0  # scans kept in memory because the database refused them; retried in order
    problem: str | None = None  # e.g. "the disk is full: ..."; None while writes succeed
    disk_full: bool = False


@dataclass(frozen=True, slots=True)
class _Receive:
    scan: Scan
    operator: str | None


@dataclass(frozen=True, slots=True)
class _Undo:
    scan_id: str
    operator: str
    done: Callable[[UndoResult], None]


@dataclass(frozen=True, slots=True)
class _Call:
    work: Callable[[], None]


_STOP = object()

# A locked or briefly unavailable database is retried this many times before the scan is journalled.
RETRIES = 3
RETRY_PAUSE_S = 0.2


class ReceivingWorker:
    """Decides scans on its own thread; callbacks run on that thread (a GUI re-posts them to its own).

    `submit` never blocks, so a scanner's reader thread or the GUI thread hands a scan over and goes on.
    `stop` drains what was already submitted before it returns: a scan read is a scan decided.
    """

    def __init__(
        self,
        receiver: Receiver,
        *,
        operator: Callable[[], str],
        on_verdict: Callable[[Verdict], None],
        on_error: Callable[[Scan, Exception], None] | None = None,
        journal: Path | None = None,
        on_status: Callable[[ReceivingStatus], None] | None = None,
    ) -> None:
        self._receiver = receiver
        self._operator = operator
        self._on_verdict = on_verdict
        self._on_error = on_error
        self._journal = journal
        self._on_status = on_status
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="receiving", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, scan: Scan, operator: str | None = None) -> None:
        """Queue a scan; `operator` overrides the logged-in one (None: whoever is logged in when decided)."""
        self._queue.put(_Receive(scan, operator))

    def undo(self, scan_id: str, operator: str, done: Callable[[UndoResult], None]) -> None:
        """Queue an undo behind the scans already read, so it never overtakes the scan it reverts."""
        self._queue.put(_Undo(scan_id, operator, done))

    def call(self, work: Callable[[], None]) -> None:
        """Run other database work (e.g. a supervisor's resolution) on the writer thread, in order."""
        self._queue.put(_Call(work))

    def stop(self, timeout: float = 10.0) -> bool:
        """Finish every queued scan, then end the thread; False if it did not end within `timeout`."""
        if not self._thread.is_alive():
            return True
        self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._receiver.hold_connection()
            self._serve()
        finally:
            self._receiver.close()

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._handle(item)
            except Exception as exc:  # the thread must outlive any one bad scan or database hiccup
                log.exception("receiving failed for %r", item)
                if isinstance(item, _Receive):
                    self._write_journal(item.scan, exc)
                    if self._on_error is not None:
                        self._on_error(item.scan, exc)

    def _handle(self, item: object) -> None:
        if isinstance(item, _Receive):
            operator = item.operator or self._operator()
            for attempt in range(RETRIES):
                try:
                    verdict = self._receiver.receive(item.scan, operator)
                    break
                except OperationalError:
                    if attempt == RETRIES - 1:
                        raise
                    log.warning("database busy or unavailable, retrying the scan", exc_info=True)
                    time.sleep(RETRY_PAUSE_S * (attempt + 1))
            self._on_verdict(verdict)
        elif isinstance(item, _Undo):
            item.done(self._receiver.undo(item.scan_id, item.operator))
        elif isinstance(item, _Call):
            item.work()

    def _write_journal(self, scan: Scan, exc: Exception) -> None:
        """Last resort when the database refuses a scan: keep the read in a plain file a supervisor can replay."""
        if self._journal is None:
            return
        try:
            self._journal.parent.mkdir(parents=True, exist_ok=True)
            with self._journal.open("a", encoding="utf-8") as out:
                out.write(f"{rfc3339(scan.at)}\t{scan.scanner}\t{storable_text(scan.raw)!r}\t{type(exc).__name__}\n")
        except OSError:
            log.exception("could not write the unrecorded-scan journal %s", self._journal)
