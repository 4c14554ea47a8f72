"""A read-only table model over a list of rows: the admin's lists (operators, the audit trail) are each one."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from scanstation.gui import qt

Row = TypeVar("Row")


class RowsModel(qt.QAbstractTableModel, Generic[Row]):
    """Rows shown as plain text cells (a cell is a string, so no markup is ever read from it).

    A subclass says what the columns are called (`headers`), what each cell shows (`cell`) and, where it
    wants one, the text colour of a cell (`foreground`, a colour name).
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def headers(self) -> list[str]:
        raise NotImplementedError

    def cell(self, row: Row, column: int) -> str:
        raise NotImplementedError

    def foreground(self, row: Row, column: int) -> str | None:
        return None

    def rowCount(self, parent: Any = None) -> int:  # noqa: N802 - Qt override
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = None) -> int:  # noqa: N802 - Qt override
        return 0 if parent is not None and parent.isValid() else len(self.headers())

    def data(self, index: Any, role: int = qt.Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == qt.Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())
        if role == qt.Qt.ItemDataRole.ForegroundRole:
            colour = self.foreground(row, index.column())
            return None if colour is None else qt.QColor(colour)
        return None

    def headerData(self, section: int, orientation: Any, role: int = qt.Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == qt.Qt.ItemDataRole.DisplayRole and orientation == qt.Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None


__all__ = ["RowsModel", "table_of"]


def table_of(model: qt.QAbstractTableModel, name: str) -> qt.QTableView:
    """A read-only table of whole rows, one selected at a time (the supervisor's lists, the audit trail)."""
    table = qt.QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(qt.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(qt.QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(qt.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table
