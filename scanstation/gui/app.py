"""Assembles the real station behind the window: store, receiver, the receiving thread, sync and scanners."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from scanstation import paths
from scanstation.config import Config, resolve_config_path
from scanstation.domain.access import SettingChange
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext, LiveScanners
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.clerk.window import ADMIN_COMMAND, StationWindow
from scanstation.gui.i18n import LANGUAGES, Translations, qm_path
from scanstation.gui.resources import icon_path
from scanstation.gui.sound import Sounds
from scanstation.gui.supervisor.context import SupervisorContext

if TYPE_CHECKING:
    from scanstation.gui.wedge import KeyboardWedge
    from scanstation.store.connection import Store

log = logging.getLogger(__name__)


def gui_settings(folder: Path | None = None) -> qt.QSettings:
    """Window state (geometry), kept apart from the config file in the state directory."""
    folder = folder or paths.state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return qt.QSettings(str(folder / "gui.ini"), qt.QSettings.Format.IniFormat)


class Station:
    """The station with its window: the shared StationRuntime plus the window, wedge and translations.

    The runtime is the store, receiver, receiving thread, sync loop and serial/socket scanners.
    `start()` starts the threads; `stop()` loses nothing that was read.

    The GUI thread never waits on disk, network or serial after start: everything the runtime runs is on
    its own threads and reports through `bridge`, whose signals Qt delivers on the GUI thread.
    """

    def __init__(
        self,
        config: Config,
        app: qt.QApplication,
        *,
        settings: qt.QSettings | None = None,
        sounds: Sounds | None = None,
        environ: dict[str, str] | None = None,
        config_path: Path | None = None,
    ) -> None:
        from scanstation.access.login import LoginPolicy, log_in_with_badge, log_in_with_pin, log_out
        from scanstation.access.refusals import check
        from scanstation.runtime import Observers, StationRuntime
        from scanstation.store.operators import active_admin_count

        self.config = config
        self.app = app
        self.bridge = Bridge()
        # The PIN check and the administrators' count read the database the runtime opens below; both
        # lambdas run on the receiving thread, after start.
        # The [login] policy is read at each attempt, so a saved change applies to the next one.
        station = config.station.id

        def policy() -> LoginPolicy:
            return LoginPolicy.of(self.config.login)

        self.receiving = GuiReceiving(
            self.bridge,
            lambda name, pin: log_in_with_pin(self.store, name, pin, policy(), station=station),
            nobody=config.station.operator,
            count_admins=lambda: active_admin_count(self.store),
            verify_badge=lambda secret, pin, replacing: log_in_with_badge(
                self.store, secret, policy(), station=station, pin=pin, replacing=replacing
            ),
            record_logout=lambda actor, reason: log_out(self.store, actor, station=station, reason=reason),
            check_act=lambda actor, act: check(self.store, actor, act, station=station),
        )
        self.runtime = StationRuntime(
            config,
            Observers(
                verdict=self.bridge.verdict.emit,
                scan_failed=self.receiving.scan_failed,
                scanner_status=self.bridge.scanner_status.emit,
                sync_status=self.bridge.sync_status.emit,
                notice=self.bridge.notice.emit,
                receiving_status=self.bridge.receiving_status.emit,
            ),
            operator=self.receiving.current_operator,
            environ=environ,
            on_badge=self.receiving.on_badge,
            divert=self.receiving.divert,
        )
        self.store: Store = self.runtime.store
        self.receiver = self.runtime.receiver
        self.sync = self.runtime.sync
        self.receiving.attach(self.runtime.worker)
        self.translations = Translations(app)
        for language in LANGUAGES:
            if language != "en":
                qm_path(language)  # compiled now, so switching language later never waits on lrelease
        if not self.translations.set_language(config.gui.language):
            log.warning("%s", self.translations.problem)
        self.wedge: KeyboardWedge | None = None
        names = tuple(s.name for s in config.scanners if s.enabled)
        warnings = config.warnings()
        for warning in warnings:
            log.warning("settings: %s", warning)
        self.sounds = sounds if sounds is not None else Sounds(enabled=config.gui.sound, volume=config.gui.volume)
        self.window = StationWindow(
            self.bridge,
            self.receiving,
            station_id=config.station.id,
            sounds=self.sounds,
            translations=self.translations,
            settings=settings if settings is not None else gui_settings(),
            font_scale=config.gui.font_scale,
            scanner_names=names,
            config_warnings=warnings,
            admin_command=admin_command(config),
            idle_logout_min=config.login.idle_logout_min,
            admin_context=self._admin_context(config_path or (Path(config.source) if config.source else None)),
            supervisor_context=self._supervisor_context(),
            store=self.store,
        )
        self._started = False

    def _admin_context(self, config_path: Path | None) -> AdminContext | None:
        """What the admin's window and the audit viewer work with; None without a config file to edit."""
        if config_path is None:
            return None
        from scanstation.access.settings import save_settings
        from scanstation.config.write import SettingsEdit
        from scanstation.sync.probe import probe_server

        station = self.config.station.id
        return AdminContext(
            runner=self.receiving.runner,
            store=self.store,
            actor=lambda: self.receiving.session.actor,
            config_path=config_path,
            config=lambda: self.config,
            apply=self.apply,
            station_id=station,
            bridge=self.bridge,
            open_edit=SettingsEdit.open,
            save=lambda actor, edit: save_settings(self.store, actor, edit, station=station),
            probe=probe_server,
            live_scanners=LiveScanners(sources=lambda: self.runtime.sources, wedge=lambda: self.wedge),
        )

    def _supervisor_context(self) -> SupervisorContext:
        """What the supervisor's desk works with: its resolutions run on the receiving thread's Receiver."""
        from scanstation.review.resolve import Resolutions

        return SupervisorContext(
            runner=self.receiving.runner,
            store=self.store,
            actor=lambda: self.receiving.session.actor,
            station_id=self.config.station.id,
            bridge=self.bridge,
            receiving=self.receiving,
            resolutions=Resolutions(self.store, self.receiver),
        )

    def start(self) -> None:
        from scanstation.gui.wedge import build_wedge

        self.runtime.start()
        self.receiving.check_admins()  # the log-in screen of a fresh station says how to create the first one
        self.wedge = build_wedge(self.config.scanners, self.app)
        if self.wedge is not None:
            self.wedge.start(self.receiving.submit, self.bridge.scanner_status.emit)
        self._started = True

    def apply(self, config: Config, changes: tuple[SettingChange, ...] = ()) -> None:
        """A saved config taken on while running (the admin's Save): the runtime's part, then the window's.

        Language, sound and font scale change on the screen at once; wedge scanners are rebuilt when their
        blocks changed. What needs a restart (`changes` marks it) keeps its old value until then.
        """
        from scanstation.gui.wedge import build_wedge

        old = self.config
        self.config = config
        self.runtime.apply(config)
        if config.gui.language != self.translations.language and not self.translations.set_language(
            config.gui.language
        ):
            log.warning("%s", self.translations.problem)
        self.sounds.set_enabled(config.gui.sound)
        self.sounds.set_volume(config.gui.volume)
        self.window.set_idle_logout(config.login.idle_logout_min)
        if config.gui.font_scale != old.gui.font_scale:
            rescale_fonts(self.window, config.gui.font_scale / old.gui.font_scale)
        wedges = tuple(c for c in config.scanners if c.type == "wedge")
        if self._started and wedges != tuple(c for c in old.scanners if c.type == "wedge"):
            if self.wedge is not None:
                self.wedge.stop()
            self.wedge = build_wedge(config.scanners, self.app)
            if self.wedge is not None:
                self.wedge.start(self.receiving.submit, self.bridge.scanner_status.emit)
        later = [change.key for change in changes if change.needs_restart]
        if later:
            log.info("settings saved that apply at the next start: %s", ", ".join(later))

    def show(self) -> None:
        if self.config.gui.fullscreen:
            self.window.showFullScreen()
        else:
            self.window.show()

    def stop(self) -> None:
        """Stop reading, decide every scan already read, stop sync, close the database."""
        if self.wedge is not None:
            self.wedge.stop()
            self.wedge = None
        if not self.runtime.stop():
            log.error("the station did not stop cleanly; see the messages above")
        self._started = False


