"""The shift report: counts by outcome, operator and hour, a chart of scans per hour, the scans, the exceptions."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

from scanstation.domain import Outcome
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import day_of
from scanstation.gui.plain import plain_label
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.queue_view import refusal_words
from scanstation.gui.supervisor.words import action_words, kind_words, outcome_words, when, yes
from scanstation.gui.tables import RowsModel, table_of
from scanstation.gui.widgets import Retranslated, font
from scanstation.review.report import (
    REPORT_OUTCOMES,
    UNDONE,
    ExceptionRow,
    HourRow,
    OperatorRow,
    ScanRow,
    ShiftReport,
    build_report,
    current_shift,
    day_range,
    export_report,
)

log = logging.getLogger(__name__)

_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b71c1c; font-weight: bold;"

# One colour per outcome, told apart in print and by most colour-blind readers (the clerk's banner colours).
OUTCOME_COLOURS: Final = {
    Outcome.MATCHED.value: "#2e7d32",
    Outcome.DUPLICATE.value: "#f9a825",
    Outcome.UNKNOWN.value: "#c62828",
    Outcome.AMBIGUOUS.value: "#ef6c00",
    Outcome.NOT_EXPECTED.value: "#6a1b9a",
    Outcome.INVALID.value: "#757575",
    UNDONE: "#4fc3f7",
}
SHIFTS: Final = ("current", "today", "yesterday", "day")


class OperatorsModel(RowsModel[OperatorRow]):
    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ReportView", "Operator"),
            *(outcome_words(o) for o in REPORT_OUTCOMES),
            qt.QCoreApplication.translate("ReportView", "Total"),
        ]

    def cell(self, row: OperatorRow, column: int) -> str:
        if column == 0:
            return row.operator
        if column <= len(REPORT_OUTCOMES):
            return str(row.counts.get(REPORT_OUTCOMES[column - 1], 0))
        return str(row.total)


class HoursModel(RowsModel[HourRow]):
    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ReportView", "Hour"),
            *(outcome_words(o) for o in REPORT_OUTCOMES),
            qt.QCoreApplication.translate("ReportView", "Total"),
        ]

    def cell(self, row: HourRow, column: int) -> str:
        if column == 0:
            return row.start.strftime("%Y-%m-%d %H:00")
        if column <= len(REPORT_OUTCOMES):
            return str(row.counts.get(REPORT_OUTCOMES[column - 1], 0))
        return str(row.total)


class ScanRowsModel(RowsModel[ScanRow]):
    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ReportView", "Time"),
            qt.QCoreApplication.translate("ReportView", "Number"),
            qt.QCoreApplication.translate("ReportView", "Carrier"),
            qt.QCoreApplication.translate("ReportView", "Outcome"),
            qt.QCoreApplication.translate("ReportView", "Undone"),
            qt.QCoreApplication.translate("ReportView", "Operator"),
            qt.QCoreApplication.translate("ReportView", "Scanner"),
            qt.QCoreApplication.translate("ReportView", "Station"),
        ]

    def cell(self, row: ScanRow, column: int) -> str:
        values = (
            row.at.astimezone().strftime("%H:%M:%S"),
            row.number or row.raw,
            row.carrier,
            outcome_words(row.outcome),
            yes(row.undone),
            row.operator,
            row.scanner,
            row.station,
        )
        return " ".join(values[column].split())


class ExceptionRowsModel(RowsModel[ExceptionRow]):
    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ReportView", "Kind"),
            qt.QCoreApplication.translate("ReportView", "Opened"),
            qt.QCoreApplication.translate("ReportView", "Closed"),
            qt.QCoreApplication.translate("ReportView", "By"),
            qt.QCoreApplication.translate("ReportView", "Resolution"),
            qt.QCoreApplication.translate("ReportView", "What"),
        ]

    def cell(self, row: ExceptionRow, column: int) -> str:
        values = (
            kind_words(row.kind),
            when(row.opened_at),
            when(row.closed_at),
            row.closed_by,
            action_words(row.resolution) if row.resolution else "",
            row.what,
        )
        return " ".join(values[column].split())


def hours_chart(report: ShiftReport) -> qt.QChart:
    """Scans per hour as stacked bars, one colour per outcome, with its legend; outcomes never seen left out."""
    chart = qt.QChart()
    chart.setTitle(qt.QCoreApplication.translate("ReportView", "Scans per hour by outcome"))
    chart.setAnimationOptions(qt.QChart.AnimationOption.NoAnimation)
    title = chart.titleFont()
    title.setPointSizeF(13)
    title.setBold(True)
    chart.setTitleFont(title)
    series = qt.QStackedBarSeries()
    # A day's quiet night hours would squeeze the working ones: the bars run from the first busy hour to the last.
    busy = [i for i, h in enumerate(report.hours) if h.total]
    hours = report.hours[busy[0] : busy[-1] + 1] if busy else report.hours
    seen = [o for o in REPORT_OUTCOMES if any(h.counts.get(o, 0) for h in hours)]
    for outcome in seen or [Outcome.MATCHED.value]:
        bars = qt.QBarSet(outcome_words(outcome))
        bars.setColor(qt.QColor(OUTCOME_COLOURS[outcome]))
        bars.setBorderColor(qt.QColor(OUTCOME_COLOURS[outcome]))
        for hour in hours:
            bars.append(float(hour.counts.get(outcome, 0)))
        series.append(bars)
    chart.addSeries(series)
    categories = qt.QBarCategoryAxis()
    categories.append([h.start.strftime("%H:00") for h in hours] or [""])
    chart.addAxis(categories, qt.Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(categories)
    values = qt.QValueAxis()
    values.setLabelFormat("%d")
    values.setRange(0, max([h.total for h in hours] or [1]) * 1.1 or 1)
    values.applyNiceNumbers()
    values.setTitleText(qt.QCoreApplication.translate("ReportView", "scans"))
    chart.addAxis(values, qt.Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(values)
    chart.legend().setVisible(True)
    chart.legend().setAlignment(qt.Qt.AlignmentFlag.AlignBottom)
    return chart


class ReportView(Retranslated, qt.QWidget):
    """A shift picked, its report built by the core (Act.READ_REPORTS) and exported by it (Act.EXPORT_REPORT)."""

    loaded = qt.Signal()
    exported = qt.Signal(bool, str)  # (ok, the words shown)

    def __init__(self, context: SupervisorContext) -> None:
        super().__init__()
        self.setObjectName("reportView")
        self._context = context
        self.report: ShiftReport | None = None
        self._message = ""

        self.shift_combo = qt.QComboBox()
        self.shift_combo.setObjectName("reportShift")
        self.shift_combo.activated.connect(lambda _: self._shift_chosen())
        self.day_edit = qt.QDateEdit()
        self.day_edit.setObjectName("reportDay")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setDate(qt.QDate.currentDate())
        self.day_edit.dateChanged.connect(lambda _: self.refresh())
        self.day_edit.setEnabled(False)
        self.shift_label = plain_label()
        self.shift_label.setBuddy(self.shift_combo)
        self.refresh_button = qt.QPushButton()
        self.refresh_button.setObjectName("reportRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.csv_button = qt.QPushButton()
        self.csv_button.setObjectName("reportCsv")
        self.csv_button.clicked.connect(lambda: self.export(".csv"))
        self.xlsx_button = qt.QPushButton()
        self.xlsx_button.setObjectName("reportXlsx")
        self.xlsx_button.clicked.connect(lambda: self.export(".xlsx"))
        top = qt.QHBoxLayout()
        top.addWidget(self.shift_label)
        top.addWidget(self.shift_combo)
        top.addWidget(self.day_edit)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.csv_button)
        top.addWidget(self.xlsx_button)

        self.summary_line = plain_label()
        self.summary_line.setObjectName("reportSummary")
        self.summary_line.setFont(font(13, bold=True))
        self.summary_line.setWordWrap(True)
        self.outcome_labels: dict[str, qt.QLabel] = {}
        self._outcome_names: dict[str, qt.QLabel] = {}
        counts = qt.QGridLayout()
        for row, outcome in enumerate(REPORT_OUTCOMES):
            swatch = plain_label("■")
            swatch.setStyleSheet(f"color: {OUTCOME_COLOURS[outcome]}; font-size: 18px;")
            name = plain_label()
            name.setObjectName(f"outcomeName_{outcome}")
            value = plain_label("0")
            value.setObjectName(f"outcomeCount_{outcome}")
            value.setAlignment(qt.Qt.AlignmentFlag.AlignRight | qt.Qt.AlignmentFlag.AlignVCenter)
            value.setFont(font(12, bold=True))
            self.outcome_labels[outcome] = value
            self._outcome_names[outcome] = name
            counts.addWidget(swatch, row, 0)
            counts.addWidget(name, row, 1)
            counts.addWidget(value, row, 2)
        self.exceptions_line = plain_label()
        self.exceptions_line.setObjectName("reportExceptions")
        self.exceptions_line.setWordWrap(True)
        self.counts_box = qt.QGroupBox()
        box = qt.QVBoxLayout(self.counts_box)
        box.addLayout(counts)
        box.addWidget(self.exceptions_line)
        box.addStretch(1)

        self.chart_view = qt.QChartView()
        self.chart_view.setObjectName("reportChart")
        self.chart_view.setRenderHint(qt.QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(300)

        self.operators_model = OperatorsModel()
        self.operators_table = table_of(self.operators_model, "reportOperators")
        self.hours_model = HoursModel()
        self.hours_table = table_of(self.hours_model, "reportHours")
        self.scans_model = ScanRowsModel()
        self.scans_table = table_of(self.scans_model, "reportScans")
        self.exceptions_model = ExceptionRowsModel()
        self.exceptions_table = table_of(self.exceptions_model, "reportExceptionRows")
        self.lists = qt.QTabWidget()
        self.lists.setObjectName("reportLists")
        self.lists.addTab(self.operators_table, "")
        self.lists.addTab(self.hours_table, "")
        self.lists.addTab(self.scans_table, "")
        self.lists.addTab(self.exceptions_table, "")

        self.result_line = plain_label()
        self.result_line.setObjectName("reportResult")
        self.result_line.setWordWrap(True)

        middle = qt.QHBoxLayout()
        middle.addWidget(self.counts_box)
        middle.addWidget(self.chart_view, 1)
        layout = qt.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary_line)
        layout.addLayout(middle, 3)
        layout.addWidget(self.lists, 2)
        layout.addWidget(self.result_line)
        self.retranslate()

    # ----- texts ----------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.shift_label.setText(self.tr("S&hift"))
        chosen = self.shift_combo.currentIndex()
        self.shift_combo.clear()
        for key, text in zip(
            SHIFTS,
            (self.tr("the shift going on"), self.tr("today"), self.tr("yesterday"), self.tr("a day:")),
            strict=True,
        ):
            self.shift_combo.addItem(text, key)
        self.shift_combo.setCurrentIndex(max(0, chosen))
        self.refresh_button.setText(self.tr("&Build again"))
        self.csv_button.setText(self.tr("Export &CSV…"))
        self.xlsx_button.setText(self.tr("Export &XLSX…"))
        for button in (self.csv_button, self.xlsx_button):
            button.setToolTip(self.tr("Write this report to a file (audited)"))
        self.counts_box.setTitle(self.tr("Scans by outcome"))
        for outcome, name in self._outcome_names.items():
            name.setText(outcome_words(outcome))
        self.lists.setTabText(0, self.tr("By operator"))
        self.lists.setTabText(1, self.tr("By hour"))
        self.lists.setTabText(2, self.tr("Scans"))
        self.lists.setTabText(3, self.tr("Exceptions opened and closed"))
        for model in (self.operators_model, self.hours_model, self.scans_model, self.exceptions_model):
            model.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, model.columnCount() - 1)
        self._show()

    # ----- the range ------------------------------------------------------------------------------------------

    def choose_shift(self, key: str, day: date | None = None) -> None:
        """Pick a shift ("current", "today", "yesterday", "day" with `day`) as the list does, and build it."""
        self.shift_combo.setCurrentIndex(SHIFTS.index(key))
        if day is not None:
            self.day_edit.blockSignals(True)
            self.day_edit.setDate(qt.QDate(day.year, day.month, day.day))
            self.day_edit.blockSignals(False)
        self._shift_chosen()

    def _shift_chosen(self) -> None:
        self.day_edit.setEnabled(self.shift_combo.currentData() == "day")
        self.refresh()

    def shift_range(self) -> tuple[datetime, datetime]:
        key = str(self.shift_combo.currentData())
        zone = self._context.zone
        today = datetime.now(zone).date() if zone is not None else date.today()
        if key == "today":
            return day_range(today, zone)
        if key == "yesterday":
            return day_range(today - timedelta(days=1), zone)
        if key == "day":
            return day_range(day_of(self.day_edit.date()), zone)
        return current_shift(zone=zone)

    # ----- building -------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Build the report of the shift chosen on the receiving thread, as the acting supervisor."""
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Log in as a supervisor to read a shift report."), bad=True)
            self.loaded.emit()
            return
        start, end = self.shift_range()
        c = self._context

        def shown(report: ShiftReport) -> None:
            self.report = report
            self._say("")
            self._show()
            self.loaded.emit()

        def failed(exc: Exception) -> None:
            self.report = None
            self._say(refusal_words(exc), bad=True)
            self._show()
            self.loaded.emit()

        c.runner.op(lambda: build_report(c.store, actor, start, end, station=c.station_id, zone=c.zone)).success(
            shown
        ).failure(failed).run_in_background()

    def _show(self) -> None:
        report = self.report
        for button in (self.csv_button, self.xlsx_button):
            button.setEnabled(report is not None)
        if report is None:
            self.summary_line.setText("")
            for label in self.outcome_labels.values():
                label.setText("0")
            self.exceptions_line.setText("")
            for model in (self.operators_model, self.hours_model, self.scans_model, self.exceptions_model):
                model.set_rows([])
            self.chart_view.setChart(qt.QChart())
            return
        zone = self._context.zone
        span = f"{report.start.astimezone(zone):%Y-%m-%d %H:%M} – {report.end.astimezone(zone):%Y-%m-%d %H:%M}"
        peak = report.peak_hour
        parts = [
            span,
            self.tr("%1 scans").replace("%1", str(report.total)),
            self.tr("%1 an hour").replace("%1", f"{report.scans_per_hour:.1f}"),
        ]
        if peak is not None:
            parts.append(
                self.tr("busiest hour %1 (%2 scans)")
                .replace("%1", peak.start.strftime("%H:00"))
                .replace("%2", str(peak.total))
            )
        self.summary_line.setText(" · ".join(parts))
        for outcome, label in self.outcome_labels.items():
            label.setText(str(report.by_outcome.get(outcome, 0)))
        opened = sum(report.opened.values())
        closed = sum(report.closed.values())
        self.exceptions_line.setText(
            self.tr("Exceptions: %1 opened, %2 closed").replace("%1", str(opened)).replace("%2", str(closed))
        )
        self.operators_model.set_rows(list(report.by_operator))
        self.hours_model.set_rows([h for h in report.hours if h.total])
        self.scans_model.set_rows(list(report.scans))
        self.exceptions_model.set_rows(list(report.exceptions))
        for table in (self.operators_table, self.hours_table, self.scans_table, self.exceptions_table):
            table.resizeColumnsToContents()
        self.chart_view.setChart(hours_chart(report))

    def _say(self, text: str, bad: bool = False) -> None:
        self._message = text
        self.result_line.setText(text)
        self.result_line.setStyleSheet(_BAD_STYLE if bad else _OK_STYLE)

    # ----- export ---------------------------------------------------------------------------------------------

    def export(self, suffix: str) -> None:
        """Write the report shown to a CSV or XLSX file through the core (role checked there, and audited)."""
        report, actor = self.report, self._context.actor()
        if report is None or actor is None:
            return
        c = self._context
        suggested = f"report-{c.station_id}-{report.start.astimezone(c.zone):%Y%m%d-%H%M}{suffix}"
        filters = self.tr("Excel workbooks (*.xlsx)") if suffix == ".xlsx" else self.tr("CSV files (*.csv)")
        chosen = c.choose_file(self, suggested, filters)
        if chosen is None:
            return
        path = chosen if chosen.suffix.lower() == suffix else chosen.with_suffix(suffix)

        def done(written: Path) -> None:
            self._say(self.tr("The report was exported to %1.").replace("%1", str(written)))
            self.exported.emit(True, self._message)

        def failed(exc: Exception) -> None:
            self._say(self.tr("Nothing was exported: %1").replace("%1", refusal_words(exc)), bad=True)
            self.exported.emit(False, self._message)

        c.runner.op(lambda: export_report(c.store, actor, report, path, station=c.station_id, zone=c.zone)).success(
            done
        ).failure(failed).run_in_background()


__all__ = ["OUTCOME_COLOURS", "ReportView", "hours_chart"]
