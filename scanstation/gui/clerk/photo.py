"""The clerk's "Photo" button: shown while the parcel on the banner is one whose customer paid for a photo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scanstation.domain import Actor, Outcome, Verdict
from scanstation.gui import qt
from scanstation.gui.operations import OperationRunner
from scanstation.gui.photos import Cameras, PhotoDialog, PhotoStrip
from scanstation.gui.widgets import font
from scanstation.review.photos import PHOTO_SERVICES, parcel_ref_of_registration
from scanstation.store.connection import Store

# A parcel on the banner a photo can be taken of: received now, or scanned again after it was.
_PHOTO_OUTCOMES = (Outcome.MATCHED, Outcome.DUPLICATE)
SHORTCUT = "F4"


def photo_wanted(verdict: Verdict) -> bool:
    """The verdict is a registered parcel whose services ask for a photo."""
    return (
        verdict.outcome in _PHOTO_OUTCOMES
        and verdict.parcel_id is not None
        and any(code in PHOTO_SERVICES for code in verdict.services)
    )


class PhotoDoor:
    """The button (and F4) that opens the camera and file strip for the parcel on the banner, linked to it."""

    def __init__(
        self,
        parent: qt.QWidget,
        scale: float,
        store: Store | None,
        actor: Callable[[], Actor | None],
        runner: OperationRunner | None,
        *,
        station: str,
        folder: Path | None = None,
        cameras: Cameras | None = None,
    ) -> None:
        self._parent = parent
        self._store = store
        self._actor = actor
        self._runner = runner
        self._station = station
        self._folder = folder
        self.cameras = cameras  # None: the system's (tests give a fake)
        self._verdict: Verdict | None = None
        self._dialog: PhotoDialog | None = None
        self.button = qt.QPushButton()
        self.button.setObjectName("photoButton")
        self.button.setFont(font(18 * scale, bold=True))
        self.button.setVisible(False)
        self.button.clicked.connect(self.open)
        self._shortcut = qt.QShortcut(qt.QKeySequence(SHORTCUT), parent)
        self._shortcut.activated.connect(self.open)

    def retranslate(self) -> None:
        self.button.setText(qt.QCoreApplication.translate("StationWindow", "Photo (F4)"))

    @property
    def dialog(self) -> PhotoDialog | None:
        """The photo window open now, or None."""
        dialog = self._dialog
        return dialog if dialog is not None and dialog.isVisible() else None

    def show_verdict(self, verdict: Verdict) -> None:
        """The banner shows `verdict`: the button is there while it is a parcel with a paid photo."""
        wanted = photo_wanted(verdict) and self._store is not None and self._runner is not None
        self._verdict = verdict if wanted else None
        self.button.setVisible(wanted)

    def clear(self) -> None:
        """The banner shows no parcel now (an unreadable scan): no button; a photo window open stays."""
        self._verdict = None
        self.button.setVisible(False)

    def forget(self, scan_id: str | None = None) -> None:
        """The scan was undone (its id), or the clerk left (None): no button for it any more."""
        if scan_id is None or (self._verdict is not None and self._verdict.scan_id == scan_id):
            self._verdict = None
            self.button.setVisible(False)
        if scan_id is None and self._dialog is not None:
            self._dialog.close()
            self._dialog = None

    def open(self) -> None:
        """The photo window for the parcel on the banner (F4 or the button); nothing when there is none."""
        verdict, store, runner = self._verdict, self._store, self._runner
        if verdict is None or verdict.parcel_id is None or store is None or runner is None or self._actor() is None:
            return
        ref = parcel_ref_of_registration(verdict.parcel_id)
        open_now = self.dialog
        if open_now is not None and open_now.strip.parcel_ref == ref:
            open_now.raise_()
            open_now.activateWindow()
            return
        if open_now is not None:
            open_now.close()
        strip = PhotoStrip(
            store, self._actor, ref, runner, station=self._station, folder=self._folder, cameras=self.cameras
        )
        who = verdict.customer_suite or "?"
        number = verdict.tracking_number or verdict.raw.strip()
        title = (
            qt.QCoreApplication.translate("StationWindow", "Photo for suite %1: %2")
            .replace("%1", who)
            .replace("%2", number)
        )
        self._dialog = PhotoDialog(strip, title, self._parent)
        self._dialog.show()
        if strip.camera_button.isEnabled():
            strip.camera_button.setFocus()


__all__ = ["SHORTCUT", "PhotoDoor", "photo_wanted"]
