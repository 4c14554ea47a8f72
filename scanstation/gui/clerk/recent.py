"""The last scans: a table model of the verdicts themselves, the panel that shows it newest first, a scan's details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from scanstation.domain import Outcome, Verdict
from scanstation.gui import qt
from scanstation.gui.clerk.counters import COUNTED
from scanstation.gui.plain import plain_label
from scanstation.gui.texts import COLOURS, local_time, note_words, outcome_word
from scanstation.gui.widgets import font
from scanstation.scanners.monitor import visible_controls
from scanstation.tracking import group_for_print

RECENT_ROWS: Final = 100
COLUMNS: Final = 4
_NUMBER: Final = 1
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
        return local_time(verdict.at, seconds=True), shown_number(verdict), outcome_word(self.result), suite


def shown_number(verdict: Verdict) -> str:
    """The whole number in the groups its carrier prints, or the read itself (controls spelled out)."""
    if verdict.tracking_number:
        return group_for_print(verdict.tracking_number, verdict.carrier)
    return visible_controls(verdict.raw.strip())[:60]


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

    def scan_at(self, row: int) -> RecentScan:
        return self._rows[row]

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
    """The "Last scans" title over a read-only table of `RecentScans`; a click on a row asks for its details."""

    opened = qt.Signal(object)  # the RecentScan clicked

    def __init__(self, scale: float) -> None:
        super().__init__()
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = plain_label()
        self.title.setFont(font(16 * scale, bold=True))
        layout.addWidget(self.title)
        self.model = RecentScans()
        self.table = qt.QTableView()
        self.table.setObjectName("recentScans")
        self.table.setModel(self.model)
        self.table.setFont(font(13 * scale))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(qt.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(qt.QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(qt.Qt.FocusPolicy.NoFocus)
        self.table.setCursor(qt.Qt.CursorShape.PointingHandCursor)
        # Fixed column widths: ResizeToContents would measure every row on each inserted scan.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(qt.QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(_NUMBER, qt.QHeaderView.ResizeMode.Stretch)
        # Room for a whole number on two lines beside the time, the result and the suite.
        self.table.setMinimumWidth(round(520 * scale))
        self.table.setHorizontalScrollBarPolicy(qt.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Nor a vertical bar: it would take its width from the numbers once the list is longer than the panel
        # (the newest are on top; the wheel still reaches the older ones).
        self.table.setVerticalScrollBarPolicy(qt.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A number too long for its column wraps at its groups onto a second line (every row is two lines
        # then, so no row is measured on its own); only beyond that is its middle elided.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(qt.Qt.TextElideMode.ElideMiddle)
        header.sectionResized.connect(lambda column, _old, _new: self._fit_rows() if column == _NUMBER else None)
        self.model.rowsInserted.connect(lambda *_: self._fit_rows(newest_only=True))
        self.table.clicked.connect(lambda index: self.opened.emit(self.model.scan_at(index.row())))
        layout.addWidget(self.table, 1)
        self._lines = 0

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
        self._fit_rows()

    def number_fits(self) -> bool:
        """Every number on show fits its cell: on one line, or wrapped at its groups onto the row's two lines."""
        metrics = qt.QFontMetricsF(self.table.font())
        room = self.table.columnWidth(_NUMBER) - 8
        for row in self.model.rows():
            lines: list[str] = []
            for group in row[1].split(" "):  # wrapped as the view wraps: as many groups on a line as fit
                if lines and metrics.horizontalAdvance(f"{lines[-1]} {group}") <= room:
                    lines[-1] = f"{lines[-1]} {group}"
                else:
                    lines.append(group)
            if len(lines) > self._lines or any(metrics.horizontalAdvance(line) > room for line in lines):
                return False
        return True

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        qt.QTimer.singleShot(0, self._fit_rows)  # once the header has stretched the number column

    def _fit_rows(self, *, newest_only: bool = False) -> None:
        """Two lines a row once a number is wider than its column (a scan only measures its own number)."""
        metrics = qt.QFontMetricsF(self.table.font())
        room = self.table.columnWidth(_NUMBER) - 8
        newest = newest_only and self.model.rowCount() > 0
        rows = [self.model.scan_at(0).cells()] if newest else self.model.rows()
        widest = max((metrics.horizontalAdvance(row[1]) for row in rows), default=0.0)
        lines = 2 if widest > room else (self._lines if newest_only else 1)
        if lines != self._lines:
            self._lines = lines
            self.table.verticalHeader().setDefaultSectionSize(round(metrics.lineSpacing() * lines) + 8)


