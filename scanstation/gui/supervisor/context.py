"""What the supervisor's window and its pages work with: the runner, the store, who acts, the resolutions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from scanstation.domain import Actor
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.operations import OperationRunner
from scanstation.gui.photos import Cameras
from scanstation.review.queue import DEFAULT_OVERDUE_DAYS
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store

# Asks where an export goes: (parent, suggested file name, filter words) -> the path, or None when cancelled.
ChooseFile = Callable[[qt.QWidget | None, str, str], Path | None]


def ask_file(parent: qt.QWidget | None, suggested: str, filters: str) -> Path | None:
    chosen, _ = qt.QFileDialog.getSaveFileName(
        parent, qt.QCoreApplication.translate("Supervisor", "Export the shift report"), suggested, filters
    )
    return Path(chosen) if chosen else None


@dataclass
class SupervisorContext:
    """The supervisor's window is built from this one value (the Station makes it; the tests too)."""

    runner: OperationRunner  # work on the receiving thread, answers on the GUI thread
    store: Store
    actor: Callable[[], Actor | None]  # who is logged in now (None: nobody)
    station_id: str
    bridge: Bridge  # desk_scan: a scan read while the desk is the active window
    receiving: GuiReceiving  # told when the desk is the active window, so scans come to it
    resolutions: Resolutions  # on the receiving thread's Receiver: called only from work run there
    overdue_days: int = DEFAULT_OVERDUE_DAYS
    zone: tzinfo | None = None  # the report's hours (None: the station's clock)
    choose_file: ChooseFile = field(default=ask_file)
    cameras: Cameras | None = None  # None: Qt's (gui/photos.QtCameras); a test gives its own


__all__ = ["ChooseFile", "SupervisorContext", "ask_file"]
