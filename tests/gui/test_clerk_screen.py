"""The clerk's screen as a clerk meets it: undo of what is on screen, the keys kept, the bar, the list, 1280x720."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtTest import QTest
from sqlalchemy import select

from scanstation.domain import (
    Outcome,
    Role,
    Scan,
    ScannerState,
    ScannerStatus,
    SyncState,
    SyncStatus,
    UndoResult,
)
from scanstation.gui import qt
from scanstation.gui.clerk.banner import VerdictBanner
from scanstation.gui.clerk.recent import ScanDetails
from scanstation.gui.clerk.status import PartPopup, StatusPart
from scanstation.gui.clerk.window import StationWindow
from scanstation.gui.sound import Sounds
from scanstation.receiving import parcel_status
from scanstation.store.connection import Store
from scanstation.store.models import ScanLog

from .conftest import STATION, Station

pytestmark = pytest.mark.gui


@pytest.fixture
def window_options(sqlite_engine: Store) -> dict[str, Any]:
    """The window as the station builds it: with its database (the Photo button, the supervisor's count)."""
    return {"store": sqlite_engine}


UPS = "1Z999AA10123456784"
UPS_PRINTED = "1Z 999 AA1 01 2345 6784"
UPS_UNREGISTERED = "1Z0715X10190647079"
IMPB = "420787459400111899223197428490"  # what a scanner sends for a USPS label: 420 + ZIP, GS, the number
IMPB_SCAN = "42078745\x1d9400111899223197428490"


def _status(engine: Store, parcel_id: str) -> str:
    with engine.connect() as conn:
        return str(parcel_status(conn, parcel_id))


def _undone(engine: Store) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(ScanLog.id).where(ScanLog.undone_at.is_not(None))).scalars())


def _ctrl_z(station: Station) -> Any:
    w = station.window
    return station.wait_banner(
        lambda: station.qtbot.keyClick(w.entry, qt.Qt.Key.Key_Z, qt.Qt.KeyboardModifier.ControlModifier)
    )


def _click(widget: qt.QWidget, pos: qt.QPoint | None = None) -> None:
    """A real mouse click, as QTest delivers it (press, release, the focus change a click makes)."""
    if pos is None:
        QTest.mouseClick(widget, qt.Qt.MouseButton.LeftButton)
    else:
        QTest.mouseClick(widget, qt.Qt.MouseButton.LeftButton, qt.Qt.KeyboardModifier.NoModifier, pos)


def _type_where_the_keys_go(station: Station, text: str) -> None:
    """Keys typed without choosing a field: they go wherever the focus is."""
    focused = qt.QApplication.focusWidget()
    assert focused is not None
    station.qtbot.keyClicks(focused, text)


# ----- undo acts on the verdict on screen ------------------------------------------------------------------------


def test_ctrl_z_on_a_duplicate_says_so_and_leaves_the_parcel_received(
    station: Station, register: Callable[..., Any]
) -> None:
    reg = register(UPS)
    station.log_in()
    station.type_number(UPS)
    duplicate = station.type_number(UPS)
    w = station.window
    assert duplicate.outcome is Outcome.DUPLICATE
    assert not w.undo_button.isEnabled()
    assert w.undo_button.text() == "Nothing to undo"

    said = _ctrl_z(station)

    assert said == "nothing to undo: this scan changed nothing"
    assert w.undo_note() == "nothing to undo: this scan changed nothing"
    assert w.entry_row.undo_note.isVisible()
    assert _status(station.engine, reg.id) == "at_warehouse"  # the parcel on the shelf stays received
    assert _undone(station.engine) == []
    assert w.count(Outcome.MATCHED) == 1


def test_ctrl_z_on_an_invalid_read_does_not_undo_the_match_before_it(
    station: Station, register: Callable[..., Any]
) -> None:
    reg = register(UPS)
    station.log_in()
    station.type_number(UPS)
    station.type_number("hello")
    assert station.banner()[0] == "UNREADABLE"

    assert _ctrl_z(station) == "nothing to undo: this scan changed nothing"
    assert _status(station.engine, reg.id) == "at_warehouse"
    assert _undone(station.engine) == []


def test_ctrl_z_on_an_ambiguous_verdict_says_nothing_changed(station: Station, register: Callable[..., Any]) -> None:
    register(UPS, customer_id="c_1", customer_suite="UN-1")
    register(UPS, customer_id="c_2", customer_suite="UN-2")
    station.log_in()
    assert station.type_number(UPS).outcome is Outcome.AMBIGUOUS
    assert _ctrl_z(station) == "nothing to undo: this scan changed nothing"


