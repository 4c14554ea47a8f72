"""GUI fixtures: the real scan screen on a fresh SQLite database, with the real receiving worker thread."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanstation.access.login import LoginPolicy, log_in_with_badge, log_in_with_pin, log_out
from scanstation.access.refusals import check
from scanstation.access.settings import save_settings
from scanstation.config import Config
from scanstation.config.load import parse_config_text
from scanstation.config.write import SettingsEdit
from scanstation.domain.access import Actor, Role, SettingChange
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext, Probe
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.clerk.window import StationWindow
from scanstation.gui.i18n import Translations
from scanstation.gui.sound import Sounds
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.receiving import Receiver
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store
from scanstation.store.operators import add_operator
from scanstation.store.registrations import RegistrationRecord
from scanstation.sync.probe import probe_server
from tests.dbfixtures import registrar


@contextmanager
def stopped_by_sigterm(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """The block talks to a station process; then SIGTERM asks it to stop (as a service manager would).

    If the block fails, the process is killed instead, so a broken test never leaves a window behind.
    """
    try:
        yield proc
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


STATION = "st-gui"
OPERATOR = "anna"
PIN = "4321"

# Who acts in the admin's window; the tests that need them as operators add them to the store.
ADMIN = Actor("olga", Role.ADMIN, "Olga A.")
CLERK = Actor(OPERATOR, Role.CLERK, "Anna K.")
SUPERVISOR = Actor("sam", Role.SUPERVISOR, "Sam S.")

# The admin's config file, with comments where people put them (an edit must keep them).
CONFIG_TEXT = """\
# The receiving dock, by the big door.
[station]
id = "st-admin"   # the id the central server knows
operator = "conveyor"

[database]
url = "sqlite:///{db}"

[server]
url = "{url}"
token = "{token}"
connect_timeout_s = 2.0
read_timeout_s = 2.0

[receiving]
undo_window_s = 10.0  # seconds

[gui]
language = "en"
sound = false

[logging]
file = false
"""


@dataclass
class Station:
    """The window and what it runs on, plus the clerk's gestures the tests repeat."""

    window: StationWindow
    bridge: Bridge
    receiving: GuiReceiving
    engine: Store
    qtbot: Any
    settings: qt.QSettings
    supervisor: SupervisorContext  # what the window's supervisor's desk works with (Ctrl+Shift+S)

    def wait_banner(self, action: Callable[[], None], timeout: int = 10_000) -> Any:
        """Do `action` and wait until the banner changed because of it; returns what was shown."""
        with self.qtbot.waitSignal(self.window.banner_shown, timeout=timeout) as blocker:
            action()
        return blocker.args[0]

    def log_in(self, name: str = OPERATOR, pin: str = PIN) -> None:
        w = self.window
        w.name_edit.setFocus()
        w.name_edit.clear()
        self.qtbot.keyClicks(w.name_edit, name)
        self.qtbot.keyClick(w.name_edit, qt.Qt.Key.Key_Return)
        assert w.pin_edit.hasFocus()
        self.qtbot.keyClicks(w.pin_edit, pin)
        # The answer comes back from the receiving thread; the window's slot runs before the blocker's.
        with self.qtbot.waitSignal(self.receiving.runner.answered, timeout=10_000):
            self.qtbot.keyClick(w.pin_edit, qt.Qt.Key.Key_Return)

    def type_number(self, text: str) -> Any:
        """A clerk types a number from a torn label into the entry and presses Enter."""
        w = self.window
        self.qtbot.keyClick(w, qt.Qt.Key.Key_F2)
        assert w.entry.hasFocus()
        self.qtbot.keyClicks(w.entry, text)
        return self.wait_banner(lambda: self.qtbot.keyClick(w.entry, qt.Qt.Key.Key_Return))

    def banner(self) -> tuple[str, str, str]:
        b = self.window.banner
        return b.word.text(), b.big.text(), b.action.text()


