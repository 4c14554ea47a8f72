"""The last scans: a table model of the verdicts themselves, and the panel that shows it newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from scanstation.domain import Outcome, Verdict
from scanstation.gui import qt
from scanstation.gui.clerk.counters import COUNTED
from scanstation.gui.plain import plain_label
from scanstation.gui.texts import COLOURS, local_time, outcome_word
from scanstation.gui.widgets import font

RECENT_ROWS: Final = 100
COLUMNS: Final = 4
_RESULT: Final = 2
_Index = qt.QModelIndex | qt.QPersistentModelIndex


@dataclass(slots=True)
class RecentScan:
    """One line of the list: the scan's verdict, and what happened to it since (an undo, a late match)."""

    verdict: Verdict
    late_match: Verdict | None = None  # sync matched the unknown parcel later: its suite is where it belongs
    undone: bool = False

    @property
    def result(self) -> str:
        if self.undone:
            return "undone"
        if self.late_match is not None:
            return str(Outcome.MATCHED)
        return str(self.verdict.outcome)

    def cells(self) -> tuple[str, str, str, str]:
        verdict = self.verdict
        suite = (self.late_match or verdict).customer_suite or ""
        number = verdict.tracking_number or verdict.raw.strip()[:40]
        return local_time(verdict.at, seconds=True), number, outcome_word(self.result), suite


class RecentScans(qt.QAbstractTableModel):
    """The last RECENT_ROWS verdicts, newest first, with the time, number, result and suite of each."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[RecentScan] = []

    def rowCount(self, parent: _Index = qt.QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = qt.QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else COLUMNS

    def data(self, index: _Index, role: int = qt.Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == qt.Qt.ItemDataRole.DisplayRole:
            return row.cells()[index.column()]
        if index.column() == _RESULT and role in (qt.Qt.ItemDataRole.BackgroundRole, qt.Qt.ItemDataRole.ForegroundRole):
            bg, fg = COLOURS.get(row.result, COLOURS["idle"])
            return qt.QColor(bg if role == qt.Qt.ItemDataRole.BackgroundRole else fg)
        return None

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: qt.Qt.Orientation, role: int = qt.Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != qt.Qt.Orientation.Horizontal or role != qt.Qt.ItemDataRole.DisplayRole:
            return None
        return column_titles()[section]

    def add(self, verdict: Verdict) -> None:
        self.beginInsertRows(qt.QModelIndex(), 0, 0)
        self._rows.insert(0, RecentScan(verdict))
        self.endInsertRows()
        if len(self._rows) > RECENT_ROWS:
            self.beginRemoveRows(qt.QModelIndex(), RECENT_ROWS, len(self._rows) - 1)
            del self._rows[RECENT_ROWS:]
            self.endRemoveRows()

    def mark_undone(self, scan_id: str) -> None:
        for number, row in enumerate(self._rows):
            if row.verdict.scan_id == scan_id:
                row.undone = True
                self._changed(number)
                return

    def mark_resolved(self, late_match: Verdict) -> None:
        """The unknown scan's line now shows where the parcel belongs."""
        for number, row in enumerate(self._rows):
            if row.verdict.unknown_id and row.verdict.unknown_id == late_match.unknown_id:
                row.late_match = late_match
                self._changed(number)

    def retranslate(self) -> None:
        """The result words and column titles in the current language."""
        self.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, COLUMNS - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, _RESULT), self.index(len(self._rows) - 1, _RESULT))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """What the list shows, top (newest) first."""
        return [row.cells() for row in self._rows]

    def _changed(self, number: int) -> None:
        self.dataChanged.emit(self.index(number, 0), self.index(number, COLUMNS - 1))


def column_titles() -> tuple[str, str, str, str]:
    return (
        qt.QCoreApplication.translate("StationWindow", "Time"),
        qt.QCoreApplication.translate("StationWindow", "Number"),
        qt.QCoreApplication.translate("StationWindow", "Result"),
        qt.QCoreApplication.translate("StationWindow", "Suite"),
    )


class RecentPanel(qt.QWidget):
    """The "Last scans" title over a read-only table of `RecentScans`."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = plain_label()
        self.title.setFont(font(16 * scale, bold=True))
        layout.addWidget(self.title)
        self.model = RecentScans()
        self.table = qt.QTableView()
        self.table.setModel(self.model)
        self.table.setFont(font(13 * scale))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(qt.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(qt.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(qt.Qt.FocusPolicy.NoFocus)
        # Fixed column widths: ResizeToContents would measure every row on each inserted scan.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(qt.QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, qt.QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumWidth(round(440 * scale))
        self.table.setHorizontalScrollBarPolicy(qt.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(qt.Qt.TextElideMode.ElideLeft)  # the end of a number tells parcels apart
        layout.addWidget(self.table, 1)

    def retranslate(self) -> None:
        self.title.setText(qt.QCoreApplication.translate("StationWindow", "Last scans"))
        self.model.retranslate()
        metrics = qt.QFontMetricsF(self.table.font())
        pad = 16
        widths = {
            0: metrics.horizontalAdvance("00:00:00"),
            2: max(metrics.horizontalAdvance(outcome_word(o)) for o in (*COUNTED, "undone")),
            3: metrics.horizontalAdvance("UN-00000"),
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, round(width) + pad)


__all__ = ["RECENT_ROWS", "RecentPanel", "RecentScan", "RecentScans"]
