"""Badges, delays, idle log-out and the role buttons on the clerk's window, as the operators would meet them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanstation.access import operators
from scanstation.access.login import LoginPolicy, log_in_with_pin
from scanstation.config import load_config
from scanstation.domain import Actor, AuditEntry, NotAllowedError, Outcome, Role, Scan
from scanstation.gui import qt
from scanstation.gui.admin.window import AdminWindow, open_admin
from scanstation.gui.app import Station as GuiStation
from scanstation.gui.app import gui_settings
from scanstation.gui.sound import Sounds
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store

from .conftest import CONFIG_TEXT, OPERATOR, PIN, STATION, Station

pytestmark = pytest.mark.gui

ADMIN = Actor.shell("test")
UPS = "1Z999AA10123456784"


def add(store: Store, name: str, role: str, display_name: str = "", station: str = STATION) -> str:
    """An operator made as an admin would make one, with a badge; returns the badge's secret."""
    operators.add_operator(store, ADMIN, name, PIN, role, display_name, station=station)
    return operators.issue_badge(store, ADMIN, name, station=station)


def trail(store: Store, *kinds: str) -> list[AuditEntry]:
    """The audit trail, oldest first, of these kinds."""
    return list(reversed(read(store, AuditFilter(kinds=kinds))))


def scan_log(store: Store) -> list[tuple[str, str]]:
    with store.begin() as conn:
        return [(r[0], r[1]) for r in conn.exec_driver_sql("SELECT raw, operator FROM scan_log").fetchall()]


def scan_badge(station: Station, secret: str) -> None:
    """A badge read by the dock's scanner: through the receiving thread, which hands it to the window."""
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        station.window.submit(Scan(secret, "dock-1"))


# ----- badge log-in -------------------------------------------------------------------------------------------


def test_a_clerks_badge_logs_her_in_and_is_never_a_parcel(station: Station) -> None:
    secret = operators.issue_badge(station.engine, ADMIN, OPERATOR, station=STATION)
    scan_badge(station, secret)
    w = station.window
    assert w.operator == OPERATOR
    assert w.entry.isVisible() and not w.name_edit.isVisible()
    assert w.operator_label.text() == "Operator: Anna K."
    assert scan_log(station.engine) == []
    (login,) = trail(station.engine, "login")
    assert (login.actor, login.target, login.detail) == (OPERATOR, OPERATOR, "badge")


def test_a_supervisors_badge_asks_the_pin_with_the_name_fixed(station: Station) -> None:
    secret = add(station.engine, "sven", "supervisor", "Sven S.")
    scan_badge(station, secret)
    w = station.window
    assert w.operator is None
    assert w.name_edit.text() == "sven" and w.name_edit.isReadOnly()
    assert w.pin_edit.hasFocus()
    assert w.login_error_label.text() == "Badge of sven: type your PIN"
    station.qtbot.keyClicks(w.pin_edit, "0000")  # a wrong PIN first: refused, the badge's name stays
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        station.qtbot.keyClick(w.pin_edit, qt.Qt.Key.Key_Return)
    assert w.operator is None and w.login_error_label.text() == "wrong name or PIN"
    assert w.name_edit.text() == "sven" and w.name_edit.isReadOnly()
    station.qtbot.keyClicks(w.pin_edit, PIN)
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        station.qtbot.keyClick(w.pin_edit, qt.Qt.Key.Key_Return)
    assert station.receiving.session.actor == Actor("sven", Role.SUPERVISOR, "Sven S.")
    assert trail(station.engine, "login")[-1].detail == "badge and PIN"


def test_escape_drops_a_badges_pin_prompt(station: Station) -> None:
    scan_badge(station, add(station.engine, "olga", "admin"))
    w = station.window
    assert w.name_edit.isReadOnly()
    station.qtbot.keyClick(w.pin_edit, qt.Qt.Key.Key_Escape)
    assert not w.name_edit.isReadOnly() and w.name_edit.text() == "" and w.login_error_label.text() == ""
    station.log_in()  # and the name and PIN log in as before
    assert w.operator == OPERATOR


