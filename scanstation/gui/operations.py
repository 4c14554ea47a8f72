"""The GUI's one way to ask the receiving thread for something: run an operation there, answer on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, Self, TypeVar

from scanstation.gui import qt

log = logging.getLogger(__name__)

T = TypeVar("T")

# Runs a piece of work on the receiving thread, behind the scans already read (ReceivingWorker.call).
Send = Callable[[Callable[[], None]], None]


class OperationRunner(qt.QObject):
    """Sends operations to the receiving thread; every answer comes back through one queued signal.

    The shape is Anki's `aqt/taskman.py`: the worker thread hands back a closure, and the GUI thread runs
    it, so success and failure callbacks only ever touch widgets on the GUI thread.
    """

    _answered = qt.Signal(object)  # a Callable[[], None] to run on the GUI thread
    answered = qt.Signal()  # an operation's success or failure callback has run (tests and benches wait on it)

    def __init__(self, send: Send) -> None:
        super().__init__()
        self._send = send
        # The runner lives on the GUI thread, so an emit from the receiving thread is queued to it.
        self._answered.connect(self._run_answer, qt.Qt.ConnectionType.QueuedConnection)

    def op(self, work: Callable[[], T]) -> Operation[T]:
        """An operation to configure with `.success(...)` / `.failure(...)` and start with `.run_in_background()`."""
        return Operation(self, work)

    def _start(self, work: Callable[[], T], success: Callable[[T], None], failure: Callable[[Exception], None]) -> None:
        def on_worker() -> None:
            try:
                result = work()
            except Exception as exc:  # handed to the GUI thread: the worker outlives any one request
                # Bound now: Python unbinds `exc` when the except block ends, before the GUI thread runs this.
                self._answered.emit(lambda error=exc: failure(error))
                return
            self._answered.emit(lambda: success(result))

        self._send(on_worker)

    def _run_answer(self, answer: Callable[[], None]) -> None:
        try:
            answer()
        finally:
            self.answered.emit()


class Operation(Generic[T]):
    """One request: the work (run on the receiving thread) and what the GUI does with its answer.

    Anki's `aqt/operations` `QueryOp` shape: `runner.op(work).success(show).failure(tell).run_in_background()`.
    Without a failure callback the exception is logged, so a failed request is never silent.
    """

    def __init__(self, runner: OperationRunner, work: Callable[[], T]) -> None:
        self._runner = runner
        self._work = work
        self._success: Callable[[T], None] = _ignore
        self._failure: Callable[[Exception], None] = _log_failure

    def success(self, callback: Callable[[T], None]) -> Self:
        self._success = callback
        return self

    def failure(self, callback: Callable[[Exception], None]) -> Self:
        self._failure = callback
        return self

    def run_in_background(self) -> None:
        self._runner._start(self._work, self._success, self._failure)


class ThreadRunner(OperationRunner):
    """An OperationRunner over a thread of its own: for reads and file work that must never hold up a scan.

    The database's writes still go through the receiving thread's runner; SQLite's WAL lets this thread read
    beside it. `stop()` lets the thread go; an answer that comes after it is not run.
    """

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._stopped = False
        super().__init__(self._submit)

    def _submit(self, work: Callable[[], None]) -> None:
        if not self._stopped:
            self._executor.submit(work)

    def stop(self) -> None:
        self._stopped = True
        self._executor.shutdown(wait=False, cancel_futures=True)


def _ignore(_: object) -> None:
    return None


def _log_failure(exc: Exception) -> None:
    log.error("an operation on the receiving thread failed", exc_info=exc)


__all__ = ["Operation", "OperationRunner", "ThreadRunner"]
