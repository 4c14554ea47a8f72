"""The supervisor's desk as a supervisor works it: the queue, a parcel's page, each resolution and its undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from scanstation.config import ScannerConfig
from scanstation.domain import AuditKind, Outcome, Role, Scan
from scanstation.gui import qt
from scanstation.gui.supervisor.window import SupervisorWindow
from scanstation.gui.wedge import KeyboardWedge
from scanstation.review.queue import ExceptionKind
from scanstation.store import audit
from scanstation.store.audit import AuditFilter
from scanstation.store.engine import write_transaction
from scanstation.store.models import OutboxEvent, Receipt, ReviewItem, ScanLog, UnknownParcel
from scanstation.store.operators import add_operator
from scanstation.store.outbox import Rejection, mark_sent_and_rejected
from tests.review.test_photos import png_bytes

from .conftest import PIN, Station
from .test_wedge import Keyboard

pytestmark = pytest.mark.gui

Register = Callable[..., Any]
WAIT = 10_000


def as_supervisor(station: Station) -> None:
    station.window.log_in("sam", "Sam S.", Role.SUPERVISOR)


def open_desk(station: Station) -> SupervisorWindow:
    """The desk as the door opens it for the supervisor logged in (Ctrl+Shift+S), its queue read."""
    qtbot, w = station.qtbot, station.window
    qtbot.keyClick(w, qt.Qt.Key.Key_S, qt.Qt.KeyboardModifier.ControlModifier | qt.Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(w.doors.window("supervisor"), SupervisorWindow), timeout=WAIT)
    desk = w.doors.window("supervisor")
    assert isinstance(desk, SupervisorWindow)
    qtbot.waitUntil(lambda: not desk.queue.reading, timeout=WAIT)
    return desk


def scan(station: Station, raw: str, operator: str = "anna") -> Any:
    return station.receiving.worker.receiver.receive(Scan(raw=raw, scanner="dock-1"), operator)


def open_page(station: Station, desk: SupervisorWindow, item_id: str) -> None:
    with station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT):
        desk.open_item(item_id)
    assert desk.tabs.currentWidget() is desk.parcel


def resolve(station: Station, desk: SupervisorWindow, click: qt.QAbstractButton) -> tuple[bool, str]:
    """Click a resolution's button; wait for the core's answer and the page and queue read again."""
    with (
        station.qtbot.waitSignal(desk.parcel.resolved, timeout=WAIT) as answer,
        station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT),
        station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT),
    ):
        station.qtbot.mouseClick(click, qt.Qt.MouseButton.LeftButton)
    ok, words = answer.args
    return bool(ok), str(words)


def column(model: qt.QAbstractTableModel, c: int) -> list[str]:
    return [model.index(r, c).data() for r in range(model.rowCount())]


def rejected_event(station: Station, register: Register) -> str:
    register("TBA000000005555", customer_suite="UN-1002")
    verdict = scan(station, "TBA000000005555")
    event_id = verdict.events[0]
    with write_transaction(station.engine) as conn:
        conn.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(state="pending"))
        rejection = Rejection(event_id, "parcel_deleted: gone", "parcel_deleted", "the customer deleted it")
        mark_sent_and_rejected(conn, [], [rejection], datetime.now(UTC))
        number = conn.execute(select(ReviewItem.id).where(ReviewItem.event_id == event_id)).scalar_one()
    return f"review:{number}"


def test_the_queue_lists_every_kind_oldest_first_with_its_counts_and_filters(
    station: Station, register: Register
) -> None:
    unknown = scan(station, "TBA000000004711")
    register("TBA000000000444", customer_id="c_1", customer_suite="UN-1")
    register("TBA000000000444", customer_id="c_2", customer_suite="UN-2")
    assert scan(station, "TBA000000000444", "boris").outcome is Outcome.AMBIGUOUS
    register("TBA000000000888", status="shipped")
    assert scan(station, "TBA000000000888").outcome is Outcome.NOT_EXPECTED
    as_supervisor(station)
    desk = open_desk(station)
    kinds = column(desk.queue.model, 1)
    assert kinds == ["unknown parcel", "ambiguous", "not expected"]
    opened = [item.opened_at for item in desk.queue.model.rows]
    assert opened == sorted(opened)
    assert desk.queue.model.rows[0].id == f"unknown:{unknown.unknown_id}"
    side = [desk.queue.kinds.item(r).text() for r in range(desk.queue.kinds.count())]
    assert side[:4] == ["Everything (3)", "unknown parcel (1)", "ambiguous (1)", "not expected (1)"]
    assert desk.queue.count_line.text() == "3 exceptions, oldest first. Enter or double-click opens one."

    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        desk.queue.choose_kind(ExceptionKind.AMBIGUOUS)
    assert column(desk.queue.model, 1) == ["ambiguous"]
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        desk.queue.choose_kind(None)
    desk.queue.operator_edit.setFocus()
    station.qtbot.keyClicks(desk.queue.operator_edit, "boris")
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        station.qtbot.keyClick(desk.queue.operator_edit, qt.Qt.Key.Key_Return)
    assert column(desk.queue.model, 1) == ["ambiguous"]
    desk.queue.operator_edit.clear()
    station.qtbot.keyClicks(desk.queue.carrier_edit, "ups")
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        station.qtbot.keyClick(desk.queue.carrier_edit, qt.Qt.Key.Key_Return)
    assert desk.queue.model.rowCount() == 0
    assert desk.queue.count_line.text() == "Nothing waits for a supervisor here."
    desk.queue.carrier_edit.clear()
    tomorrow = datetime.now().date() + timedelta(days=1)
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        desk.queue.since_edit.setDate(qt.QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    assert desk.queue.model.rowCount() == 0


def test_an_unknown_parcel_matched_from_a_suggestion_then_undone_inside_its_window(
    station: Station, register: Register
) -> None:
    unknown = scan(station, "TBA000000004711")
    typed = register("TBA000000004717", customer_suite="UN-1001", customer_name="Мария Соколова")
    as_supervisor(station)
    desk = open_desk(station)
    desk.queue.table.selectRow(0)
    with station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT):
        station.qtbot.mouseClick(desk.queue.open_button, qt.Qt.MouseButton.LeftButton)
    page = desk.parcel
    assert page.raw_line.text() == "TBA000000004711"
    assert page.keys_line.text() == "TBA000000004711"
    assert column(page.scans_model, 1) == ["UNKNOWN"]
    assert column(page.suggestions_model, 0) == ["one or two characters differ"]
    assert column(page.suggestions_model, 2) == ["Мария Соколова"]
    assert page.photos_box.isVisible()
    ok, words = resolve(station, desk, page.this_is_it)
    assert (ok, words) == (True, "Done: matched.")
    assert desk.queue.model.rowCount() == 0  # the queue was read again
    assert column(page.history_model, 1) == ["matched"]
    assert page.registration_button.isVisible()  # the registration it became, a click away
    with station.engine.connect() as conn:
        assert set(conn.execute(select(Receipt.registration_id)).scalars()) == {typed.id}
    assert page.undo_button.isVisible() and page.undo_button.text().startswith("&Undo matched (")
    assert 0 < page.undo_seconds_left() <= 10
    ok, words = resolve(station, desk, page.undo_button)
    assert (ok, words) == (True, "Undone: nothing of it was sent.")
    with station.engine.connect() as conn:
        assert conn.execute(select(Receipt.registration_id)).scalars().all() == []
        state = conn.execute(select(UnknownParcel.resolution).where(UnknownParcel.id == unknown.unknown_id))
        assert state.scalar_one() is None
    assert [i.id for i in desk.queue.model.rows] == [f"unknown:{unknown.unknown_id}"]
    assert not page.undo_button.isVisible()


def test_closing_an_unknown_parcel_needs_a_note(station: Station, register: Register) -> None:
    unknown = scan(station, "TBA000000004711")
    as_supervisor(station)
    desk = open_desk(station)
    open_page(station, desk, f"unknown:{unknown.unknown_id}")
    page = desk.parcel
    with station.qtbot.waitSignal(page.resolved, timeout=WAIT) as answer:
        station.qtbot.mouseClick(page.close_button, qt.Qt.MouseButton.LeftButton)
    assert answer.args == [False, "Write in the note what was done and why first."]
    assert page.note_edit.hasFocus()
    page.close_combo.setCurrentIndex(page.close_combo.findData("returned_to_sender"))
    station.qtbot.keyClicks(page.note_edit, "refused at the door, back to the carrier")
    assert resolve(station, desk, page.close_button) == (True, "Done: returned to sender.")
    with station.engine.connect() as conn:
        row = conn.execute(
            select(UnknownParcel.resolution, UnknownParcel.note).where(UnknownParcel.id == unknown.unknown_id)
        ).one()
    assert tuple(row) == ("returned_to_sender", "refused at the door, back to the carrier")


def test_an_ambiguous_scan_picked_is_received_as_that_customers(station: Station, register: Register) -> None:
    register("TBA000000000444", customer_id="c_1", customer_suite="UN-1", customer_name="Олег Ким")
    second = register("TBA000000000444", customer_id="c_2", customer_suite="UN-2", customer_name="Анна Лис")
    assert scan(station, "TBA000000000444").outcome is Outcome.AMBIGUOUS
    as_supervisor(station)
    desk = open_desk(station)
    open_page(station, desk, desk.queue.model.rows[0].id)
    page = desk.parcel
    assert page.candidates_box.isVisible() and not page.suggestions_box.isVisible()
    assert sorted(zip(column(page.candidates_model, 0), column(page.candidates_model, 1), strict=True)) == [
        ("UN-1", "Олег Ким"),
        ("UN-2", "Анна Лис"),
    ]
    assert set(column(page.candidates_model, 2)) == {"amazon.com"}
    assert set(column(page.candidates_model, 3)) == {"113-4567890-1234567"}
    page.candidates_table.selectRow(column(page.candidates_model, 0).index("UN-2"))
    assert resolve(station, desk, page.pick_button) == (True, "Done: customer picked.")
    with station.engine.connect() as conn:
        assert set(conn.execute(select(Receipt.registration_id)).scalars()) == {second.id}
    assert desk.queue.model.rowCount() == 0
    assert not page.candidates_box.isVisible()
    with station.qtbot.waitSignal(page.loaded, timeout=WAIT):
        station.qtbot.mouseClick(page.registration_button, qt.Qt.MouseButton.LeftButton)
    assert page.page is not None and page.page.item_id == f"registration:{second.id}"
    assert [r.action for r in page.page.resolutions] == ["picked"]
    assert column(page.scans_model, 1) == ["НА СКЛАДЕ"]


def test_a_not_expected_scan_acknowledged_and_a_rejected_event_sent_again(station: Station, register: Register) -> None:
    register("TBA000000000888", status="shipped")
    assert scan(station, "TBA000000000888").outcome is Outcome.NOT_EXPECTED
    item = rejected_event(station, register)
    as_supervisor(station)
    desk = open_desk(station)
    not_expected = next(i.id for i in desk.queue.model.rows if i.kind is ExceptionKind.NOT_EXPECTED)
    open_page(station, desk, not_expected)
    page = desk.parcel
    assert page.ack_button.isVisible() and not page.retry_button.isVisible()
    station.qtbot.keyClicks(page.note_edit, "shipped by mistake on the site, kept here")
    assert resolve(station, desk, page.ack_button) == (True, "Done: acknowledged.")

    open_page(station, desk, item)
    assert page.retry_button.isVisible() and page.dismiss_button.isVisible()
    assert column(desk.queue.model, 7) == ["the server refused an event: parcel_deleted: the customer deleted it"]
    station.qtbot.keyClicks(page.note_edit, "the customer restored it")
    assert resolve(station, desk, page.retry_button) == (True, "Done: sent again.")
    with station.engine.connect() as conn:
        states = conn.execute(select(OutboxEvent.state).where(OutboxEvent.state == "rejected")).scalars().all()
    assert states == []
    assert desk.queue.model.rowCount() == 0


def test_a_wrong_match_corrected_from_the_registrations_page(station: Station, register: Register) -> None:
    wrong = register("TBA000000000666", customer_suite="UN-6")
    right = register("TBA000000000777", customer_suite="UN-7")
    verdict = scan(station, "TBA000000000666")
    as_supervisor(station)
    desk = open_desk(station)
    desk.tabs.setCurrentWidget(desk.search)
    box = desk.search.box
    station.qtbot.keyClicks(box.edit, "UN-6")
    with station.qtbot.waitSignal(box.searched, timeout=WAIT):
        station.qtbot.keyClick(box.edit, qt.Qt.Key.Key_Return)
    assert column(box.model, 0) == ["UN-6"]
    with station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT):
        station.qtbot.mouseClick(desk.search.open_button, qt.Qt.MouseButton.LeftButton)
    page = desk.parcel
    assert page.page is not None and page.page.item_id == f"registration:{wrong.id}"
    assert page.correct_button.isVisible() and not page.correct_button.isEnabled()
    page.scans_table.selectRow(0)
    assert page.selected_scan() is not None and page.selected_scan().id == verdict.scan_id  # type: ignore[union-attr]
    with station.qtbot.waitSignal(page.finder.searched, timeout=WAIT):
        page.finder.search("TBA000000000777")
    assert page.correct_button.isEnabled()
    station.qtbot.keyClicks(page.note_edit, "the label read was the neighbour's")
    assert resolve(station, desk, page.correct_button) == (True, "Done: corrected.")
    with station.engine.connect() as conn:
        assert set(conn.execute(select(Receipt.registration_id)).scalars()) == {right.id}
    [entry] = audit.read(station.engine, AuditFilter(kinds=(AuditKind.SCAN_CORRECTED.value,)))
    assert entry.before == {"registration_id": wrong.id}
    assert column(page.scans_model, 6) == ["yes"]  # the wrong match, undone


def test_a_clerk_is_refused_every_action_by_the_core_and_each_refusal_audited(
    station: Station, register: Register
) -> None:
    unknown = scan(station, "TBA000000004711")
    register("TBA000000004717")
    as_supervisor(station)
    desk = open_desk(station)
    open_page(station, desk, f"unknown:{unknown.unknown_id}")
    page = desk.parcel
    # The desk stays open while someone else logs in at the window: the core still says no to them.
    station.window.log_in("anna", "Anna K.", Role.CLERK)
    refusal = "Anna K. is a clerk: resolving an exception needs a supervisor"
    with station.qtbot.waitSignal(page.resolved, timeout=WAIT) as answer:
        station.qtbot.mouseClick(page.this_is_it, qt.Qt.MouseButton.LeftButton)
    assert answer.args == [False, f"Not done: {refusal}"]
    station.qtbot.keyClicks(page.note_edit, "gone")
    with station.qtbot.waitSignal(page.resolved, timeout=WAIT) as answer:
        station.qtbot.mouseClick(page.close_button, qt.Qt.MouseButton.LeftButton)
    assert answer.args == [False, f"Not done: {refusal}"]
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        desk.queue.refresh()
    assert desk.queue.result_line.text() == refusal and desk.queue.model.rowCount() == 0
    with station.qtbot.waitSignal(desk.search.box.searched, timeout=WAIT):
        desk.search.box.search("TBA")
    assert desk.search.box.result_line.text() == refusal
    with station.qtbot.waitSignal(desk.report.loaded, timeout=WAIT):
        desk.tabs.setCurrentWidget(desk.report)
    assert desk.report.result_line.text() == "Anna K. is a clerk: reading a shift report needs a supervisor"
    with station.engine.connect() as conn:
        assert conn.execute(select(UnknownParcel.resolution)).scalar_one() is None
    refused = audit.read(station.engine, AuditFilter(kinds=(AuditKind.REFUSED.value,), operator="anna"))
    assert len(refused) == 5


def test_the_door_refuses_a_clerk_in_words_opens_for_a_supervisor_and_closes_at_log_out(station: Station) -> None:
    add_operator(station.engine, "sam", PIN, role="supervisor", display_name="Sam S.")
    w = station.window
    station.log_in()
    assert not w.status_bar.supervisor_button.isVisible()
    ctrl_shift = qt.Qt.KeyboardModifier.ControlModifier | qt.Qt.KeyboardModifier.ShiftModifier
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=WAIT):
        station.qtbot.keyClick(w, qt.Qt.Key.Key_S, ctrl_shift)
    box = w.doors.window("supervisor")
    assert isinstance(box, qt.QMessageBox)
    assert box.text() == "Anna K. is a clerk: resolving an exception needs a supervisor"
    [entry] = audit.read(station.engine, AuditFilter(kinds=(AuditKind.REFUSED.value,)))
    assert entry.target == "review.resolve"
    box.close()
    w.log_out()
    w.activateWindow()
    station.qtbot.waitUntil(w.isActiveWindow, timeout=WAIT)
    station.log_in("sam", PIN)
    # The answer the log-in waited for may be the log-out's audit row: the PIN check's comes next.
    station.qtbot.waitUntil(lambda: w.operator == "sam", timeout=WAIT)
    assert w.status_bar.supervisor_button.isVisible()
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=WAIT):
        station.qtbot.mouseClick(w.status_bar.supervisor_button, qt.Qt.MouseButton.LeftButton)
    desk = w.doors.window("supervisor")
    assert isinstance(desk, SupervisorWindow) and desk.windowTitle() == "Supervisor's desk · station st-gui"
    w.log_out()
    assert not desk.isVisible() and w.doors.window("supervisor") is None


def test_a_scan_at_the_desk_opens_its_page_and_is_not_received(station: Station, register: Register) -> None:
    reg = register("TBA000000000999", customer_suite="UN-9", customer_name="Пётр Орлов")
    unknown = scan(station, "TBA000000004711")
    as_supervisor(station)
    desk = open_desk(station)
    desk.activateWindow()
    station.qtbot.waitUntil(desk.isActiveWindow, timeout=WAIT)
    with station.engine.connect() as conn:
        before = conn.execute(select(ScanLog.id)).scalars().all()
    with (
        station.qtbot.waitSignal(desk.desk_scan_shown, timeout=WAIT),
        station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT),
    ):
        station.receiving.submit(Scan(raw="]C1TBA000000004711\r", scanner="dock-1"))
    assert desk.tabs.currentWidget() is desk.parcel
    assert desk.parcel.page is not None and desk.parcel.page.item_id == f"unknown:{unknown.unknown_id}"
    with station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT):
        station.receiving.submit(Scan(raw="TBA000000000999", scanner="wedge"))
    assert desk.parcel.page is not None and desk.parcel.page.item_id == f"registration:{reg.id}"
    assert "UN-9 · Пётр Орлов" in desk.parcel.registration_line.text()
    with station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT):
        station.receiving.submit(Scan(raw="1Z999AA10123456784", scanner="dock-1"))
    assert desk.parcel.page is None
    assert desk.parcel.title.text().startswith("Nothing known of 1Z999AA10123456784")
    with station.engine.connect() as conn:
        assert conn.execute(select(ScanLog.id)).scalars().all() == before  # nothing was received
    # Back at the clerk's window, a scan is a scan again.
    station.window.activateWindow()
    station.qtbot.waitUntil(station.window.isActiveWindow, timeout=WAIT)
    verdict = station.wait_banner(lambda: station.receiving.submit(Scan(raw="TBA000000000999", scanner="dock-1")))
    assert verdict.outcome is Outcome.MATCHED


def test_the_raw_scan_shows_its_control_characters(station: Station) -> None:
    unknown = scan(station, "]C1TBA000000004711\x1d")
    as_supervisor(station)
    desk = open_desk(station)
    open_page(station, desk, f"unknown:{unknown.unknown_id}")
    assert desk.parcel.raw_line.text() == "]C1TBA000000004711<GS>"
    assert desk.parcel.raw_line.textFormat() == qt.Qt.TextFormat.PlainText


def test_a_keyboard_wedge_scan_typed_into_the_desks_search_field_opens_the_page(station: Station) -> None:
    unknown = scan(station, "TBA000000004711")
    as_supervisor(station)
    desk = open_desk(station)
    wedge = KeyboardWedge((ScannerConfig(name="wedge", type="wedge"),))
    wedge.start(station.receiving.submit)  # the Station's wiring (gui/app.py)
    try:
        desk.activateWindow()
        station.qtbot.waitUntil(desk.isActiveWindow, timeout=WAIT)
        desk.focus_search()
        station.qtbot.waitUntil(lambda: qt.QApplication.focusWidget() is desk.search.box.edit, timeout=WAIT)
        handle = desk.windowHandle()
        assert handle is not None
        with station.qtbot.waitSignal(desk.parcel.loaded, timeout=WAIT):
            Keyboard(handle).type("TBA000000004711\r", gap_ms=4)
    finally:
        wedge.stop()
    assert desk.tabs.currentWidget() is desk.parcel
    assert desk.parcel.page is not None and desk.parcel.page.item_id == f"unknown:{unknown.unknown_id}"
    assert desk.search.box.edit.text() == ""  # the burst was the scanner's, not the supervisor's typing
    with station.engine.connect() as conn:
        assert len(conn.execute(select(ScanLog.id)).scalars().all()) == 1


def test_the_desk_in_russian(station: Station, register: Register) -> None:
    scan(station, "TBA000000004711")
    as_supervisor(station)
    desk = open_desk(station)
    station.window.toggle_language()
    station.qtbot.waitUntil(lambda: desk.tabs.tabText(0) != "&Queue", timeout=WAIT)
    assert [desk.tabs.tabText(i) for i in range(4)] == ["&Очередь", "&Посылка", "По&иск", "О&тчёт"]
    assert desk.queue.kinds.item(1).text() == "неизвестная посылка (1)"
    assert column(desk.queue.model, 7) == ["этот номер никто не регистрировал"]
    assert desk.windowTitle() == "Стол старшего смены · станция st-gui"


def test_a_parcel_deleted_after_receipt_is_dismissed_with_a_note(station: Station, register: Register) -> None:
    reg = register("TBA000000000555", customer_suite="UN-5")
    assert scan(station, "TBA000000000555").outcome is Outcome.MATCHED
    register("TBA000000000555", id=reg.id, deleted=True, updated_at=datetime.now(UTC))  # the customer deleted it
    as_supervisor(station)
    desk = open_desk(station)
    assert [(i.kind, i.id) for i in desk.queue.model.rows] == [
        (ExceptionKind.DELETED_AFTER_RECEIPT, f"registration:{reg.id}")
    ]
    open_page(station, desk, f"registration:{reg.id}")
    page = desk.parcel
    assert "deleted by the customer" in page.registration_line.text()
    assert page.dismiss_button.isVisible()
    station.qtbot.keyClicks(page.note_edit, "the customer re-registered it; shelved under the new one")
    assert resolve(station, desk, page.dismiss_button) == (True, "Done: dismissed.")
    assert desk.queue.model.rowCount() == 0
    assert not page.dismiss_button.isVisible()


def test_a_clerks_unknown_scan_shows_in_the_open_queue_by_itself(station: Station) -> None:
    as_supervisor(station)
    desk = open_desk(station)
    assert desk.queue.model.rowCount() == 0
    station.window.activateWindow()
    station.qtbot.waitUntil(station.window.isActiveWindow, timeout=WAIT)
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        station.receiving.submit(Scan(raw="TBA000000004711", scanner="dock-1"))
    assert column(desk.queue.model, 1) == ["unknown parcel"]


def test_resolved_exceptions_are_listed_on_request_with_what_resolved_them(
    station: Station, register: Register
) -> None:
    unknown = scan(station, "TBA000000004711")
    reg = register("TBA000000004717")
    scan(station, "TBA000000009999")
    as_supervisor(station)
    desk = open_desk(station)
    open_page(station, desk, f"unknown:{unknown.unknown_id}")
    desk.parcel.suggestions_table.selectRow(0)
    assert desk.parcel.suggestions[0].registration_id == reg.id
    assert resolve(station, desk, desk.parcel.this_is_it)[0]
    assert column(desk.queue.model, 2) == ["TBA000000009999"]
    with station.qtbot.waitSignal(desk.queue.loaded, timeout=WAIT):
        desk.queue.state_combo.setCurrentIndex(1)
        desk.queue.state_combo.activated.emit(1)
    assert column(desk.queue.model, 2) == ["TBA000000004711", "TBA000000009999"]
    assert column(desk.queue.model, 6) == ["matched", "open"]
    assert desk.queue.model.foreground(desk.queue.model.rows[0], 0) == "#757575"


def test_a_parcels_page_keeps_its_photos(station: Station, tmp_path: Any) -> None:
    as_supervisor(station)
    verdict = scan(station, "1Z999AA10123456784")
    desk = open_desk(station)
    item = f"unknown:{verdict.unknown_id}"
    open_page(station, desk, item)
    strip = desk.parcel.photo_strip
    assert strip is not None and desk.parcel.photos_box.isVisibleTo(desk)
    picture = tmp_path / "box.png"
    picture.write_bytes(png_bytes())
    strip.attach_files([picture])
    station.qtbot.waitUntil(lambda: strip.thumbnails.count() == 1, timeout=WAIT)
    [photo] = strip.photos
    assert photo.parcel_ref == item and photo.taken_by == "sam"
    open_page(station, desk, item)  # the same parcel read again: the same strip, its photo still there
    assert desk.parcel.photo_strip is strip and strip.thumbnails.count() == 1