def test_a_revoked_badge_is_refused_in_words(station: Station) -> None:
    secret = operators.issue_badge(station.engine, ADMIN, OPERATOR, station=STATION)
    operators.revoke_badge(station.engine, ADMIN, OPERATOR, station=STATION)
    scan_badge(station, secret)
    w = station.window
    assert w.operator is None
    assert w.login_error_label.text() == "this badge is not valid (revoked or unknown)"
    assert scan_log(station.engine) == []


def test_a_badge_switches_operators_and_the_switch_is_audited(station: Station) -> None:
    secret = add(station.engine, "ben", "clerk", "Ben B.")
    station.log_in()
    scan_badge(station, secret)
    assert station.receiving.session.actor == Actor("ben", Role.CLERK, "Ben B.")
    kinds = [(e.kind, e.target, e.detail) for e in trail(station.engine, "login", "logout")]
    assert kinds[-2:] == [("logout", OPERATOR, "badge of ben scanned"), ("login", "ben", "badge")]


def test_a_supervisors_badge_while_a_clerk_works_logs_her_out_and_asks_the_pin(station: Station) -> None:
    secret = add(station.engine, "sven", "supervisor")
    station.log_in()
    scan_badge(station, secret)
    w = station.window
    assert w.operator is None and w.name_edit.text() == "sven" and w.pin_edit.hasFocus()
    station.qtbot.waitUntil(lambda: len(trail(station.engine, "logout")) == 1)
    assert trail(station.engine, "logout")[0].detail == "badge of sven scanned"


def test_a_bad_badge_while_someone_works_leaves_them_logged_in(station: Station) -> None:
    station.log_in()
    station.wait_banner(lambda: station.window.submit(Scan("SSB-" + "0" * 26, "dock-1")))
    assert station.window.operator == OPERATOR
    said = station.window.status_bar.popup
    assert said.isVisible() and said.text() == "Badge refused: this badge is not valid (revoked or unknown)"
    assert station.window.status_bar.sync_label.isVisible()  # the bar's parts stay on show


def test_a_badge_typed_into_the_entry_logs_in_and_never_reaches_the_scan_log(station: Station) -> None:
    secret = add(station.engine, "ben", "clerk", "Ben B.")
    station.log_in()
    station.type_number(secret)  # the banner changes for Ben's log-in
    assert station.window.operator == "ben"
    assert scan_log(station.engine) == []
    assert station.window.recent_rows() == []


def test_a_parcel_scanned_on_the_log_in_screen_is_received_under_nobody(station: Station) -> None:
    verdict = station.wait_banner(lambda: station.window.submit(Scan(UPS, "dock-1")))
    assert verdict.outcome is Outcome.UNKNOWN
    assert station.window.operator is None and station.window.name_edit.isVisible()
    assert scan_log(station.engine) == [(UPS, "conveyor")]


# ----- delays and lock-out ------------------------------------------------------------------------------------


def test_the_log_in_button_counts_down_the_cores_delay(station: Station) -> None:
    # A wrong PIN a moment ago with a 2 s delay: the next attempt is refused unchecked until then.
    log_in_with_pin(station.engine, OPERATOR, "0000", LoginPolicy(first_delay_s=2.0), station=STATION)
    station.log_in()
    w = station.window
    assert w.operator is None
    assert w.login_error_label.text() in ("wait 2 s before trying again", "wait 1 s before trying again")
    assert not w.login_button.isEnabled()
    assert w.login_button.text() in ("Log in: wait 2 s", "Log in: wait 1 s")
    station.qtbot.waitUntil(w.login_button.isEnabled, timeout=5_000)  # the QTimer's count reaching 0
    assert w.login_button.text() == "Log in"
    station.log_in()
    assert w.operator == OPERATOR


