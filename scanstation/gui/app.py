"""Assembles the real station behind the window: store, receiver, the receiving thread, sync and scanners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanstation import paths
from scanstation.config import Config
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.i18n import Translations
from scanstation.gui.sound import Sounds
from scanstation.gui.window import StationWindow

log = logging.getLogger(__name__)

JOURNAL_NAME = "unrecorded-scans.tsv"


def gui_settings(folder: Path | None = None) -> qt.QSettings:
    """Window state (geometry), kept apart from the config file in the state directory."""
    folder = folder or paths.state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return qt.QSettings(str(folder / "gui.ini"), qt.QSettings.Format.IniFormat)


class Station:
    """Everything one station window runs on. `start()` starts the threads; `stop()` ends them, losing nothing.

    The GUI thread never waits on disk, network or serial after start: receiving runs on the worker
    thread, sync on its own thread, serial and socket scanners on theirs; all report through `bridge`.
    """

    def __init__(
        self,
        config: Config,
        app: qt.QApplication,
        *,
        settings: qt.QSettings | None = None,
        sounds: Sounds | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        from scanstation.receiving import Receiver
        from scanstation.store.engine import open_store
        from scanstation.store.operators import verify_pin
        from scanstation.sync.loop import SyncLoop

        self.config = config
        self.app = app
        self.engine = open_store(config.database.url)  # migrations run here, before the window exists
        self.bridge = Bridge()
        self.receiver = Receiver(
            self.engine,
            station_id=config.station.id,
            undo_window_s=config.receiving.undo_window_s,
            fnc1_substitutes=config.receiving.fnc1_substitutes,
        )
        engine = self.engine
        self.receiving = GuiReceiving(
            self.receiver,
            self.bridge,
            lambda name, pin: verify_pin(engine, name, pin),
            journal=paths.data_dir() / JOURNAL_NAME,
        )
        self.sync = SyncLoop(
            config,
            self.engine,
            resolver=self.receiver.resolve_unknowns,
            on_status=self.bridge.sync_status.emit,
            on_notice=self.bridge.notice.emit,
            environ=environ,
        )
        self.translations = Translations(app)
        if not self.translations.set_language(config.gui.language):
            log.warning("%s", self.translations.problem)
        self.sources: list[Any] = []
        self.wedge: Any = None
        names = tuple(s.name for s in config.scanners if s.enabled)
        self.window = StationWindow(
            self.bridge,
            self.receiving,
            station_id=config.station.id,
            sounds=sounds if sounds is not None else Sounds(enabled=config.gui.sound),
            translations=self.translations,
            settings=settings if settings is not None else gui_settings(),
            font_scale=config.gui.font_scale,
            scanner_names=names,
        )
        self._started = False

    def start(self) -> None:
        from scanstation.scanners import build_sources

        self.receiving.start()
        self.sync.start()
        self.bridge.sync_status.emit(self.sync.status)
        for source in build_sources(self.config.scanners):
            source.start(self.receiving.submit, self.bridge.scanner_status.emit)
            self.sources.append(source)
        self.wedge = self._start_wedge()
        self._started = True

    def _start_wedge(self) -> Any:
        from scanstation.scanners.wedge import build_wedge

        wedge = build_wedge(self.config.scanners, self.app)
        if wedge is not None:
            wedge.start(self.receiving.submit, self.bridge.scanner_status.emit)
        return wedge

    def show(self) -> None:
        if self.config.gui.fullscreen:
            self.window.showFullScreen()
        else:
            self.window.show()

    def stop(self) -> None:
        """Stop reading, decide every scan already read, stop sync, close the database."""
        if not self._started:
            self.engine.dispose()
            return
        self._started = False
        if self.wedge is not None:
            self.wedge.stop()
        for source in self.sources:
            source.stop()
        if not self.receiving.stop():
            log.error("the receiving thread did not finish in time")
        if not self.sync.stop():
            log.warning("the sync thread did not stop in time")
        self.engine.dispose()


def run_window(config: Config, argv: list[str], *, extra: Callable[[Station], None] | None = None) -> int:
    """Run the station window until it is closed; `extra` adds to it (the demo's label panel)."""
    from scanstation.logs import setup_logging
    from scanstation.store.engine import StoreError

    setup_logging(config.logging, secrets=[t for t in (config.server_token(),) if t])
    app = qt.QApplication.instance() or qt.QApplication(argv)
    assert isinstance(app, qt.QApplication)
    app.setApplicationName("scanstation")
    stop_on_signals(app)
    try:
        station = Station(config, app)
    except StoreError as exc:
        qt.QMessageBox.critical(None, "scanstation", f"The database cannot be opened:\n{exc}")
        return 1
    station.start()
    if extra is not None:
        extra(station)
    station.show()
    try:
        return int(app.exec())
    finally:
        station.stop()


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
