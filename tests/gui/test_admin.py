"""The admin's window on its real parts: the settings form, mistakes in the loader's words, save, the server test."""

from __future__ import annotations

import dataclasses
import os
import socket
import stat
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scanstation.access import operators as access
from scanstation.config import SECTIONS, Config, ConfigError, ServerConfig, load_config, parse_config
from scanstation.config.settings import SERVER
from scanstation.config.write import SettingsEdit
from scanstation.devserver import DevServer
from scanstation.domain import AuditEntry, AuditKind
from scanstation.domain.access import Actor, NotAllowedError, SettingChange
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext, ProbeReportShown, SettingsEditor
from scanstation.gui.admin.form import SettingField, find_setting
from scanstation.gui.admin.window import AdminWindow, open_admin, saved_words
from scanstation.gui.app import Station as GuiStation
from scanstation.gui.app import gui_settings
from scanstation.gui.sound import Sounds
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store

from .conftest import ADMIN, CLERK, CONFIG_TEXT, SUPERVISOR, Station, admin_context

pytestmark = pytest.mark.gui

MakeContext = Callable[..., AdminContext]
SERVER_TOKEN = "s3cret-admin-token-77"
SHELL = Actor.shell("test")  # whoever set the station up: the first admin is made from the shell


@dataclass
class Seen:
    """What the real parts were handed, and on which threads they ran (the context's functions wrapped)."""

    edits: list[SettingsEditor] = field(default_factory=list)
    save_threads: list[str] = field(default_factory=list)
    probe_threads: list[str] = field(default_factory=list)
    applied: list[tuple[Config, tuple[SettingChange, ...]]] = field(default_factory=list)


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        CONFIG_TEXT.format(db=tmp_path / "admin.db", url="http://127.0.0.1:9/api", token=SERVER_TOKEN), encoding="utf-8"
    )
    path.chmod(0o644)  # as a file an editor wrote; a save makes it the owner's only
    return path


@pytest.fixture
def people(station: Station, config_path: Path) -> None:
    """The admin and the supervisor as operators of the store, made the way an admin makes them."""
    station_id = load_config(config_path).station.id
    for actor in (ADMIN, SUPERVISOR):
        access.add_operator(
            station.engine, SHELL, actor.name, "9090", actor.role.value, actor.display_name, station=station_id
        )
    # The clerk (Anna K.) is the station fixture's operator.


@pytest.fixture
def make_context(station: Station, seen: Seen, config_path: Path, people: None) -> MakeContext:
    """The AdminContext the Station builds, on the gui station's real receiving thread, acting as `actor`."""

    def make(actor: Actor | None = ADMIN, environ: dict[str, str] | None = None) -> AdminContext:
        context = admin_context(
            station,
            config_path,
            lambda: actor,
            apply=lambda config, changes: seen.applied.append((config, changes)),
            environ=environ,
        )
        real_save, real_probe = context.save, context.probe

        def open_edit(path: Path) -> SettingsEditor:
            edit = SettingsEdit.open(path)
            seen.edits.append(edit)
            return edit

        def save(who: Actor, edit: SettingsEditor) -> Config:
            seen.save_threads.append(threading.current_thread().name)
            return real_save(who, edit)

        def probe(server: ServerConfig, token: str | None, station_id: str) -> ProbeReportShown:
            seen.probe_threads.append(threading.current_thread().name)
            return real_probe(server, token, station_id)

        return dataclasses.replace(context, open_edit=open_edit, save=save, probe=probe)

    return make


@pytest.fixture
def admin_window(qtbot: Any, make_context: MakeContext) -> AdminWindow:
    window = AdminWindow(make_context())
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def trail(store: Store, kind: AuditKind) -> list[AuditEntry]:
    return read(store, AuditFilter(kinds=(kind.value,)))


def type_into(qtbot: Any, field: SettingField, text: str) -> None:
    """Select what the field holds and type over it, as an admin does."""
    editor = field.editor
    target = editor.lineEdit() if isinstance(editor, qt.QComboBox) else editor
    assert isinstance(target, qt.QLineEdit | qt.QSpinBox | qt.QDoubleSpinBox)
    target.setFocus()
    target.selectAll()
    qtbot.keyClicks(target, text)