def rescale_fonts(top: qt.QWidget, ratio: float) -> None:
    """Every font set on `top` and its children made `ratio` times larger (a new gui.font_scale, live)."""
    for widget in [top, *top.findChildren(qt.QWidget)]:
        # Only fonts a widget set itself: the others are inherited and follow their parent's.
        if widget is top or widget.testAttribute(qt.Qt.WidgetAttribute.WA_SetFont):
            scaled = qt.QFont(widget.font())
            if scaled.pointSizeF() > 0:
                scaled.setPointSizeF(scaled.pointSizeF() * ratio)
                widget.setFont(scaled)


def run_window(
    config: Config,
    argv: list[str],
    *,
    extra: Callable[[Station], None] | None = None,
    config_path: Path | None = None,
) -> int:
    """Run the station window until it is closed; `extra` adds to it (the demo's label panel).

    `config_path` is the file the config was read from: the admin's settings edit and save that one.
    """
    from scanstation.gui.startup_error import show_error
    from scanstation.logs import setup_logging
    from scanstation.process import freeze_startup_objects, share_the_gil_quickly
    from scanstation.store.errors import StoreError

    # The GUI thread shares the GIL with the receiving, sync and scanner threads.
    share_the_gil_quickly()
    setup_logging(config.logging, secrets=[t for t in (config.server_token(),) if t])
    app = qt.QApplication.instance() or qt.QApplication(argv)
    assert isinstance(app, qt.QApplication)
    app.setApplicationName("scanstation")
    app.setWindowIcon(qt.QIcon(str(icon_path())))
    stop_on_signals(app)
    try:
        station = Station(config, app, config_path=config_path)
    except StoreError as exc:
        problem = str(exc)
        log.error("the database cannot be opened: %s", problem)
        show_error(
            "scanstation",
            lambda: qt.QCoreApplication.translate("StartupError", "The database cannot be opened:") + "\n" + problem,
            language=config.gui.language,
        )
        return 1
    freeze_startup_objects()
    station.start()
    if extra is not None:
        extra(station)
    station.show()
    log.info("scan screen ready: station %s, database %s", config.station.id, station.store.url.render_as_string())
    try:
        return int(app.exec())
    finally:
        station.stop()


def admin_command(config: Config) -> str:
    """The command that creates the first administrator of this station, with --config when it needs one."""
    if not config.source or Path(config.source) == resolve_config_path(None):
        return ADMIN_COMMAND
    return f"{ADMIN_COMMAND} --config {shlex.quote(config.source)}"


def stop_on_signals(app: qt.QApplication) -> None:
    """Ctrl+C and SIGTERM close the window cleanly (every scan already read is still decided).

    Python runs signal handlers only between bytecodes, so a timer wakes the interpreter while Qt waits.
    """
    import signal

    def quit_app(signum: int, frame: object) -> None:
        log.info("signal %d: closing the station", signum)
        # Queued, so a signal that comes while the window is still being built ends the loop once it runs.
        qt.QTimer.singleShot(0, app.closeAllWindows)
        qt.QTimer.singleShot(0, app.quit)

    signal.signal(signal.SIGINT, quit_app)
    signal.signal(signal.SIGTERM, quit_app)
    waker = qt.QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(200)
