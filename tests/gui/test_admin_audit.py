"""The audit viewer as a supervisor or admin uses it: filters, newest first, a CSV export that matches."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanstation.access import operators as access
from scanstation.access.audit import CSV_COLUMNS, read_audit
from scanstation.access.login import LoginPolicy, log_in_with_pin
from scanstation.domain import AuditKind
from scanstation.domain.access import Actor, NotAllowedError
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import AuditView, open_audit_window
from scanstation.store import audit
from scanstation.store.audit import AuditFilter
from scanstation.store.engine import write_transaction

from .conftest import ADMIN, CLERK, OPERATOR, PIN, STATION, SUPERVISOR, Station
from .test_admin_operators import admin_context

pytestmark = pytest.mark.gui

POLICY = LoginPolicy(first_delay_s=0.0, max_delay_s=0.0)


@pytest.fixture
def trail(station: Station) -> Station:
    """A trail an admin made: an operator added, a role set, a failed and a good log-in, a badge."""
    store = station.engine
    access.add_operator(store, ADMIN, "boris", "5678", "clerk", "Boris B.", station=STATION)
    access.set_role(store, ADMIN, "boris", "supervisor", station=STATION)
    assert not log_in_with_pin(store, OPERATOR, "0000", POLICY, station=STATION).ok
    assert log_in_with_pin(store, OPERATOR, PIN, POLICY, station=STATION).ok
    access.issue_badge(store, ADMIN, OPERATOR, station=STATION)
    return station


def make_view(
    qtbot: Any, station: Station, tmp_path: Path, actor: Actor, exports: list[Path] | None = None
) -> AuditView:
    def choose(parent: qt.QWidget | None, suggested: str) -> Path:
        path = tmp_path / suggested
        if exports is not None:
            exports.append(path)
        return path

    with qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        view = AuditView(admin_context(station, tmp_path, actor), choose_file=choose)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    return view


def reread(qtbot: Any, view: AuditView, action: Any = None) -> None:
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        (action or view.refresh)()


def column(view: AuditView, c: int) -> list[str]:
    return [view.model.index(r, c).data() for r in range(view.model.rowCount())]


def test_newest_first_with_every_column_in_words(qtbot: Any, trail: Station, tmp_path: Path) -> None:
    view = make_view(qtbot, trail, tmp_path, ADMIN)
    assert view.model.headers() == [
        "When",
        "Station",
        "Who",
        "Role",
        "What",
        "On what",
        "Before → after",
        "Detail",
    ]
    assert column(view, 4) == ["badge issued", "logged in", "log-in failed", "operator changed", "operator added"]
    ids = [e.id for e in view.model.entries]
    assert ids == sorted(ids, reverse=True)
    changed = column(view, 4).index("operator changed")
    row = [view.model.index(changed, c).data() for c in range(8)]
    assert row[1:6] == [STATION, ADMIN.name, "admin", "operator changed", "boris"]
    assert row[6] == '{"role":"clerk"} → {"role":"supervisor"}'  # what changed, in the table
    entry = view.model.entries[changed]
    assert row[0] == entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")  # the station's clock
    assert view.count_line.text() == "5 entries, newest first."
    view.table.selectRow(changed)
    assert view.entry_line.text().splitlines()[1:] == [
        "On what: boris",
        'Before → after: {"active":true,"display_name":"Boris B.","role":"clerk"} → '
        '{"active":true,"display_name":"Boris B.","role":"supervisor"}',
    ]


def test_filter_by_operator_and_kind_then_export_a_csv_whose_rows_match(
    qtbot: Any, trail: Station, tmp_path: Path
) -> None:
    exports: list[Path] = []
    view = make_view(qtbot, trail, tmp_path, SUPERVISOR, exports)
    view.operator_edit.setFocus()
    qtbot.keyClicks(view.operator_edit, OPERATOR)
    reread(qtbot, view, lambda: qtbot.keyClick(view.operator_edit, qt.Qt.Key.Key_Return))
    assert column(view, 4) == ["badge issued", "logged in", "log-in failed"]
    assert set(column(view, 5)) == {OPERATOR}
    reread(qtbot, view, lambda: view.set_kind(AuditKind.LOGIN_FAILED))
    assert view.kind_combo.currentText() == "log-in failed"
    assert column(view, 4) == ["log-in failed"]
    shown = list(view.model.entries)

    with qtbot.waitSignal(view.exported, timeout=10_000) as blocker:
        qtbot.mouseClick(view.export_button, qt.Qt.MouseButton.LeftButton)
    ok, words = blocker.args
    (path,) = exports
    assert ok and words == f"1 entries exported to {path}."
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [(int(r[0]), r[3], r[5], r[6]) for r in table[1:]] == [(e.id, e.actor, e.kind, e.target) for e in shown]
    # The export is in the trail, by the supervisor, with its path.
    exported = audit.read(trail.engine, AuditFilter(kinds=(AuditKind.EXPORTED.value,)))
    assert [(e.actor, e.target, e.after) for e in exported] == [(SUPERVISOR.name, str(path), {"rows": 1})]


def test_date_range_in_whole_local_days_and_a_piece_of_the_target(qtbot: Any, trail: Station, tmp_path: Path) -> None:
    view = make_view(qtbot, trail, tmp_path, ADMIN)
    today = date.today()
    tomorrow = today + timedelta(days=1)
    reread(qtbot, view, lambda: view.since_edit.setDate(qt.QDate(tomorrow.year, tomorrow.month, tomorrow.day)))
    assert view.model.entries == []
    assert view.count_line.text() == "No entries match the filters."
    reread(qtbot, view, lambda: view.since_edit.setDate(qt.QDate(today.year, today.month, today.day)))
    reread(qtbot, view, lambda: view.until_edit.setDate(qt.QDate(today.year, today.month, today.day)))
    assert len(view.model.entries) == 5
    yesterday = today - timedelta(days=1)
    reread(qtbot, view, lambda: view.until_edit.setDate(qt.QDate(yesterday.year, yesterday.month, yesterday.day)))
    assert view.model.entries == []
    reread(qtbot, view, lambda: view.since_edit.setDate(view.since_edit.minimumDate()))
    reread(qtbot, view, lambda: view.until_edit.setDate(view.until_edit.minimumDate()))
    assert view.since_edit.text() == "any day"
    assert len(view.model.entries) == 5

    qtbot.keyClicks(view.target_edit, "BOR")
    reread(qtbot, view, lambda: qtbot.keyClick(view.target_edit, qt.Qt.Key.Key_Return))
    assert set(column(view, 5)) == {"boris"}


def test_the_limit_says_showing_the_newest(qtbot: Any, station: Station, tmp_path: Path) -> None:
    with write_transaction(station.engine) as conn:
        for n in range(120):
            audit.append(conn, station=STATION, actor=ADMIN, kind=AuditKind.SETTINGS_CHANGED, target=f"key-{n}")
    view = make_view(qtbot, station, tmp_path, ADMIN)
    assert len(view.model.entries) == 120

    def pick_100() -> None:
        view.limit_combo.setCurrentIndex(0)
        view.limit_combo.activated.emit(0)  # what choosing it from the list sends

    reread(qtbot, view, pick_100)
    assert len(view.model.entries) == 100
    assert column(view, 5)[0] == "key-119"
    assert view.count_line.text() == "Showing the newest 100 entries: narrow the filters to see older ones."


def test_a_supervisor_opens_the_audit_window_a_clerk_is_refused_in_the_core(
    qtbot: Any, trail: Station, tmp_path: Path
) -> None:
    context = admin_context(trail, tmp_path, SUPERVISOR)
    with qtbot.waitSignal(trail.receiving.runner.answered, timeout=10_000):
        window = open_audit_window(context, trail.window)
    assert isinstance(window, AuditView) and window.isVisible() and window.isWindow()
    qtbot.waitUntil(lambda: len(window.model.entries) == 5)
    assert window.windowTitle() == f"Audit trail of station {STATION}"
    window.close()

    clerk = admin_context(trail, tmp_path, CLERK)
    box = open_audit_window(clerk, trail.window)
    qtbot.addWidget(box)
    assert isinstance(box, qt.QMessageBox) and box.isVisible()
    assert box.objectName() == "auditRefused"
    assert box.text() == "Anna K. is a clerk: reading the audit trail needs a supervisor"
    with pytest.raises(NotAllowedError):
        AuditView(clerk)
    # The core refuses the clerk wherever the call comes from, and records the refusal.
    with pytest.raises(NotAllowedError, match="reading the audit trail needs a supervisor"):
        read_audit(trail.engine, CLERK, AuditFilter(), station=STATION)
    refused = audit.read(trail.engine, AuditFilter(kinds=(AuditKind.REFUSED.value,)))
    assert [(e.actor, e.target) for e in refused] == [(CLERK.name, "audit.view")]

    nobody = open_audit_window(admin_context(trail, tmp_path, None), trail.window)
    qtbot.addWidget(nobody)
    assert isinstance(nobody, qt.QMessageBox)
    assert nobody.text() == "Log in as a supervisor or administrator to read the audit trail."