def save(qtbot: Any, window: AdminWindow) -> None:
    with qtbot.waitSignal(window.saved, timeout=10_000):
        qtbot.mouseClick(window.save_button, qt.Qt.MouseButton.LeftButton)


# ----- the form, from the declarations -------------------------------------------------------------------------


def test_every_server_setting_is_a_field_of_its_kind_with_its_words(admin_window: AdminWindow) -> None:
    page = admin_window.server_tab.page
    assert set(page.fields) == {f"server.{s.name}" for s in SERVER.settings}
    kinds = {
        "server.allow_insecure_http": qt.QCheckBox,
        "server.page_limit": qt.QSpinBox,
        "server.pull_interval_s": qt.QDoubleSpinBox,
        "server.verify_tls": qt.QComboBox,
        "server.url": qt.QLineEdit,
    }
    for key, kind in kinds.items():
        assert isinstance(page.field(key).editor, kind), key
    limit = page.field("server.page_limit").editor
    assert isinstance(limit, qt.QSpinBox)
    assert (limit.minimum(), limit.maximum()) == (1, 5000)  # the declaration's range
    assert "5000" in limit.toolTip()  # its description
    assert page.field("server.url").value() == "http://127.0.0.1:9/api"  # the file's value


def test_the_station_tab_has_the_station_settings_and_marks_what_needs_a_restart(admin_window: AdminWindow) -> None:
    page = admin_window.station_tab.page
    for key in ("station.id", "station.operator", "receiving.undo_window_s", "gui.language", "gui.sound"):
        assert key in page.fields
    labels = {field.editor.objectName(): label.text() for label, field in page._row_labels}
    assert labels["station.id"] == "ID (after a restart)"
    assert labels["receiving.undo_window_s"] == "Undo window (seconds)"
    assert not labels["gui.language"].endswith("(after a restart)")
    language = page.field("gui.language").editor
    assert isinstance(language, qt.QComboBox)
    assert [language.itemData(i) for i in range(language.count())] == ["ru", "en"]


def test_the_token_is_masked_and_never_shown_back(admin_window: AdminWindow, make_context: MakeContext) -> None:
    tab = admin_window.server_tab
    token = tab.page.field("server.token").editor
    assert isinstance(token, qt.QLineEdit)
    assert token.echoMode() == qt.QLineEdit.EchoMode.Password
    assert token.text() == ""  # the file has one, and it stays there
    texts = [w.text() for w in admin_window.findChildren(qt.QLabel)] + [
        w.toolTip() for w in admin_window.findChildren(qt.QWidget)
    ]
    assert not any(SERVER_TOKEN in text for text in texts)
    assert tab.token_state.text().startswith("A token is set in the file.")


def test_the_environment_variable_that_wins_is_named(qtbot: Any, make_context: MakeContext) -> None:
    window = AdminWindow(make_context(environ={"SCANSTATION_SERVER_TOKEN": "from-env"}))
    qtbot.addWidget(window)
    assert (
        "SCANSTATION_SERVER_TOKEN is set: its token is the one the station uses" in window.server_tab.token_state.text()
    )


# ----- who may open it ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [CLERK, SUPERVISOR, None], ids=["clerk", "supervisor", "nobody"])
def test_only_an_admin_opens_the_settings(qtbot: Any, make_context: MakeContext, actor: Actor | None) -> None:
    context = make_context(actor)
    with pytest.raises(NotAllowedError):
        AdminWindow(context)
    box = open_admin(context)
    qtbot.addWidget(box)
    assert isinstance(box, qt.QMessageBox) and box.isVisible()
    assert box.objectName() == "adminRefused"
    if actor is None:
        assert box.text() == "Log in as an administrator to open the settings."
    else:
        assert box.text() == f"{actor.display_name} is a {actor.role}: opening the station's settings needs an admin"


# ----- mistakes and saving -----------------------------------------------------------------------------------