def test_ctrl_z_undoes_the_unknown_parcel_on_screen(station: Station) -> None:
    station.log_in()
    unknown = station.type_number(UPS_UNREGISTERED)
    assert unknown.outcome is Outcome.UNKNOWN
    result = _ctrl_z(station)
    assert isinstance(result, UndoResult) and result.undone and result.scan_id == unknown.scan_id
    assert _undone(station.engine) == [unknown.scan_id]
    # Undone now: a second Ctrl+Z says so, and undoes nothing older.
    assert _ctrl_z(station) == "nothing to undo: this scan is undone already"
    assert station.window.undo_button.text() == "Nothing to undo"


def test_a_verdict_past_its_undo_window_says_the_window_has_passed(
    station: Station, register: Callable[..., Any]
) -> None:
    register(UPS)
    station.log_in()
    verdict = station.type_number(UPS)
    late = dataclasses.replace(verdict, undo_deadline=datetime.now(UTC) - timedelta(seconds=1))
    station.wait_banner(lambda: station.bridge.verdict.emit(late))
    w = station.window
    assert w.undo_button.text() == "Undo window passed"
    assert not w.undo_button.isEnabled()
    assert _ctrl_z(station) == "the undo window has passed"
    assert _undone(station.engine) == []


def test_the_reason_goes_away_with_the_next_scan(station: Station, register: Callable[..., Any]) -> None:
    register(UPS)
    station.log_in()
    station.type_number(UPS)
    station.type_number(UPS)
    _ctrl_z(station)
    assert station.window.undo_note()
    station.type_number(UPS_UNREGISTERED)
    assert station.window.undo_note() == ""
    assert station.window.undo_button.isEnabled()


# ----- the keys stay with the entry --------------------------------------------------------------------------------


def test_after_clicking_undo_with_the_mouse_the_next_keys_reach_the_entry(
    station: Station, register: Callable[..., Any]
) -> None:
    reg = register(UPS)
    station.log_in()
    station.type_number(UPS)
    w = station.window
    result = station.wait_banner(lambda: _click(w.undo_button))
    assert isinstance(result, UndoResult) and result.undone
    assert _status(station.engine, reg.id) == "awaiting"

    _type_where_the_keys_go(station, "9400111899223197428490")
    assert w.entry.text() == "9400111899223197428490"
    assert w.entry.hasFocus()


@pytest.mark.parametrize("button", ["enter", "undo_disabled", "language", "logout_area"])
def test_a_click_anywhere_leaves_the_keys_with_the_entry(station: Station, button: str) -> None:
    station.log_in()
    w = station.window
    target: qt.QWidget = {
        "enter": w.entry_row.enter_button,
        "undo_disabled": w.undo_button,
        "language": w.status_bar.language_button,
        "logout_area": w.operator_label,
    }[button]
    _click(target)
    if button == "language":
        _click(target)  # and back to English
    _type_where_the_keys_go(station, "123")
    assert w.entry.text() == "123"


def test_a_click_on_the_banner_or_the_counters_gives_the_keys_back(station: Station) -> None:
    station.log_in()
    w = station.window
    for widget in (w.banner, w.counters, w.recent.table.viewport()):
        widget.setFocusPolicy(qt.Qt.FocusPolicy.ClickFocus)  # even a widget that takes focus on a click
        _click(widget)
        _type_where_the_keys_go(station, "7")
    assert w.entry.text() == "777"


def test_after_log_in_by_mouse_the_keys_go_to_the_entry(station: Station) -> None:
    w = station.window
    station.qtbot.keyClicks(w.name_edit, "anna")
    station.qtbot.keyClick(w.name_edit, qt.Qt.Key.Key_Return)
    station.qtbot.keyClicks(w.pin_edit, "4321")
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        _click(w.login_button)
    assert w.operator == "anna"
    _type_where_the_keys_go(station, "42")
    assert w.entry.text() == "42"


# ----- the status bar ------------------------------------------------------------------------------------------


def _offline_with_trouble(station: Station) -> None:
    bridge = station.bridge
    with station.qtbot.waitSignal(bridge.scanner_status):
        bridge.scanner_status.emit(ScannerStatus("dock-1", ScannerState.ERROR, "permission denied", "/dev/ttyACM0"))
    with station.qtbot.waitSignal(bridge.sync_status):
        bridge.sync_status.emit(
            SyncStatus(
                state=SyncState.OFFLINE,
                events_waiting=19,
                rejected_count=2,
                last_error="connection refused by 10.0.0.5:443 (server not configured?)",
            )
        )


