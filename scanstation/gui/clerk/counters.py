"""The shift's counters: how many scans of each outcome since the window opened, less the ones undone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from scanstation.domain import Outcome, Verdict
from scanstation.gui import qt
from scanstation.gui.plain import plain_label
from scanstation.gui.texts import COLOURS, local_time, outcome_word
from scanstation.gui.widgets import font

COUNTED: Final = (
    Outcome.MATCHED,
    Outcome.DUPLICATE,
    Outcome.UNKNOWN,
    Outcome.AMBIGUOUS,
    Outcome.NOT_EXPECTED,
    Outcome.INVALID,
)


class CountersPanel(qt.QWidget):
    """A title with the shift's start, then one coloured name and one number per counted outcome."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self._counts: dict[str, int] = dict.fromkeys(COUNTED, 0)
        self._counted: dict[str, str] = {}  # scan_id -> outcome counted, so an undo subtracts the right one
        self._shift_started = datetime.now(UTC)
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = plain_label()
        self.title.setFont(font(16 * scale, bold=True))
        layout.addWidget(self.title)
        grid = qt.QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnMinimumWidth(2, 0)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.names: dict[str, qt.QLabel] = {}
        self.values: dict[str, qt.QLabel] = {}
        for row, outcome in enumerate(COUNTED):
            bg, fg = COLOURS[outcome]
            name = plain_label()
            name.setFont(font(15 * scale, bold=True))
            # A border in the text's colour: a chip as light as the window (invalid's) still reads as a chip.
            name.setStyleSheet(
                f"background: {bg}; color: {fg}; padding: 1px 7px; border: 1px solid {fg}; border-radius: 4px;"
            )
            value = plain_label("0")
            value.setFont(font(22 * scale, bold=True))
            value.setAlignment(qt.Qt.AlignmentFlag.AlignRight | qt.Qt.AlignmentFlag.AlignVCenter)
            value.setObjectName(f"count_{outcome}")
            # Two outcomes a line: the list of last scans below keeps its room at 1280x720.
            line, column = divmod(row, 2)
            grid.addWidget(name, line, column * 2)
            grid.addWidget(value, line, column * 2 + 1)
            self.names[outcome] = name
            self.values[outcome] = value
        layout.addLayout(grid)

    def add(self, verdict: Verdict) -> None:
        """Count a verdict once, whatever number of times it is shown."""
        outcome = str(verdict.outcome)
        if outcome in self._counts and verdict.scan_id not in self._counted:
            self._counted[verdict.scan_id] = outcome
            self._set(outcome, self._counts[outcome] + 1)

    def remove(self, scan_id: str) -> None:
        """An undone scan is no longer counted."""
        outcome = self._counted.pop(scan_id, None)
        if outcome is not None:
            self._set(outcome, self._counts[outcome] - 1)

    def count(self, outcome: str) -> int:
        return self._counts[outcome]

    def retranslate(self) -> None:
        self.title.setText(
            qt.QCoreApplication.translate("StationWindow", "This shift (since %1)").replace(
                "%1", local_time(self._shift_started)
            )
        )
        for outcome, label in self.names.items():
            label.setText(outcome_word(outcome))

    def _set(self, outcome: str, value: int) -> None:
        self._counts[outcome] = value
        self.values[outcome].setText(str(value))


__all__ = ["COUNTED", "CountersPanel"]