def test_a_lock_out_is_shown_until_when_and_another_name_may_still_log_in(station: Station) -> None:
    add(station.engine, "ben", "clerk")
    now = datetime.now(UTC)
    for _ in range(5):
        log_in_with_pin(station.engine, OPERATOR, "0000", LoginPolicy(first_delay_s=0, max_delay_s=0), station=STATION)
    station.log_in()
    w = station.window
    until = w.login_error_label.text().removeprefix("locked until ")[:5]
    assert w.login_error_label.text() == f"locked until {until} (5 wrong PINs in a row): an admin can unlock"
    assert w.login_button.text() == f"Locked until {until}" and not w.login_button.isEnabled()
    assert 290 < w.retry_wait_s() <= 300 + (datetime.now(UTC) - now).total_seconds()
    station.log_in("ben", PIN)  # the lock is Anna's: the button is free for another name
    assert w.operator == "ben"


# ----- idle log-out and log-out -------------------------------------------------------------------------------


def test_idle_log_out_after_the_minutes_without_a_key_is_audited(station: Station) -> None:
    w = station.window
    w.set_idle_logout(0.01)  # 0.6 s
    station.log_in()
    station.qtbot.waitUntil(lambda: w.operator is None, timeout=5_000)
    assert w.name_edit.isVisible()
    station.qtbot.waitUntil(lambda: bool(trail(station.engine, "logout")))
    (entry,) = trail(station.engine, "logout")
    assert (entry.actor, entry.detail) == (OPERATOR, "idle for 0.01 min")


def test_a_key_starts_the_idle_time_again(station: Station) -> None:
    w = station.window
    w.set_idle_logout(1)
    station.log_in()
    station.qtbot.waitUntil(lambda: w.idle_left_ms() < 59_800)  # time passes without a key
    station.qtbot.keyClick(w.entry, qt.Qt.Key.Key_A)
    assert w.idle_left_ms() > 59_800
    w.set_idle_logout(0)
    assert w.idle_left_ms() == -1 and w.operator == OPERATOR


def test_ctrl_l_logs_out_and_is_audited(station: Station) -> None:
    station.log_in()
    station.qtbot.keyClick(station.window, qt.Qt.Key.Key_L, qt.Qt.KeyboardModifier.ControlModifier)
    assert station.window.operator is None
    station.qtbot.waitUntil(lambda: bool(trail(station.engine, "logout")))
    assert trail(station.engine, "logout")[0].detail == "logged out"


def test_a_clerks_undo_of_a_scan_not_hers_shows_the_cores_words(station: Station) -> None:
    # Read under nobody on the log-in screen; then the verdict is on the screen again while Anna is logged in.
    theirs = station.wait_banner(lambda: station.window.submit(Scan(UPS, "dock-1")))
    station.log_in()
    w = station.window
    station.wait_banner(lambda: station.bridge.verdict.emit(theirs))
    assert w.undo_seconds_left() > 0
    station.qtbot.keyClick(w, qt.Qt.Key.Key_Z, qt.Qt.KeyboardModifier.ControlModifier)
    station.qtbot.waitUntil(lambda: w.undo_note().startswith("Undo refused"))
    assert w.undo_note() == (
        "Undo refused: Anna K. is a clerk: undoing another operator's scan, or a scan past its undo window, "
        "needs a supervisor"
    )
    assert w.entry.hasFocus()


# ----- the role buttons on the running station ----------------------------------------------------------------


@pytest.fixture
def running(qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiStation]:
    """The station as `scanstation gui` builds it, with a clerk, a supervisor and an admin."""
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    path = tmp_path / "station.toml"
    path.write_text(
        CONFIG_TEXT.format(db=tmp_path / "running.db", url="http://127.0.0.1:9/api", token="t0ken"), encoding="utf-8"
    )
    station = GuiStation(
        load_config(path), qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False)
    )
    qtbot.addWidget(station.window)
    try:
        station.start()
        for name, role in (("anna", "clerk"), ("sam", "supervisor"), ("olga", "admin")):
            operators.add_operator(station.store, ADMIN, name, PIN, role, name.title(), station="st-admin")
        station.window.resize(1400, 900)
        station.show()
        station.window.activateWindow()
        qtbot.waitUntil(station.window.isActiveWindow)
        yield station
    finally:
        station.window.close()
        station.stop()