def test_a_mistake_is_shown_beside_its_field_in_the_loaders_words_and_nothing_is_saved(
    qtbot: Any, admin_window: AdminWindow, config_path: Path, seen: Seen, station: Station
) -> None:
    before = config_path.read_text(encoding="utf-8")
    field = admin_window.server_tab.page.field("server.url")
    admin_window.tabs.setCurrentWidget(admin_window.server_tab)
    type_into(qtbot, field, "ftp://files.example")
    assert admin_window.save_button.isEnabled()
    with qtbot.waitSignal(admin_window.save_failed):
        qtbot.keyClick(admin_window, qt.Qt.Key.Key_S, qt.Qt.KeyboardModifier.ControlModifier)
    data = tomllib.loads(before)
    data["server"]["url"] = "ftp://files.example"
    with pytest.raises(ConfigError) as loader:
        parse_config(data, str(config_path))
    assert field.error == f"{loader.value.problem}. Fix: {loader.value.fix}"
    assert field.error_label.isVisible()
    assert field.editor.hasFocus()  # the admin is taken to the mistake
    assert "Nothing was saved" in admin_window.result_line.text()
    assert config_path.read_text(encoding="utf-8") == before
    assert (seen.edits, seen.save_threads) == ([], [])
    assert trail(station.engine, AuditKind.SETTINGS_CHANGED) == []
    # Typing again clears the mark until the next check.
    type_into(qtbot, field, "https://central.example/api")
    assert not field.error_label.isVisible()


def test_save_writes_the_file_on_the_receiving_thread_applies_and_says_what_waits(
    qtbot: Any, admin_window: AdminWindow, config_path: Path, seen: Seen, station: Station
) -> None:
    before = config_path.read_text(encoding="utf-8")
    page = admin_window.station_tab.page
    admin_window.tabs.setCurrentWidget(admin_window.station_tab)
    assert not admin_window.save_button.isEnabled()  # nothing changed yet
    type_into(qtbot, page.field("receiving.undo_window_s"), "25")
    type_into(qtbot, page.field("station.id"), "st-admin-2")
    language = page.field("gui.language").editor
    assert isinstance(language, qt.QComboBox)
    language.setCurrentIndex(language.findData("ru"))
    save(qtbot, admin_window)

    text = config_path.read_text(encoding="utf-8")
    # Only the three values changed: every comment, blank line and order as the admin's editor left them.
    assert text == (
        before.replace('id = "st-admin"   #', 'id = "st-admin-2"   #')
        .replace("undo_window_s = 10.0  # seconds", "undo_window_s = 25.0  # seconds")
        .replace('language = "en"', 'language = "ru"')
    )
    assert stat.S_IMODE(os.stat(config_path).st_mode) == 0o600  # the file holds the server's token
    config = parse_config(tomllib.loads(text), str(config_path))
    assert (config.receiving.undo_window_s, config.station.id, config.gui.language) == (25.0, "st-admin-2", "ru")
    assert seen.save_threads == ["receiving"]  # the receiving worker's thread, behind the scans
    ((applied, changes),) = seen.applied
    assert applied == config
    assert {c.key for c in changes} == {"receiving.undo_window_s", "station.id", "gui.language"}
    rows = trail(station.engine, AuditKind.SETTINGS_CHANGED)
    assert sorted((r.target, r.before, r.after, r.detail, r.actor, r.station) for r in rows) == [
        ("gui.language", "en", "ru", "", ADMIN.name, "st-admin"),
        ("receiving.undo_window_s", 10.0, 25.0, "", ADMIN.name, "st-admin"),
        ("station.id", "st-admin", "st-admin-2", "needs a restart", ADMIN.name, "st-admin"),
    ]
    line = admin_window.result_line.text()
    assert line == saved_words(changes)
    assert "Applied now: receiving.undo_window_s, gui.language." in line  # in the file's order
    assert "After a restart of the station: station.id." in line
    assert not admin_window.save_button.isEnabled()  # the form shows the file again


def test_a_typed_token_is_saved_and_the_field_empties(
    qtbot: Any, admin_window: AdminWindow, config_path: Path, seen: Seen, station: Station
) -> None:
    before = config_path.read_text(encoding="utf-8")
    tab = admin_window.server_tab
    admin_window.tabs.setCurrentWidget(tab)
    type_into(qtbot, tab.page.field("server.token"), "new-token-123")
    assert tab.token_state.text().startswith("A new token is typed in")
    save(qtbot, admin_window)
    text = config_path.read_text(encoding="utf-8")
    assert text == before.replace(f'token = "{SERVER_TOKEN}"', 'token = "new-token-123"')
    assert stat.S_IMODE(os.stat(config_path).st_mode) == 0o600
    ((_, changes),) = seen.applied
    assert [(c.key, c.before, c.after, c.secret) for c in changes] == [("server.token", None, None, True)]
    (row,) = trail(station.engine, AuditKind.SETTINGS_CHANGED)
    assert (row.target, row.before, row.after, row.detail) == ("server.token", None, None, "token changed")
    everything = repr(read(station.engine, AuditFilter()))  # every row of every kind, every field
    assert "new-token-123" not in everything and SERVER_TOKEN not in everything
    token = tab.page.field("server.token").editor
    assert isinstance(token, qt.QLineEdit) and token.text() == ""
    assert "new-token-123" not in admin_window.result_line.text()