def admin_context(
    station: Station,
    config_path: Path,
    actor: Callable[[], Actor | None],
    *,
    apply: Callable[[Config, tuple[SettingChange, ...]], None] = lambda config, changes: None,
    probe: Probe = probe_server,
    environ: dict[str, str] | None = None,
    station_id: str | None = None,
) -> AdminContext:
    """The AdminContext as gui/app.py's Station builds it (SettingsEdit, save_settings, probe_server), on `station`.

    It acts for the file's station id unless `station_id` names another (the gui station's, for its trail).
    """

    def current() -> Config:
        return parse_config_text(config_path.read_text(encoding="utf-8"), str(config_path))

    acting_for = station_id if station_id is not None else current().station.id
    return AdminContext(
        runner=station.receiving.runner,
        store=station.engine,
        actor=actor,
        config_path=config_path,
        config=current,
        apply=apply,
        station_id=acting_for,
        bridge=station.bridge,
        open_edit=SettingsEdit.open,
        save=lambda who, edit: save_settings(station.engine, who, edit, station=acting_for),
        probe=probe,
        environ=environ if environ is not None else {},
    )


@pytest.fixture
def register(sqlite_engine: Store) -> Callable[..., RegistrationRecord]:
    """Put a registration into the database exactly as the sync puller would."""
    return registrar(sqlite_engine)


# The screen tests type a wrong PIN and at once the right one; the growing delay is the core's (tests/access).
SCREEN_POLICY = LoginPolicy(first_delay_s=0.0, max_delay_s=0.0)


@pytest.fixture
def settings(tmp_path: Path) -> qt.QSettings:
    return qt.QSettings(str(tmp_path / "gui-state.ini"), qt.QSettings.Format.IniFormat)


@pytest.fixture
def window_options() -> dict[str, Any]:
    """More keyword arguments for the station's StationWindow (a test module overrides this: store, cameras)."""
    return {}


@pytest.fixture
def station(
    qtbot: Any,
    qapp: Any,
    sqlite_engine: Store,
    settings: qt.QSettings,
    tmp_path: Path,
    window_options: dict[str, Any],
) -> Iterator[Station]:
    add_operator(sqlite_engine, OPERATOR, PIN, display_name="Anna K.")
    bridge = Bridge()
    receiver = Receiver(sqlite_engine, station_id=STATION, undo_window_s=10)
    receiving = GuiReceiving.with_worker(
        receiver,
        bridge,
        lambda name, pin: log_in_with_pin(sqlite_engine, name, pin, SCREEN_POLICY, station=STATION),
        journal=tmp_path / "unrecorded.tsv",
        verify_badge=lambda secret, pin, replacing: log_in_with_badge(
            sqlite_engine, secret, SCREEN_POLICY, station=STATION, pin=pin, replacing=replacing
        ),
        record_logout=lambda actor, reason: log_out(sqlite_engine, actor, station=STATION, reason=reason),
        check_act=lambda actor, act: check(sqlite_engine, actor, act, station=STATION),
    )
    translations = Translations(qapp)
    translations.set_language("en")
    supervisor = SupervisorContext(
        runner=receiving.runner,
        store=sqlite_engine,
        actor=lambda: receiving.session.actor,
        station_id=STATION,
        bridge=bridge,
        receiving=receiving,
        resolutions=Resolutions(sqlite_engine, receiver),
    )
    window = StationWindow(
        bridge,
        receiving,
        station_id=STATION,
        sounds=Sounds(),
        translations=translations,
        settings=settings,
        scanner_names=("dock-1",),
        supervisor_context=supervisor,
        **window_options,
    )
    qtbot.addWidget(window)
    window.resize(1400, 900)  # a station's screen; the offscreen one is only 800x800
    window.show()
    # Keyboard focus (and so typing) needs the window to be the active one, offscreen too.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    receiving.start()
    try:
        yield Station(window, bridge, receiving, sqlite_engine, qtbot, settings, supervisor)
    finally:
        assert receiving.stop(), "the receiving worker did not stop"
        translations.set_language("en")
