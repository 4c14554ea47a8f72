"""Searching registrations by anything a supervisor holds; a found one's page opens from the table."""

from __future__ import annotations

from scanstation.gui import qt
from scanstation.gui.plain import plain_label
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.queue_view import refusal_words
from scanstation.gui.tables import RowsModel, table_of
from scanstation.gui.texts import status_word
from scanstation.gui.widgets import Retranslated
from scanstation.review.search import RegistrationHit, search_registrations

_BAD_STYLE = "color: #b71c1c; font-weight: bold;"


def matched_on_words(field: str) -> str:
    words = {
        "tracking": qt.QCoreApplication.translate("SearchView", "tracking number"),
        "suite": qt.QCoreApplication.translate("SearchView", "suite"),
        "name": qt.QCoreApplication.translate("SearchView", "name"),
        "order": qt.QCoreApplication.translate("SearchView", "order"),
        "store": qt.QCoreApplication.translate("SearchView", "store"),
    }
    return words.get(field, field)


class HitsModel(RowsModel[RegistrationHit]):
    """Registrations found: suite, name, number, what was typed, store, order, status, what matched."""

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("SearchView", "Suite"),
            qt.QCoreApplication.translate("SearchView", "Customer"),
            qt.QCoreApplication.translate("SearchView", "Tracking number"),
            qt.QCoreApplication.translate("SearchView", "Typed"),
            qt.QCoreApplication.translate("SearchView", "Store"),
            qt.QCoreApplication.translate("SearchView", "Order"),
            qt.QCoreApplication.translate("SearchView", "Status"),
            qt.QCoreApplication.translate("SearchView", "Found by"),
        ]

    def cell(self, row: RegistrationHit, column: int) -> str:
        status = qt.QCoreApplication.translate("SearchView", "deleted") if row.deleted else status_word(row.status)
        values = (
            row.customer_suite,
            row.customer_name,
            row.tracking_number or "",
            row.tracking_typed,
            row.store,
            row.order_number,
            status,
            matched_on_words(row.matched_on),
        )
        return " ".join(values[column].split())

    def foreground(self, row: RegistrationHit, column: int) -> str | None:
        return "#757575" if row.deleted else None


def selected_row(table: qt.QTableView, rows: int) -> int | None:
    chosen = table.selectionModel().selectedRows()
    return chosen[0].row() if chosen and 0 <= chosen[0].row() < rows else None


class SearchBox(Retranslated, qt.QWidget):
    """A search field, its button and the table of registrations found (the Search tab; a parcel's page too)."""

    searched = qt.Signal()  # the table shows the core's answer (or the words of why not)
    chosen = qt.Signal(object)  # a RegistrationHit: Enter or double-click on it

    def __init__(self, context: SupervisorContext, name: str = "search") -> None:
        super().__init__()
        self._context = context
        self.edit = qt.QLineEdit()
        self.edit.setObjectName(f"{name}Text")
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self.search)
        self.button = qt.QPushButton()
        self.button.setObjectName(f"{name}Button")
        self.button.clicked.connect(self.search)
        self.model = HitsModel()
        self.table = table_of(self.model, f"{name}Table")
        self.table.activated.connect(lambda index: self._choose(index.row()))
        self.result_line = plain_label()
        self.result_line.setObjectName(f"{name}Result")
        self.result_line.setWordWrap(True)
        row = qt.QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result_line)
        self.retranslate()

    def retranslate(self) -> None:
        self.edit.setPlaceholderText(self.tr("part of a tracking number, suite, customer's name, order or store"))
        self.button.setText(self.tr("&Search"))
        self.model.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)

    def search(self, text: str | None = None) -> None:
        """Search on the receiving thread as the acting supervisor."""
        if text is not None:
            self.edit.setText(text)
        needle = self.edit.text().strip()
        actor = self._context.actor()
        if not needle or actor is None:
            self.model.set_rows([])
            self.result_line.setText("")
            self.searched.emit()
            return
        c = self._context

        def shown(hits: list[RegistrationHit]) -> None:
            self.model.set_rows(hits)
            self.table.resizeColumnsToContents()
            self.result_line.setStyleSheet("")
            self.result_line.setText(
                self.tr("%1 registrations found.").replace("%1", str(len(hits)))
                if hits
                else self.tr("No registration has “%1”.").replace("%1", needle)
            )
            if hits:
                self.table.selectRow(0)
            self.searched.emit()

        def failed(exc: Exception) -> None:
            self.model.set_rows([])
            self.result_line.setStyleSheet(_BAD_STYLE)
            self.result_line.setText(refusal_words(exc))
            self.searched.emit()

        c.runner.op(lambda: search_registrations(c.store, actor, needle, station=c.station_id)).success(shown).failure(
            failed
        ).run_in_background()

    def selected(self) -> RegistrationHit | None:
        row = selected_row(self.table, len(self.model.rows))
        return None if row is None else self.model.rows[row]

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.chosen.emit(self.model.rows[row])


class SearchView(Retranslated, qt.QWidget):
    """The Search tab: a found registration's page opens with Enter, a double-click or the button."""

    open_item = qt.Signal(str)

    def __init__(self, context: SupervisorContext) -> None:
        super().__init__()
        self.setObjectName("searchView")
        self.box = SearchBox(context)
        self.box.chosen.connect(lambda hit: self.open_item.emit(f"registration:{hit.registration_id}"))
        self.open_button = qt.QPushButton()
        self.open_button.setObjectName("searchOpen")
        self.open_button.clicked.connect(self._open_selected)
        layout = qt.QVBoxLayout(self)
        layout.addWidget(self.box, 1)
        buttons = qt.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.open_button.setText(self.tr("Open the registration's &page"))

    def _open_selected(self) -> None:
        hit = self.box.selected()
        if hit is not None:
            self.open_item.emit(f"registration:{hit.registration_id}")


__all__ = ["HitsModel", "SearchBox", "SearchView", "selected_row"]