class ScanDetails(qt.QDialog):
    """One scan of the list in full: the read as it came (control characters spelled out), when, who, what."""

    def __init__(self, scan: RecentScan, parent: qt.QWidget | None, scale: float) -> None:
        super().__init__(parent)
        self.setObjectName("scanDetails")
        self.setAttribute(qt.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(qt.QCoreApplication.translate("ScanDetails", "Scan details"))
        self.setFont(font(15 * scale))
        verdict = scan.verdict
        placed = scan.late_match or verdict
        form = qt.QFormLayout()
        self.values: dict[str, qt.QLabel] = {}

        def row(name: str, title: str, value: str | None) -> None:
            label = plain_label(value or "—")
            label.setObjectName(name)
            label.setWordWrap(True)
            label.setTextInteractionFlags(qt.Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[name] = label
            form.addRow(plain_label(title), label)
            if name == "raw":
                # A read has no spaces to wrap at: it is broken anywhere, every character on show.
                label.setVisible(False)
                self.raw = qt.QPlainTextEdit(value or "")
                self.raw.setObjectName("rawRead")
                self.raw.setReadOnly(True)
                self.raw.setWordWrapMode(qt.QTextOption.WrapMode.WrapAnywhere)
                self.raw.setFixedHeight(round(qt.QFontMetricsF(self.font()).lineSpacing() * 3) + 24)
                form.replaceWidget(label, self.raw)

        outcome = outcome_word(scan.result)
        if scan.late_match is not None:
            outcome = qt.QCoreApplication.translate("ScanDetails", "%1 (matched later by sync)").replace("%1", outcome)
        row(
            "number",
            qt.QCoreApplication.translate("ScanDetails", "Number"),
            shown_number(verdict) if verdict.tracking_number else None,
        )
        row("carrier", qt.QCoreApplication.translate("ScanDetails", "Carrier"), verdict.carrier)
        read = visible_controls(verdict.raw)
        if verdict.typed:
            read = qt.QCoreApplication.translate("ScanDetails", "typed by hand: %1").replace("%1", read)
        row("raw", qt.QCoreApplication.translate("ScanDetails", "Read"), read)
        row(
            "time",
            qt.QCoreApplication.translate("ScanDetails", "Time"),
            verdict.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
        )
        row("scanner", qt.QCoreApplication.translate("ScanDetails", "Scanner"), verdict.scanner)
        row("operator", qt.QCoreApplication.translate("ScanDetails", "Operator"), verdict.operator)
        row("outcome", qt.QCoreApplication.translate("ScanDetails", "Outcome"), outcome)
        row("suite", qt.QCoreApplication.translate("ScanDetails", "Suite"), placed.customer_suite)
        row("customer", qt.QCoreApplication.translate("ScanDetails", "Customer"), placed.customer_name)
        row("order", qt.QCoreApplication.translate("ScanDetails", "Order"), placed.order_number)
        row("note", qt.QCoreApplication.translate("ScanDetails", "Note"), note_words(verdict.note))
        buttons = qt.QDialogButtonBox()
        close = buttons.addButton(
            qt.QCoreApplication.translate("ScanDetails", "Close"), qt.QDialogButtonBox.ButtonRole.RejectRole
        )
        close.setObjectName("closeDetails")
        buttons.rejected.connect(self.reject)
        layout = qt.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(round(560 * scale))


__all__ = ["RECENT_ROWS", "RecentPanel", "RecentScan", "RecentScans", "ScanDetails", "shown_number"]