def test_offline_and_rejected_are_blocks_that_cannot_be_missed(station: Station) -> None:
    _offline_with_trouble(station)
    bar = station.window.status_bar
    sync = bar.sync_label
    assert sync.text().startswith("OFFLINE")
    assert sync.kind == "alarm" and sync.block is not None
    assert sync.font().bold()
    rejected = bar.rejected_label
    assert rejected.text() == "2 rejected"
    assert rejected.kind == "warning" and rejected.block is not None
    # Never green, never plain: the same kinds as a scanner's error.
    assert bar.scanner_parts["dock-1"].kind == "alarm"
    with station.qtbot.waitSignal(station.bridge.sync_status):
        station.bridge.sync_status.emit(SyncStatus(state=SyncState.ONLINE))
    assert bar.sync_label.kind == "ok" and bar.sync_label.block is None and rejected.isHidden()


def test_the_pixels_of_a_warning_block_are_its_colour(station: Station) -> None:
    _offline_with_trouble(station)
    part = station.window.status_bar.sync_label
    image = part.grab().toImage()
    assert image.pixelColor(3, 3).name() == part.block


def test_a_scanners_error_reason_is_on_screen_and_in_the_popup(station: Station) -> None:
    _offline_with_trouble(station)
    bar = station.window.status_bar
    part = bar.scanner_parts["dock-1"]
    assert part.text() == "dock-1: ERROR: permission denied"
    _click(part)
    assert bar.popup.isVisible()
    assert bar.popup.text().splitlines() == ["dock-1: ERROR: permission denied", "/dev/ttyACM0"]
    # Shown without taking the keys.
    _type_where_the_keys_go(station, "")
    assert station.window.name_edit.hasFocus()
    _click(part)
    assert not bar.popup.isVisible()


def test_at_1280_the_bar_elides_each_part_and_a_click_shows_it_whole(station: Station) -> None:
    station.log_in()
    _offline_with_trouble(station)
    w = station.window
    w.resize(1280, 720)
    station.qtbot.waitUntil(lambda: w.width() == 1280)
    bar = w.status_bar
    parts = [p for p in bar.parts if p.isVisible()]
    elided = [p for p in parts if p.is_elided()]
    assert elided, "with these texts something must give way at 1280"
    for part in parts:
        shown = part.shown_text()
        assert shown == part.text() or shown.endswith("…")
        assert part.width() >= part.minimumSizeHint().width()
    # The key words of what is wrong stay whole; the reasons after them give way.
    assert bar.sync_label.shown_text().startswith("OFFLINE")
    assert bar.scanner_parts["dock-1"].shown_text().startswith("dock-1: ERROR")
    assert bar.rejected_label.shown_text() == "2 rejected"
    assert bar.operator_label.shown_text().startswith("Operator: Anna")  # who, if not the whole name
    sync = bar.sync_label
    _click(sync)
    assert bar.popup.isVisible()
    assert "connection refused by 10.0.0.5:443 (server not configured?)" in bar.popup.text()
    popup = bar.popup.geometry()
    assert bar.popup.window() is w and w.rect().contains(popup), "the popup is on the window, above the bar"
    assert popup.bottom() <= sync.mapTo(w, qt.QPoint(0, 0)).y()