def test_a_save_the_core_refuses_is_told_in_words(
    qtbot: Any, make_context: MakeContext, config_path: Path, station: Station
) -> None:
    # Opened as an admin, then the core's check at save time refuses (the role changed meanwhile).
    acting = [ADMIN]
    context = make_context()
    context.actor = lambda: acting[0]
    window = AdminWindow(context)
    qtbot.addWidget(window)
    before = config_path.read_text(encoding="utf-8")
    type_into(qtbot, window.station_tab.page.field("receiving.undo_window_s"), "30")
    acting[0] = CLERK
    with qtbot.waitSignal(window.save_failed, timeout=10_000):
        window.save()
    assert window.result_line.text() == (
        "Nothing was saved: Anna K. is a clerk: changing the station's settings needs an admin"
    )
    assert config_path.read_text(encoding="utf-8") == before
    (refused,) = trail(station.engine, AuditKind.REFUSED)
    assert (refused.actor, refused.target, refused.station) == (CLERK.name, "settings.change", "st-admin")
    assert trail(station.engine, AuditKind.SETTINGS_CHANGED) == []


# ----- the connection test ------------------------------------------------------------------------------------


@pytest.fixture
def central(tmp_path: Path) -> Iterator[DevServer]:
    server = DevServer(tmp_path / "central.db", token=SERVER_TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens on it


def run_test(qtbot: Any, window: AdminWindow) -> Any:
    with qtbot.waitSignal(window.server_tab.probe_answered, timeout=15_000) as blocker:
        qtbot.mouseClick(window.server_tab.test_button, qt.Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_connection_test_with_the_typed_url_and_the_files_token_runs_on_a_thread_of_its_own(
    qtbot: Any, admin_window: AdminWindow, central: DevServer, seen: Seen
) -> None:
    tab = admin_window.server_tab
    admin_window.tabs.setCurrentWidget(tab)
    type_into(qtbot, tab.page.field("server.url"), central.url)
    report = run_test(qtbot, admin_window)
    assert report.ok
    reachable, clock, token = tab.step_texts()
    port = central.url.split(":")[2].split("/")[0]
    assert reachable.startswith(f"OK · reachable: 127.0.0.1:{port} answered in ")
    assert (clock, token) == ("OK · clock: clocks agree", "OK · token: token accepted")
    assert tab.test_state.text() == report.summary
    (thread,) = seen.probe_threads
    assert thread not in (threading.main_thread().name, "receiving")
    assert thread == "connection-test"


def test_connection_test_with_a_wrong_token_says_rejected(
    qtbot: Any, admin_window: AdminWindow, central: DevServer
) -> None:
    tab = admin_window.server_tab
    type_into(qtbot, tab.page.field("server.url"), central.url)
    type_into(qtbot, tab.page.field("server.token"), "wrong-token")
    report = run_test(qtbot, admin_window)
    assert not report.ok
    words = "token rejected (401): check server.token or $SCANSTATION_SERVER_TOKEN"
    assert tab.step_texts()[-1] == f"PROBLEM · token: {words}"
    assert tab.test_state.text() == words


def test_connection_test_to_a_closed_port_says_nothing_answers(qtbot: Any, admin_window: AdminWindow) -> None:
    tab = admin_window.server_tab
    port = closed_port()
    type_into(qtbot, tab.page.field("server.url"), f"http://127.0.0.1:{port}/api")
    report = run_test(qtbot, admin_window)
    assert not report.ok
    words = f"nothing answers at 127.0.0.1:{port} (connection refused): is the server running, and is the port right?"
    assert tab.step_texts() == [f"PROBLEM · reachable: {words}"]  # the token is not tried
    assert tab.test_state.text() == words


def test_connection_test_refuses_values_the_loader_refuses(qtbot: Any, admin_window: AdminWindow, seen: Seen) -> None:
    tab = admin_window.server_tab
    type_into(qtbot, tab.page.field("server.url"), "http://central.example/api")  # plain http to another host
    assert run_test(qtbot, admin_window) is None
    assert "in clear" in tab.page.field("server.url").error
    assert seen.probe_threads == []


def test_every_declared_setting_makes_a_field(qtbot: Any) -> None:
    # The form covers every kind the declarations use, and reads back what it shows.
    for spec in SECTIONS:
        for setting in spec.settings:
            field = SettingField(
                spec.name, setting, setting.default_value() if setting.default_value() is not None else None
            )
            qtbot.addWidget(field)
            assert find_setting(spec.name, setting.name) is setting
            if setting.kind in ("flag", "integer", "number") and not setting.secret:
                assert field.value() == setting.default_value() or setting.default_value() is None, setting.name


# ----- live apply on the running station ----------------------------------------------------------------------


@pytest.fixture
def running(qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiStation]:
    """The station as `scanstation gui` builds it, on the admin's config file (no server reachable)."""
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    path = tmp_path / "station.toml"
    path.write_text(
        CONFIG_TEXT.format(db=tmp_path / "running.db", url="http://127.0.0.1:9/api", token=SERVER_TOKEN),
        encoding="utf-8",
    )
    station = GuiStation(
        load_config(path), qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False)
    )
    qtbot.addWidget(station.window)
    try:
        station.start()
        station.show()
        yield station
    finally:
        station.window.close()
        station.stop()
        station.translations.set_language("en")


def test_station_apply_switches_language_sound_font_scale_and_undo_window(qtbot: Any, running: GuiStation) -> None:
    window = running.window
    # The action line keeps the size it is given; the key word fits itself to the banner's width (its own test).
    before = window.banner.action.font().pointSizeF()
    title = window.windowTitle()
    old = running.config
    new = dataclasses.replace(
        old,
        gui=dataclasses.replace(old.gui, language="ru", sound=True, font_scale=1.5),
        receiving=dataclasses.replace(old.receiving, undo_window_s=33.0),
    )
    running.apply(new, ())
    assert running.translations.language == "ru"
    qtbot.waitUntil(lambda: window.windowTitle() != title)  # LanguageChange redrew the screen
    assert running.sounds.enabled
    assert window.banner.action.font().pointSizeF() == pytest.approx(before * 1.5)
    assert running.receiver.undo_window_s == 33.0
    assert running.config is new and running.runtime.config is new


def test_sound_switched_off_and_on_while_running_tells_the_status_bar(qtbot: Any) -> None:
    sounds = Sounds(enabled=True)
    with qtbot.waitSignal(sounds.availability_changed) as off:
        sounds.set_enabled(False)
    assert off.args == [False]
    assert (sounds.available, sounds.reason, sounds.play("matched")) == (False, "sound is off in the config", False)
    with qtbot.waitSignal(sounds.availability_changed):
        sounds.set_enabled(True)
    assert sounds.enabled and sounds.reason != "sound is off in the config"


# Without a sound server every effect reports this when it is made; the volume is set all the same.
@pytest.mark.qt_log_ignore("^QSoundEffect: playback of this format is not supported on the selected audio device$")
def test_volume_reaches_every_sound_effect_and_changes_while_running(qtbot: Any) -> None:
    # QSoundEffect objects exist without a sound device: the device check is skipped so they are made.
    sounds = Sounds(enabled=True, volume=30, check_devices=False)
    # Each effect then fails to open the missing device; waited for here, or its warning lands in the next test.
    qtbot.waitUntil(lambda: not sounds.available, timeout=10_000)
    effects = list(sounds._effects.values())
    assert effects and all(effect.volume() == pytest.approx(0.30) for effect in effects)
    sounds.set_volume(150)  # out of range from a caller: held to 100 %
    assert sounds.volume == 100 and all(effect.volume() == pytest.approx(1.0) for effect in effects)
    sounds.set_volume(0)
    assert all(effect.volume() == 0 for effect in effects)
