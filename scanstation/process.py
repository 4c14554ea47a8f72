"""Interpreter settings for the whole process: made by the entry points that own it, never by the library."""

from __future__ import annotations

import gc
import sys
from typing import Final

# Python hands the GIL between threads every 5 ms by default. A scan (or the GUI thread's key press and
# verdict) then waits up to that long behind a feed page being written or fetched at every database call.
# 1 ms keeps scans quick; 0.1 ms cost a pull a tenth of its CPU in thread switches (`bench sync`).
SWITCH_INTERVAL_S: Final = 0.001


def share_the_gil_quickly() -> None:
    """Make threads hand the GIL over every SWITCH_INTERVAL_S (or sooner, if the process already does)."""
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))


def freeze_startup_objects() -> None:
    """Leave what exists now out of every later collection, so that those stay short.

    A full collection stops every thread, the GUI's too, for as long as it walks all live objects. What
    exists at start (modules, Qt wrappers, the engine) lives as long as the station: frozen, it is never
    walked again (measured by `scanstation bench gui`: gc pauses).
    """
    gc.collect()
    gc.freeze()