def test_parts_are_apart_with_separators_and_never_overlap(station: Station) -> None:
    station.log_in()
    _offline_with_trouble(station)
    w = station.window
    w.resize(1280, 720)
    station.qtbot.waitUntil(lambda: w.width() == 1280)
    visible = [p for p in w.status_bar.parts if p.isVisible()]
    rects = sorted((p.geometry() for p in visible), key=lambda r: r.x())
    for left, right in itertools.pairwise(rects):
        assert left.right() < right.left(), (left, right)
    # A plain part after another draws a separator at its left edge.
    plain = w.status_bar.operator_label
    image = plain.grab().toImage()
    assert image.pixelColor(0, plain.height() // 2).name() == "#9e9e9e"


def test_status_parts_are_plain_text(station: Station) -> None:
    with station.qtbot.waitSignal(station.bridge.scanner_status):
        station.bridge.scanner_status.emit(ScannerStatus("dock-1", ScannerState.ERROR, "<b>bold</b>", "/dev/x"))
    part = station.window.status_bar.scanner_parts["dock-1"]
    assert part.textFormat() == qt.Qt.TextFormat.PlainText
    assert part.text() == "dock-1: ERROR: <b>bold</b>"
    assert station.window.status_bar.popup.textFormat() == qt.Qt.TextFormat.PlainText


def test_a_new_part_joins_the_row_the_same_way(station: Station) -> None:
    bar = station.window.status_bar
    part = bar.add_part(StatusPart("supervisorWaiting", 1.0))
    part.show_state("waiting for a supervisor: 3", "warning", ("the oldest since 05:12",))
    assert "waiting for a supervisor: 3" in bar.texts()
    _click(part)
    assert bar.popup.text() == "waiting for a supervisor: 3\nthe oldest since 05:12"


# ----- the last scans ----------------------------------------------------------------------------------------------


def test_the_list_shows_whole_numbers_grouped_as_printed(station: Station, register: Callable[..., Any]) -> None:
    register(UPS)
    station.log_in()
    station.type_number(UPS)
    station.wait_banner(lambda: station.window.submit(Scan(IMPB_SCAN, "dock-1")))
    w = station.window
    rows = w.recent_rows()
    assert [row[1] for row in rows] == ["9400 1118 9922 3197 4284 90", UPS_PRINTED]
    newest = w.recent.model.scan_at(0).verdict
    for n in range(30):  # a shift's worth: more lines than the panel has room for
        w.recent.model.add(dataclasses.replace(newest, scan_id=f"more-{n}"))
    for size in ((1920, 1080), (1280, 720)):
        w.resize(*size)
        station.qtbot.waitUntil(lambda size=size: w.width() == size[0])
        # The header lays its sections out after the resize; then every number fits, whole or on two lines.
        station.qtbot.waitUntil(w.recent.number_fits, timeout=2000)
        assert not w.recent.table.verticalScrollBar().isVisible()  # it would take its width from the numbers
        table = w.recent.table
        index = w.recent.model.index(0, 1)
        assert table.model().data(index) == "9400 1118 9922 3197 4284 90"


def test_a_click_on_a_row_shows_that_scans_details(station: Station, register: Callable[..., Any]) -> None:
    register("9400111899223197428490", customer_suite="UN-0104", customer_name="Ольга Иванова", order_number="1144-55")
    station.log_in()
    first = station.wait_banner(lambda: station.window.submit(Scan(IMPB_SCAN, "dock-1")))
    station.type_number(UPS_UNREGISTERED)
    w = station.window
    table = w.recent.table
    rect = table.visualRect(w.recent.model.index(1, 1))  # the older scan, under the newest
    _click(table.viewport(), rect.center())
    dialog = w.details
    assert isinstance(dialog, ScanDetails) and dialog.isVisible()
    values = {name: label.text() for name, label in dialog.values.items()}
    assert values["raw"] == "42078745<GS>9400111899223197428490"
    assert values["number"] == "9400 1118 9922 3197 4284 90"
    assert values["scanner"] == "dock-1"
    assert values["operator"] == "anna"
    assert values["outcome"] == "НА СКЛАДЕ"
    assert values["suite"] == "UN-0104"
    assert values["customer"] == "Ольга Иванова"
    assert values["order"] == "1144-55"
    assert values["time"] == first.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert all(label.textFormat() == qt.Qt.TextFormat.PlainText for label in dialog.values.values())

    dialog.reject()
    station.qtbot.waitUntil(lambda: w.details is None)
    station.qtbot.waitUntil(w.isActiveWindow)
    _type_where_the_keys_go(station, "55")
    assert w.entry.text() == "55"


def test_the_next_scan_closes_the_details(station: Station) -> None:
    station.log_in()
    station.type_number(UPS_UNREGISTERED)
    w = station.window
    w.open_details(w.recent.model.scan_at(0))
    assert w.details is not None
    station.wait_banner(lambda: w.submit(Scan(UPS, "dock-1")))
    station.qtbot.waitUntil(lambda: w.details is None)


# ----- kiosk and 1280x720 ------------------------------------------------------------------------------------------


def test_a_kiosk_has_no_frame_stays_on_top_and_only_an_admin_closes_it(station: Station) -> None:
    kiosk = StationWindow(station.bridge, None, station_id=STATION, sounds=Sounds(enabled=False), kiosk=True)
    station.qtbot.addWidget(kiosk)
    flags = kiosk.windowFlags()
    assert flags & qt.Qt.WindowType.FramelessWindowHint
    assert flags & qt.Qt.WindowType.WindowStaysOnTopHint
    assert not kiosk.may_close(spontaneous=True)  # Alt+F4 on the log-in screen
    kiosk.log_in("anna", "Anna K.", Role.CLERK)
    assert not kiosk.may_close(spontaneous=True)
    kiosk.log_in("olga", "Olga A.", Role.ADMIN)
    assert kiosk.may_close(spontaneous=True)
    kiosk.log_out()
    assert kiosk.may_close(spontaneous=False)  # the station's own stop (SIGTERM) always closes it
    kiosk.show()
    kiosk.close()  # not spontaneous: closes
    assert not kiosk.isVisible()
    # An ordinary window closes either way.
    assert station.window.may_close(spontaneous=True)


def _assert_fits(station: Station) -> None:
    w = station.window
    assert w.minimumSizeHint().width() <= 1280 and w.minimumSizeHint().height() <= 720, w.minimumSizeHint()
    station.qtbot.waitUntil(lambda: w.width() == 1280 and w.height() == 720)
    note = w.entry_row.undo_note
    station.qtbot.waitUntil(lambda: note.isHidden() or w.rect().contains(note.geometry()))  # it follows its button
    # Every group of siblings, from the window down: none overlaps another.
    banner = w.findChild(VerdictBanner)
    for parent in [w, *w.findChildren(qt.QWidget)]:
        if banner is not None and banner.isAncestorOf(parent):
            continue  # inside, the banner gives its words the room before its shapes itself (tests/gui/test_banner.py)
        children = [
            c
            for c in parent.children()
            if isinstance(c, qt.QWidget) and c.isVisible() and not c.isWindow() and not isinstance(c, PartPopup)
        ]
        assert _overlaps(children) == [], f"overlap inside {type(parent).__name__} {parent.objectName()}"
    # Everything inside the window.
    frame = w.rect()
    for child in w.findChildren(qt.QWidget):
        if child.isVisible() and not child.isWindow() and child.window() is w:
            where = qt.QRect(child.mapTo(w, qt.QPoint(0, 0)), child.size())
            assert frame.contains(where), f"{type(child).__name__} {child.objectName()} outside the window"
    assert _cut(w) == []


def _overlaps(widgets: list[qt.QWidget]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(widgets):
        for b in widgets[i + 1 :]:
            if a.geometry().intersects(b.geometry()):
                found.append((f"{type(a).__name__} {a.objectName()}", f"{type(b).__name__} {b.objectName()}"))
    return found


def _cut(top: qt.QWidget) -> list[str]:
    """Labels and buttons whose text does not fit (a status part elides by design, and says so)."""
    cut = []
    banner = top.findChild(VerdictBanner)
    for widget in top.findChildren(qt.QWidget):
        if not widget.isVisible() or isinstance(widget, StatusPart):
            continue
        if banner is not None and banner.isAncestorOf(widget):
            continue  # the banner fits its words to its room itself (its own tests, issue 13 sections 2-3)
        if isinstance(widget, qt.QLabel) and widget.text():
            if widget.wordWrap():
                if widget.heightForWidth(widget.width()) > widget.height() + 1:
                    cut.append(f"{widget.objectName()!r} {widget.text()!r}")
            elif widget.sizeHint().width() > widget.width() + 1:
                cut.append(f"{widget.objectName()!r} {widget.text()!r}")
        if isinstance(widget, qt.QAbstractButton) and widget.text() and widget.sizeHint().width() > widget.width() + 1:
            cut.append(f"button {widget.objectName()!r} {widget.text()!r}")
    return cut


@pytest.mark.parametrize(("language", "role"), [("en", Role.CLERK), ("ru", Role.CLERK), ("ru", Role.ADMIN)])
def test_the_window_fits_1280x720_without_overlap_or_cut_text(
    station: Station, register: Callable[..., Any], language: str, role: Role
) -> None:
    reg = register(UPS, services=("photo", "remove_invoice"), order_number="113-1")
    register("9400111899223197428490", order_number="113-1")
    w = station.window
    if role is Role.CLERK:
        station.log_in()
    else:  # every role's button in the bar, and a long name
        w.log_in("olga", "Ольга Александрова", role)
    if language == "ru":
        station.qtbot.keyClick(w, qt.Qt.Key.Key_F9)
    _offline_with_trouble(station)
    w.resize(1280, 720)
    station.wait_banner(lambda: w.submit(Scan(IMPB_SCAN, "dock-1")))
    station.type_number(UPS)  # matched, a photo paid for: the Photo button in the entry's row
    assert w.photo_door.button.isVisible()
    _assert_fits(station)
    station.type_number(UPS)  # a duplicate on screen
    _ctrl_z(station)  # and the reason above the undo button
    assert reg.id
    _assert_fits(station)
    if language == "ru":
        station.qtbot.keyClick(w, qt.Qt.Key.Key_F9)
