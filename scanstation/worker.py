"""The one receiving thread: every source's scans are decided there, in arrival order, off the GUI thread."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from scanstation.domain import (
    Actor,
    NotAllowedError,
    ReceivingStatus,
    Scan,
    UndoResult,
    Verdict,
    badge_secret_of,
    rfc3339,
    storable_text,
    utcnow,
)
from scanstation.private import FILE_MODE, private_dir
from scanstation.receiving import Receiver
from scanstation.store.errors import KnownError, Trouble, known_error

log = logging.getLogger(__name__)


class ScanKeptError(Exception):
    """Told through `on_error` for a scan not recorded yet: it is kept in memory and retried in order."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"not recorded yet, kept in memory and retried: {problem}")
        self.problem = problem


@dataclass(frozen=True, slots=True)
class _Receive:
    scan: Scan
    operator: str  # whoever was logged in when the scan was read


@dataclass(frozen=True, slots=True)
class _Undo:
    scan_id: str
    actor: Actor
    done: Callable[[UndoResult], None]


@dataclass(frozen=True, slots=True)
class _Call:
    work: Callable[[], None]


@dataclass(slots=True)
class _Kept:
    """A scan the database refused for now: decided later, in order, under the operator of its arrival."""

    scan: Scan
    operator: str
    journal: Path | None = None  # the file that says it was kept: the one told when it is recorded


_STOP = object()

# Scans kept in memory are retried after this, doubling up to the cap, while the database refuses writes.
RETRY_FIRST_S: Final = 0.25
RETRY_MAX_S: Final = 5.0
# Far more than a shift of scans at one every two seconds; past it the oldest are still in the journal.
MAX_KEPT: Final = 100_000

# What each trouble means for the scans, after its cause (store.errors.known_error) is said.
_CONSEQUENCE: Final = {
    Trouble.DISK_FULL: (
        "scans are kept in memory and recorded as soon as space is freed; "
        "free space on the station's disk or call an administrator"
    ),
    Trouble.BUSY: "scans are kept in memory and retried",
    Trouble.READ_ONLY: "scans are kept in memory; call an administrator",
    Trouble.CONNECTION_LOST: "scans are kept in memory and retried; call an administrator",
    Trouble.REFUSED: "scans are kept in memory and retried; call an administrator",
}


def _problem_words(known: KnownError) -> str:
    return f"{known.words}: {_CONSEQUENCE[known.trouble]}"


def _badge_at_the_window(scan: Scan, _secret: str) -> None:
    log.info("a badge was scanned on %s; badges log in at the window", scan.scanner)


