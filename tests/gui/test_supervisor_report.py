"""The shift report at the supervisor's desk: counts, the chart, the lists, and exports whose cells stay text."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from scanstation.domain import Outcome, Role
from scanstation.gui import qt
from scanstation.gui.supervisor.window import SupervisorWindow

from .conftest import Station
from .test_supervisor import WAIT, as_supervisor, open_desk, scan

pytestmark = pytest.mark.gui

Register = Callable[..., Any]
# What a barcode or a person may send that a spreadsheet would run as a formula.
FORMULAS = ('=HYPERLINK("http://evil.example","click")', "+7 999 123", "-2+3", "@SUM(A1:A9)")


@pytest.fixture
def exports(station: Station, tmp_path: Path) -> list[Path]:
    """Where the export dialog "chooses" to write: the file name the window suggests, in tmp_path."""
    chosen: list[Path] = []

    def choose(parent: qt.QWidget | None, suggested: str, filters: str) -> Path:
        chosen.append(tmp_path / suggested)
        return chosen[-1]

    station.supervisor.choose_file = choose
    return chosen


def shift(station: Station, register: Register) -> None:
    register("TBA000000000111", customer_name="=cmd|' /C calc'!A0")
    register("TBA000000000222")
    assert scan(station, "TBA000000000111").outcome is Outcome.MATCHED
    assert scan(station, "TBA000000000222", "boris").outcome is Outcome.MATCHED
    assert scan(station, "TBA000000000222").outcome is Outcome.DUPLICATE
    assert scan(station, "\tTBA000000004711").outcome is Outcome.UNKNOWN
    for raw in FORMULAS:
        assert scan(station, raw).outcome is Outcome.INVALID


def report_desk(station: Station) -> SupervisorWindow:
    as_supervisor(station)
    desk = open_desk(station)
    with station.qtbot.waitSignal(desk.report.loaded, timeout=WAIT):
        desk.tabs.setCurrentWidget(desk.report)
    with station.qtbot.waitSignal(desk.report.loaded, timeout=WAIT):
        desk.report.choose_shift("today")
    return desk


def test_the_report_counts_by_outcome_operator_and_hour_with_a_chart(station: Station, register: Register) -> None:
    shift(station, register)
    desk = report_desk(station)
    view = desk.report
    counts = {outcome: label.text() for outcome, label in view.outcome_labels.items()}
    assert counts == {
        "matched": "2",
        "duplicate": "1",
        "unknown": "1",
        "ambiguous": "0",
        "not_expected": "0",
        "invalid": "4",
        "undone": "0",
    }
    assert " · 8 scans · " in view.summary_line.text()
    assert view.exceptions_line.text() == "Exceptions: 1 opened, 0 closed"
    operators = [
        [view.operators_model.index(r, c).data() for c in (0, 8)] for r in range(view.operators_model.rowCount())
    ]
    assert operators == [["anna", "7"], ["boris", "1"]]
    assert view.scans_model.rowCount() == 8
    hours = view.hours_model.rows
    assert sum(h.total for h in hours) == 8 and all(h.total for h in hours)
    assert view.hours_model.index(0, 8).data() == str(hours[0].total)
    chart = view.chart_view.chart()
    [series] = chart.series()
    assert isinstance(series, qt.QStackedBarSeries)
    sets = {bars.label(): [bars.at(i) for i in range(bars.count())] for bars in series.barSets()}
    assert set(sets) == {"НА СКЛАДЕ", "DUPLICATE", "UNKNOWN", "UNREADABLE"}
    assert sum(sum(values) for values in sets.values()) == 8
    assert chart.legend().isVisible()


def test_an_export_opened_again_keeps_every_formula_as_text(
    station: Station, register: Register, exports: list[Path]
) -> None:
    shift(station, register)
    desk = report_desk(station)
    view = desk.report
    with station.qtbot.waitSignal(view.exported, timeout=WAIT) as answer:
        station.qtbot.mouseClick(view.xlsx_button, qt.Qt.MouseButton.LeftButton)
    [path] = exports
    assert answer.args == [True, f"The report was exported to {path}."]
    assert path.suffix == ".xlsx"
    book = load_workbook(path)
    sheet = book["Scans"]
    header = [cell.value for cell in sheet[1]]
    raws = [row[header.index("raw")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    for raw in FORMULAS:
        assert "'" + raw in raws
    assert "'<0x09>TBA000000004711" in raws or "'\tTBA000000004711" in raws
    assert all(not str(v).startswith(("=", "+", "-", "@", "\t")) for v in raws)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert (summary["scans"], summary["matched"], summary["invalid"]) == (8, 2, 4)

    with station.qtbot.waitSignal(view.exported, timeout=WAIT):
        station.qtbot.mouseClick(view.csv_button, qt.Qt.MouseButton.LeftButton)
    text = exports[-1].read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    cells = {cell for row in rows for cell in row}
    assert {"'" + raw for raw in FORMULAS} <= cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_a_clerk_is_refused_the_export_by_the_core(station: Station, register: Register, exports: list[Path]) -> None:
    shift(station, register)
    desk = report_desk(station)
    station.window.log_in("anna", "Anna K.", Role.CLERK)
    with station.qtbot.waitSignal(desk.report.exported, timeout=WAIT) as answer:
        station.qtbot.mouseClick(desk.report.csv_button, qt.Qt.MouseButton.LeftButton)
    assert answer.args == [
        False,
        "Nothing was exported: Anna K. is a clerk: exporting a shift report needs a supervisor",
    ]
    assert not exports[0].exists()