def log_in(qtbot: Any, station: GuiStation, name: str) -> None:
    w = station.window
    w.name_edit.setText(name)
    w.pin_edit.setText(PIN)
    with qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        qtbot.mouseClick(w.login_button, qt.Qt.MouseButton.LeftButton)
    assert w.operator == name


def test_a_clerk_sees_no_settings_and_the_core_refuses_her_anyway(qtbot: Any, running: GuiStation) -> None:
    w = running.window
    log_in(qtbot, running, "anna")
    assert not w.status_bar.settings_button.isVisible() and not w.status_bar.audit_button.isVisible()
    qtbot.keyClick(w, qt.Qt.Key.Key_Comma, qt.Qt.KeyboardModifier.ControlModifier)  # Ctrl+, all the same
    qtbot.waitUntil(lambda: w.doors.window("settings") is not None)
    box = w.doors.window("settings")
    assert isinstance(box, qt.QMessageBox)
    assert box.text() == "Anna is a clerk: opening the station's settings needs an admin"
    (refused,) = trail(running.store, "refused")
    assert (refused.actor, refused.target) == ("anna", "settings.open")
    # And open_admin or the window itself, called on the clerk's context, is refused by the core's check.
    context = w.doors._context
    assert context is not None
    refusal = open_admin(context, w)
    assert isinstance(refusal, qt.QMessageBox)
    refusal.close()
    with pytest.raises(NotAllowedError):
        AdminWindow(context)


def test_a_supervisor_has_the_audit_trail_but_not_the_settings(qtbot: Any, running: GuiStation) -> None:
    w = running.window
    log_in(qtbot, running, "sam")
    assert w.status_bar.audit_button.isVisible() and not w.status_bar.settings_button.isVisible()
    qtbot.mouseClick(w.status_bar.audit_button, qt.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.doors.window("audit") is not None)
    assert trail(running.store, "refused") == []
    w.log_out()
    assert w.doors.window("audit") is None
    assert not w.status_bar.audit_button.isVisible()


def test_after_the_audit_trail_is_closed_the_keys_reach_the_entry(qtbot: Any, running: GuiStation) -> None:
    w = running.window
    log_in(qtbot, running, "sam")
    qtbot.mouseClick(w.status_bar.audit_button, qt.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.doors.window("audit") is not None)
    audit = w.doors.window("audit")
    assert audit is not None
    audit.activateWindow()
    qtbot.waitUntil(audit.isActiveWindow)
    audit.close()
    qtbot.waitUntil(w.isActiveWindow)
    focused = qt.QApplication.focusWidget()
    assert focused is w.entry
    qtbot.keyClicks(focused, "1Z")
    assert w.entry.text() == "1Z"


def test_an_admin_opens_the_settings_and_they_close_at_log_out(qtbot: Any, running: GuiStation) -> None:
    w = running.window
    log_in(qtbot, running, "olga")
    assert w.status_bar.settings_button.isVisible() and w.status_bar.audit_button.isVisible()
    qtbot.mouseClick(w.status_bar.settings_button, qt.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.doors.window("settings") is not None)
    admin = w.doors.window("settings")
    assert isinstance(admin, AdminWindow)
    assert admin.windowTitle() == "Settings of station st-admin"
    w.log_out()
    assert not admin.isVisible() and w.doors.window("settings") is None


def test_the_idle_minutes_are_read_again_when_settings_are_applied(qtbot: Any, running: GuiStation) -> None:
    old = running.config
    assert old.login.idle_logout_min == 15
    log_in(qtbot, running, "anna")
    running.apply(dataclasses.replace(old, login=dataclasses.replace(old.login, idle_logout_min=0.01)), ())
    qtbot.waitUntil(lambda: running.window.operator is None, timeout=5_000)
    qtbot.waitUntil(lambda: bool(trail(running.store, "logout")))
    assert trail(running.store, "logout")[0].detail == "idle for 0.01 min"
