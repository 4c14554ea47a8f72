"""The Station tab: who this station is, the undo window, language, sound and the log-in rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.admin.form import SettingsPage
from scanstation.gui.widgets import Retranslated


class StationTab(Retranslated, qt.QWidget):
    """Station settings as form fields; the window's Save writes them with the other tabs' changes."""

    changed = qt.Signal()

    def __init__(self, context: AdminContext, data: Mapping[str, Any]) -> None:
        super().__init__()
        self.setObjectName("stationTab")
        self._context = context
        self.page = SettingsPage(
            [
                (lambda: self.tr("This station"), [("station", "id"), ("station", "operator")]),
                (lambda: self.tr("Scanning"), [("receiving", "undo_window_s")]),
                (
                    lambda: self.tr("Screen and sound"),
                    [
                        ("gui", "language"),
                        ("gui", "sound"),
                        ("gui", "volume"),
                        ("gui", "font_scale"),
                        ("gui", "fullscreen"),
                        ("gui", "ready_after_s"),
                        ("gui", "kiosk"),
                    ],
                ),
                (
                    lambda: self.tr("Log-in"),
                    [
                        ("login", "idle_logout_min"),
                        ("login", "max_wrong_pins"),
                        ("login", "lockout_min"),
                        ("login", "badge_pin_for_privileged"),
                    ],
                ),
            ],
            data,
        )
        self.page.changed.connect(self.changed.emit)
        layout = qt.QVBoxLayout(self)
        layout.addWidget(self.page)
        self.retranslate()

    def retranslate(self) -> None:
        self.page.retranslate()


__all__ = ["StationTab"]
