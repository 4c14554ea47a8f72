"""Waiting in tests: one deadline, one polling loop, and a failure that names what was awaited."""

from __future__ import annotations

import time
from collections.abc import Callable

# Long enough for a loaded 2-core machine; a wait that passes returns as soon as its condition holds.
TIMEOUT_S = 30.0
# Short enough that a test is not slowed by it, long enough not to compete with the thread it waits on.
POLL_S = 0.02


class Deadline:
    """The time limit of one wait, for loops that block on something of their own (a queue, a select)."""

    def __init__(self, timeout: float, what: str) -> None:
        self.timeout = timeout
        self.what = what
        self._end = time.monotonic() + timeout

    def left(self) -> float:
        """Seconds still left, never below zero."""
        return max(0.0, self._end - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self._end

    def missed(self, seen: str = "") -> AssertionError:
        """The failure to raise once the deadline passed; `seen` says what there was instead."""
        return AssertionError(
            f"timed out after {self.timeout} s waiting for {self.what}" + (f"; {seen}" if seen else "")
        )


def wait_until(condition: Callable[[], object], timeout: float = TIMEOUT_S, what: str = "condition") -> None:
    """Poll `condition` until it is true (for what no signal or event announces); fail naming `what`."""
    deadline = Deadline(timeout, what)
    while not condition():
        if deadline.passed():
            raise deadline.missed()
        time.sleep(POLL_S)
