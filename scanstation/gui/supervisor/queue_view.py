"""The queue: every exception in one table, oldest first, with filters and the open count of each kind."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from scanstation.domain import NotAllowedError, Outcome, Verdict
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import day_of, local_midnight, one_line
from scanstation.gui.bridge import in_words
from scanstation.gui.plain import plain_label
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.words import action_words, kind_words, summary_words, when
from scanstation.gui.tables import RowsModel, table_of
from scanstation.gui.widgets import Retranslated, font
from scanstation.review.queue import ExceptionFilter, ExceptionItem, ExceptionKind, count_open, list_exceptions

log = logging.getLogger(__name__)

# The most rows one read brings: the queue opens fast on a big database; the filters narrow it.
QUEUE_LIMIT = 500
_NO_DATE = qt.QDate(2000, 1, 1)
_BAD_STYLE = "color: #b71c1c; font-weight: bold;"


def refusal_words(exc: Exception) -> str:
    """The core's refusal or a resolution's reason as it says them; anything else is logged and told briefly."""
    if isinstance(exc, NotAllowedError | ValueError):  # ResolutionError is a ValueError
        return str(exc)
    if isinstance(exc, OSError):  # an export's file: the disk's or the folder's fault, said as the system says it
        log.warning("a supervisor's file could not be written: %s", exc)
        return in_words(exc)
    log.error("a supervisor's request failed", exc_info=exc)
    return in_words(exc)


class ExceptionsModel(RowsModel[ExceptionItem]):
    """The exceptions as read: opened, kind, number, carrier, station, operator, what, state."""

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("QueueView", "Opened"),
            qt.QCoreApplication.translate("QueueView", "Kind"),
            qt.QCoreApplication.translate("QueueView", "Tracking number"),
            qt.QCoreApplication.translate("QueueView", "Carrier"),
            qt.QCoreApplication.translate("QueueView", "Station"),
            qt.QCoreApplication.translate("QueueView", "Operator"),
            qt.QCoreApplication.translate("QueueView", "State"),
            qt.QCoreApplication.translate("QueueView", "What"),
        ]

    def cell(self, row: ExceptionItem, column: int) -> str:
        if column == 6:
            if not row.resolved:
                return qt.QCoreApplication.translate("QueueView", "open")
            return (
                action_words(row.resolution)
                if row.resolution
                else qt.QCoreApplication.translate("QueueView", "resolved")
            )
        values = (
            when(row.opened_at),
            kind_words(row.kind),
            row.tracking_number or "",
            row.carrier or "",
            row.station or "",
            row.operator or "",
            "",
            summary_words(row),
        )
        return one_line(values[column])

    def foreground(self, row: ExceptionItem, column: int) -> str | None:
        return "#757575" if row.resolved else None


@dataclass(frozen=True)
class QueueState:
    """What one read answered: the rows and the open count of each kind."""

    items: list[ExceptionItem]
    counts: dict[ExceptionKind, int]


def _date_edit(name: str) -> qt.QDateEdit:
    edit = qt.QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setDate(_NO_DATE)
    return edit


class QueueView(Retranslated, qt.QWidget):
    """The exceptions the filters select (at most QUEUE_LIMIT, oldest first); a side list of kinds with counts."""

    loaded = qt.Signal()  # the table shows the core's answer (or the words of why not)
    open_item = qt.Signal(str)  # an item's id: its page is wanted

    def __init__(self, context: SupervisorContext) -> None:
        super().__init__()
        self.setObjectName("queueView")
        self._context = context
        self._counts: dict[ExceptionKind, int] = {}
        self._limit_hit = False
        self._reading = 0  # reads asked and not answered yet

        self.kinds = qt.QListWidget()
        self.kinds.setObjectName("queueKinds")
        self.kinds.setMaximumWidth(240)
        self.kinds.setSpacing(3)
        self.kinds.setFont(font(12))
        self.kinds.currentRowChanged.connect(lambda _: self.refresh())
        self.state_combo = qt.QComboBox()
        self.state_combo.setObjectName("queueState")
        self.state_combo.activated.connect(lambda _: self.refresh())
        self.since_edit = _date_edit("queueSince")
        self.until_edit = _date_edit("queueUntil")
        self.since_edit.dateChanged.connect(lambda _: self.refresh())
        self.until_edit.dateChanged.connect(lambda _: self.refresh())
        self.carrier_edit = qt.QLineEdit()
        self.carrier_edit.setObjectName("queueCarrier")
        self.station_edit = qt.QLineEdit()
        self.station_edit.setObjectName("queueStation")
        self.operator_edit = qt.QLineEdit()
        self.operator_edit.setObjectName("queueOperator")
        for edit in (self.carrier_edit, self.station_edit, self.operator_edit):
            edit.returnPressed.connect(self.refresh)
        self.refresh_button = qt.QPushButton()
        self.refresh_button.setObjectName("queueRefresh")
        self.refresh_button.clicked.connect(self.refresh)

        self.filter_labels: dict[str, qt.QLabel] = {}
        filters = qt.QHBoxLayout()
        for key, widget in (
            ("state", self.state_combo),
            ("since", self.since_edit),
            ("until", self.until_edit),
            ("carrier", self.carrier_edit),
            ("station", self.station_edit),
            ("operator", self.operator_edit),
        ):
            label = plain_label()
            label.setBuddy(widget)
            self.filter_labels[key] = label
            filters.addWidget(label)
            filters.addWidget(widget, 1 if isinstance(widget, qt.QLineEdit) else 0)
        filters.addWidget(self.refresh_button)

        self.model = ExceptionsModel()
        self.table = table_of(self.model, "queueTable")
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        self.open_button = qt.QPushButton()
        self.open_button.setObjectName("queueOpen")
        self.open_button.clicked.connect(self._open_selected)
        self.count_line = plain_label()
        self.count_line.setObjectName("queueCount")
        self.result_line = plain_label()
        self.result_line.setObjectName("queueResult")
        self.result_line.setWordWrap(True)
        self.result_line.setStyleSheet(_BAD_STYLE)

        right = qt.QVBoxLayout()
        right.addLayout(filters)
        right.addWidget(self.table, 1)
        bottom = qt.QHBoxLayout()
        bottom.addWidget(self.count_line, 1)
        bottom.addWidget(self.open_button)
        right.addLayout(bottom)
        right.addWidget(self.result_line)
        layout = qt.QHBoxLayout(self)
        layout.addWidget(self.kinds)
        layout.addLayout(right, 1)
        # A clerk's scan that needs a supervisor, or a late match that settles one, reads the queue again soon
        # after: one read for a burst of them.
        self._again = qt.QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(1000)
        self._again.timeout.connect(self.refresh)
        context.bridge.verdict.connect(self._on_verdict)
        context.bridge.notice.connect(lambda _notice: self._again.start() if self.isVisible() else None)
        self._fill_kinds()
        self.retranslate()

    # ----- texts ----------------------------------------------------------------------------------------------

    def _fill_kinds(self) -> None:
        self.kinds.blockSignals(True)
        self.kinds.addItem("")
        for kind in ExceptionKind:
            item = qt.QListWidgetItem("")
            item.setData(qt.Qt.ItemDataRole.UserRole, kind.value)
            self.kinds.addItem(item)
        self.kinds.setCurrentRow(0)
        self.kinds.blockSignals(False)

    def retranslate(self) -> None:
        words = {
            "state": self.tr("&Show"),
            "since": self.tr("&From"),
            "until": self.tr("&To"),
            "carrier": self.tr("&Carrier"),
            "station": self.tr("St&ation"),
            "operator": self.tr("O&perator"),
        }
        for key, text in words.items():
            self.filter_labels[key].setText(text)
        chosen = self.state_combo.currentIndex()
        self.state_combo.clear()
        self.state_combo.addItem(self.tr("open only"), True)
        self.state_combo.addItem(self.tr("open and resolved"), False)
        self.state_combo.setCurrentIndex(max(0, chosen))
        for edit in (self.since_edit, self.until_edit):
            edit.setSpecialValueText(self.tr("any day"))
        self.carrier_edit.setPlaceholderText(self.tr("ups, fedex, usps…"))
        self.station_edit.setPlaceholderText(self.tr("station id"))
        self.operator_edit.setPlaceholderText(self.tr("log-in name"))
        self.refresh_button.setText(self.tr("&Read again"))
        self.open_button.setText(self.tr("Open the parcel's &page"))
        self.model.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_counts()
        self._show_count_line()

    def _show_counts(self) -> None:
        total = sum(self._counts.values())
        first = self.kinds.item(0)
        if first is not None:
            first.setText(self.tr("Everything (%1)").replace("%1", str(total)))
        for row in range(1, self.kinds.count()):
            item = self.kinds.item(row)
            kind = ExceptionKind(item.data(qt.Qt.ItemDataRole.UserRole))
            item.setText(f"{kind_words(kind)} ({self._counts.get(kind, 0)})")

    def _show_count_line(self) -> None:
        count = len(self.model.rows)
        if self._limit_hit:
            text = self.tr("Showing the oldest %1: narrow the filters to see the rest.")
        elif count:
            text = self.tr("%1 exceptions, oldest first. Enter or double-click opens one.")
        else:
            text = self.tr("Nothing waits for a supervisor here.")
        self.count_line.setText(text.replace("%1", str(count)))

    # ----- reading --------------------------------------------------------------------------------------------

    def chosen_kind(self) -> ExceptionKind | None:
        item = self.kinds.currentItem()
        value = item.data(qt.Qt.ItemDataRole.UserRole) if item is not None else None
        return ExceptionKind(value) if value else None

    def choose_kind(self, kind: ExceptionKind | None) -> None:
        """Pick `kind` in the side list (what a click does) and read again."""
        row = 0 if kind is None else list(ExceptionKind).index(kind) + 1
        self.kinds.setCurrentRow(row)

    def exception_filter(self) -> ExceptionFilter:
        kind = self.chosen_kind()
        since = until = None
        if self.since_edit.date() != _NO_DATE:
            since = local_midnight(day_of(self.since_edit.date()))
        if self.until_edit.date() != _NO_DATE:
            until = local_midnight(day_of(self.until_edit.date()) + timedelta(days=1))
        return ExceptionFilter(
            kinds=(kind,) if kind is not None else (),
            open_only=bool(self.state_combo.currentData()),
            since=since,
            until=until,
            carrier=self.carrier_edit.text().strip().lower() or None,
            station=self.station_edit.text().strip() or None,
            operator=self.operator_edit.text().strip() or None,
            limit=QUEUE_LIMIT,
        )

    def refresh(self) -> None:
        """Read the queue and the counts on the receiving thread, as the acting supervisor."""
        actor = self._context.actor()
        if actor is None:
            self.result_line.setText(self.tr("Log in as a supervisor to see the queue."))
            self.loaded.emit()
            return
        flt = self.exception_filter()
        c = self._context

        def work() -> QueueState:
            items = list_exceptions(c.store, actor, flt, overdue_days=c.overdue_days, station=c.station_id)
            return QueueState(items, count_open(c.store, overdue_days=c.overdue_days))

        def shown(state: QueueState) -> None:
            self._reading -= 1
            selected = self.selected()
            self._counts = state.counts
            self._limit_hit = len(state.items) >= flt.limit
            self.model.set_rows(state.items)
            self.table.resizeColumnsToContents()
            if selected is not None:
                self.select(selected.id)
            self.result_line.setText("")
            self._show_counts()
            self._show_count_line()
            self.loaded.emit()

        def failed(exc: Exception) -> None:
            self._reading -= 1
            self.result_line.setText(refusal_words(exc))
            self.model.set_rows([])
            self._show_count_line()
            self.loaded.emit()

        self._reading += 1
        c.runner.op(work).success(shown).failure(failed).run_in_background()

    @property
    def reading(self) -> bool:
        """A read was asked and its answer has not come yet."""
        return self._reading > 0

    def _on_verdict(self, verdict: Verdict) -> None:
        if verdict.outcome not in (Outcome.MATCHED, Outcome.DUPLICATE) and self.isVisible():
            self._again.start()

    def counts(self) -> dict[ExceptionKind, int]:
        return dict(self._counts)

    # ----- choosing -------------------------------------------------------------------------------------------

    def selected(self) -> ExceptionItem | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.model.rows):
            return None
        return self.model.rows[rows[0].row()]

    def select(self, item_id: str) -> bool:
        for row, item in enumerate(self.model.rows):
            if item.id == item_id:
                self.table.selectRow(row)
                return True
        return False

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.open_item.emit(self.model.rows[row].id)

    def _open_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.open_item.emit(item.id)


__all__ = ["QUEUE_LIMIT", "ExceptionsModel", "QueueView", "refusal_words"]