class ReceivingWorker:
    """Decides scans on its own thread; callbacks run on that thread (a GUI re-posts them to its own).

    `submit` never blocks, so a scanner's reader thread or the GUI thread hands a scan over and goes on.
    `stop` drains what was already submitted before it returns: a scan read is a scan decided.

    When the database refuses a write for now (disk full, I/O error, locked), the scan is kept in memory,
    written to the journal, reported at once (`on_error`), and retried in order on a timer; every later
    scan joins it without a retry of its own, so no scan waits behind a dead disk. Once a write succeeds
    the kept scans are recorded in their order and reported like any verdict.
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
        fallback_journals: Sequence[Path] = (),
        on_badge: Callable[[Scan, str], None] | None = None,
        divert: Callable[[Scan], bool] | None = None,
    ) -> None:
        self._receiver = receiver
        self._on_badge = on_badge or _badge_at_the_window
        self._divert = divert
        self._operator = operator
        self._on_verdict = on_verdict
        self._on_error = on_error
        self._journals = [p for p in (journal, *fallback_journals) if p is not None]
        self._on_status = on_status
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="receiving", daemon=True)
        self._kept: deque[_Kept] = deque()
        self._retry_delay = RETRY_FIRST_S
        self._retry_at = 0.0
        self._status = ReceivingStatus()

    def start(self) -> None:
        self._thread.start()

    def submit(self, scan: Scan, operator: str | None = None) -> None:
        """Queue a scan under `operator`, else whoever is logged in now (any thread, never blocks).

        The operator is taken when the scan is read, whatever its source: a scan decided after the next
        clerk logged in (the thread was busy, or the disk full) is still the one who scanned it.
        A scan `divert` takes (the supervisor's desk is open: it shows the parcel's page) is not received;
        a badge is never diverted, so it still logs in.
        """
        if self._divert is not None and badge_secret_of(scan.raw) is None and self._divert(scan):
            return
        self._queue.put(_Receive(scan, operator if operator is not None else self._operator()))

    def undo(self, scan_id: str, actor: Actor, done: Callable[[UndoResult], None]) -> None:
        """Queue an undo behind the scans already read, so it never overtakes the scan it reverts.

        An undo `actor`'s role does not allow is answered as not undone, with the refusal's words.
        """
        self._queue.put(_Undo(scan_id, actor, done))

    def call(self, work: Callable[[], None]) -> None:
        """Run other database work (e.g. a supervisor's resolution) on the writer thread, in order."""
        self._queue.put(_Call(work))

    @property
    def receiver(self) -> Receiver:
        """The receiver this thread holds; call it only from work run on this thread (`call`)."""
        return self._receiver

    @property
    def status(self) -> ReceivingStatus:
        return self._status

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
            item = self._next()
            if item is None:
                self._retry_kept()
                continue
            if item is _STOP:
                self._retry_kept()
                if self._kept:
                    log.error(
                        "stopping with %d scans NOT recorded: they are in the journal %s",
                        len(self._kept),
                        " / ".join(map(str, self._journals)),
                    )
                return
            try:
                self._handle(item)
            except Exception:  # the thread must outlive any one bad request or database hiccup
                log.exception("receiving failed for %r", item)

    def _next(self) -> object | None:
        """The next request, or None when it is time to retry the kept scans."""
        if not self._kept:
            return self._queue.get()
        wait = self._retry_at - time.monotonic()
        if wait <= 0:
            return None
        try:
            return self._queue.get(timeout=wait)
        except queue.Empty:
            return None

    def _handle(self, item: object) -> None:
        if isinstance(item, _Receive):
            secret = badge_secret_of(item.scan.raw)
            if secret is not None:
                # A badge logs someone in: never received, never in the scan log or the journal.
                self._badge(item.scan, secret)
                return
            kept = _Kept(item.scan, item.operator)
            if self._kept:
                # Order first: the older scans are decided before this one, and a dead disk is not
                # retried for every scan (that is what held verdicts 10 s behind their scans).
                self._keep(kept, None)
                return
            self._record(kept)
        elif isinstance(item, _Undo):
            try:
                result = self._receiver.undo(item.scan_id, item.actor)
            except NotAllowedError as refused:
                result = UndoResult(item.scan_id, False, False, str(refused))
            item.done(result)
        elif isinstance(item, _Call):
            item.work()

    def _badge(self, scan: Scan, secret: str) -> None:
        try:
            self._on_badge(scan, secret)
        except Exception:
            log.error("handling a badge scanned on %s failed", scan.scanner)  # no traceback: it would hold the secret

    def _record(self, kept: _Kept, *, late: bool = False) -> bool:
        """Decide one scan; True when it is recorded (or is a bad scan set aside), False when kept for later."""
        try:
            verdict = self._receiver.receive(kept.scan, kept.operator)
        except Exception as exc:
            known = known_error(exc)  # the environment's fault (store.errors): the database may take it later
            if known is not None:
                if not late:
                    log.warning("the database refused a scan, kept in memory: %s", exc)
                    self._keep(kept, exc, known)
                else:
                    self._problem(known)
                return False
            # Not a passing database state: this scan itself cannot be recorded. Set it aside, go on.
            log.exception("scan from %s NOT recorded", kept.scan.scanner)
            self._write_journal(kept.scan, "NOT recorded", type(exc).__name__)
            self._report_error(kept.scan, exc)
            return True
        if late:
            self._write_journal(kept.scan, "recorded later", verdict.scan_id, first=kept.journal)
        self._tell(verdict)
        return True

    def _tell(self, verdict: Verdict) -> None:
        """Feedback after the commit: its failure is logged, never reported as a scan not recorded."""
        try:
            self._on_verdict(verdict)
        except Exception:
            log.exception("scan %s IS recorded, but telling the clerk failed", verdict.scan_id)

    def _report_error(self, scan: Scan, exc: Exception) -> None:
        if self._on_error is None:
            return
        try:
            self._on_error(scan, exc)
        except Exception:
            log.exception("reporting an unrecorded scan failed")

    def _keep(self, kept: _Kept, exc: Exception | None, known: KnownError | None = None) -> None:
        if len(self._kept) >= MAX_KEPT:
            dropped = self._kept.popleft()
            log.error("more than %d scans waiting: the oldest is only in the journal now (%s)", MAX_KEPT, dropped.scan)
        if not self._kept:
            self._retry_delay = RETRY_FIRST_S
            self._retry_at = time.monotonic() + self._retry_delay
        self._kept.append(kept)
        kept.journal = self._write_journal(
            kept.scan, "kept in memory", type(exc).__name__ if exc is not None else "behind others"
        )
        if known is not None:
            self._problem(known)
        else:
            self._publish()
        self._report_error(kept.scan, ScanKeptError(self._status.problem or "waiting behind earlier scans"))

    def _retry_kept(self) -> None:
        """Record the kept scans in order until the database refuses again."""
        while self._kept:
            if not self._record(self._kept[0], late=True):
                self._retry_delay = min(self._retry_delay * 2, RETRY_MAX_S)
                self._retry_at = time.monotonic() + self._retry_delay
                return
            self._kept.popleft()
        log.info("the database takes writes again: every kept scan is recorded")
        self._status = ReceivingStatus()
        self._emit()

    def _problem(self, known: KnownError) -> None:
        self._status = ReceivingStatus(len(self._kept), _problem_words(known), known.trouble is Trouble.DISK_FULL)
        self._emit()

    def _publish(self) -> None:
        """The same problem, with the number of scans now waiting."""
        self._status = ReceivingStatus(len(self._kept), self._status.problem, self._status.disk_full)
        self._emit()

    def _emit(self) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(self._status)
        except Exception:
            log.exception("reporting the receiving status failed")

    def _write_journal(self, scan: Scan, state: str, detail: str, *, first: Path | None = None) -> Path | None:
        """Keep every scan not (yet) in the database in a plain file a supervisor can replay; the file written.

        The journal usually sits on the database's disk; when that is full, the next location takes it.
        `first` is tried first: a scan's "recorded later" goes where its "kept in memory" went.
        """
        line = (
            f"{rfc3339(scan.at)}\t{scan.scanner}\t{storable_text(scan.raw)!r}\t{state}\t{detail}\t{rfc3339(utcnow())}\n"
        )
        places = [first] if first is not None else []
        for path in [*places, *(p for p in self._journals if p != first)]:
            try:
                private_dir(path.parent)
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
                with os.fdopen(fd, "a", encoding="utf-8") as out:
                    out.write(line)
                    out.flush()
                    os.fsync(out.fileno())
                return path
            except OSError as exc:
                log.warning("could not write the unrecorded-scan journal %s (%s); trying the next place", path, exc)
        if self._journals:
            log.error("no journal could be written: %s %s %r (%s)", rfc3339(scan.at), scan.scanner, scan.raw, state)
        return None
