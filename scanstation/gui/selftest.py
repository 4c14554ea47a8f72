"""The self-test's Qt half: the real station's screens drawn and checked, sound or its fallback, catalogue, labels."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import PySide6

from scanstation.config import Config
from scanstation.domain import Outcome, Role, Verdict, new_badge_secret
from scanstation.gui import qt
from scanstation.gui.app import Station
from scanstation.gui.clerk.window import StationWindow
from scanstation.gui.resources import sounds_dir
from scanstation.gui.sound import SOUND_NAMES

CheckRun = Callable[[], str]  # as in commands/selftest.py: the line's words, or an exception
ADMIN = "selftest"
ADMIN_PIN = "2468"
# A string every Russian screen shows, and its translation: proves the .qm was found and loaded.
KNOWN_TEXT = ("Verdict", "ALREADY RECEIVED", "УЖЕ ПРИНЯТА")


class SelfTestGui:
    """The station with its window, built as `scanstation gui` builds it, and the states the screens are drawn in."""

    def __init__(self, config_path: Path, config: Config | None, verdicts: Mapping[Outcome, Verdict]) -> None:
        self.config_path = config_path
        self.config = config
        self.verdicts = verdicts
        self.app: qt.QApplication | None = None
        self.station: Station | None = None
        self.shown: list[qt.QWidget] = []

    # ----- the checks, in order -------------------------------------------------------------------------------

    def check_qt(self) -> str:
        app = qt.QApplication.instance() or qt.QApplication([sys.argv[0]])
        assert isinstance(app, qt.QApplication)
        self.app = app
        return f"PySide6 {PySide6.__version__}, platform {app.platformName()}"

    def check_station(self) -> str:
        from scanstation.store.operators import add_operator

        if self.config is None or self.app is None:
            raise RuntimeError("no config or no Qt application (see the checks above)")
        started = time.perf_counter()
        settings = qt.QSettings(str(self.config_path.with_name("gui.ini")), qt.QSettings.Format.IniFormat)
        station = Station(self.config, self.app, settings=settings, config_path=self.config_path)
        self.station = station
        add_operator(station.store, ADMIN, ADMIN_PIN, role="admin", display_name="Self-test")
        station.start()
        station.show()
        self.shown.append(station.window)
        return f"window, receiving thread and database up in {time.perf_counter() - started:.2f} s"

    def check_translation(self) -> str:
        station = self._station()
        context, source, russian = KNOWN_TEXT
        if station.translations.language != "ru":
            raise RuntimeError(station.translations.problem or "the screen is not in Russian")
        shown = qt.QCoreApplication.translate(context, source)
        if shown != russian:
            raise AssertionError(f"{source!r} shows as {shown!r}, not {russian!r}")
        return f"Russian catalogue loaded: {source!r} is {shown!r}"

    def check_sound(self) -> str:
        """A verdict's sound, or where it cannot play (no device here), the banner's flash that stands in for it."""
        station = self._station()
        if qt.QSoundEffect is None:
            raise RuntimeError("QtMultimedia is missing: no verdict sound can ever play")
        missing = [name for name in SOUND_NAMES if not (sounds_dir() / f"{name}.wav").is_file()]
        if missing:
            raise FileNotFoundError(f"no sound file for {', '.join(missing)} in {sounds_dir()}")
        banner = station.window.banner
        flashes = banner.flash_count
        station.bridge.verdict.emit(self._verdict(Outcome.MATCHED))
        sounds = station.sounds
        if banner.flash_count > flashes:
            if not banner.flashing:
                raise AssertionError("the sound did not play and the banner did not flash either")
            return f"no sound ({sounds.reason or 'the device is not ready'}): the banner flashed instead"
        device = qt.QMediaDevices.defaultAudioOutput().description() if qt.QMediaDevices is not None else "?"
        return f"matched.wav played on {device}"

    def check_media(self) -> str:
        """QtMultimedia's backend (FFmpeg): what a camera needs; without it only sound is left, and nothing says so."""
        if qt.QMediaFormat is None:
            raise RuntimeError("QtMultimedia is missing")
        formats = qt.QMediaFormat().supportedFileFormats(qt.QMediaFormat.ConversionMode.Decode)
        if not formats:
            raise RuntimeError("no QtMultimedia backend loaded (the FFmpeg plugin or a library it needs is missing)")
        return f"backend loaded, {len(formats)} file formats it can decode"

    def check_labels(self) -> str:
        from scanstation.gui.demo_panel import svg_pixmap
        from scanstation.labels.samples import demo_labels

        labels = demo_labels()
        for label in labels:
            colours = image_colours(svg_pixmap(label.svg(), 600).toImage())
            if colours < 2:
                raise AssertionError(f"the {label.key} barcode came out blank")
        return f"{len(labels)} sample barcodes drawn (Code 128, GS1-128)"

    def check_badge(self) -> str:
        from scanstation.gui.badge_print import badge_pixmap, write_pdf

        secret = new_badge_secret()
        if image_colours(badge_pixmap("Self-test", secret, 600).toImage()) < 2:
            raise AssertionError("the badge came out blank")
        pdf = self.config_path.with_name("badge.pdf")
        write_pdf(pdf, "Self-test", secret)
        head = pdf.read_bytes()[:5]
        if head != b"%PDF-":
            raise AssertionError(f"{pdf} is not a PDF (starts {head!r})")
        return f"badge drawn and printed to PDF ({pdf.stat().st_size} bytes)"

    def check_stop(self) -> str:
        station = self._station()
        started = time.perf_counter()
        for widget in reversed(self.shown):
            widget.close()
        if not station.runtime.stop():
            raise RuntimeError("the receiving or sync thread did not stop in time")
        self.station = None
        return f"windows closed, threads stopped, database closed in {time.perf_counter() - started:.2f} s"

    # ----- what the screens are drawn in ----------------------------------------------------------------------

    def _station(self) -> Station:
        if self.station is None:
            raise RuntimeError("no station (see the station check)")
        return self.station

    def _verdict(self, outcome: Outcome) -> Verdict:
        verdict = self.verdicts.get(outcome)
        if verdict is None:
            raise RuntimeError(f"no {outcome} verdict (see the outcomes check)")
        return verdict

    def clerk(self, outcome: Outcome | None = None) -> qt.QWidget:
        """The clerk's window: the log-in screen, or logged in with `outcome`'s banner on show."""
        window = self._station().window
        if outcome is not None:
            if window.operator is None:
                window.log_in(ADMIN, "Self-test", Role.ADMIN)
            self._station().bridge.verdict.emit(self._verdict(outcome))
        return window

    @property
    def window(self) -> StationWindow:
        """The clerk's window, whose doors open the other screens."""
        return self._station().window

    def door(self, which: str, open_it: Callable[[], None]) -> qt.QWidget:
        """A window the clerk's window opens for an admin (`which` as its doors name it), after the core's check."""
        window = self.window
        if window.operator is None:
            window.log_in(ADMIN, "Self-test", Role.ADMIN)
        open_it()
        if not wait_until(lambda: window.doors.window(which) is not None, 10.0):
            raise TimeoutError(f"the {which} window did not open in 10 s")
        opened = window.doors.window(which)
        assert opened is not None
        if isinstance(opened, qt.QMessageBox):
            raise RuntimeError(f"refused: {opened.text()}")
        self.shown.append(opened)
        return opened

    def draw(self, make: Callable[[SelfTestGui], qt.QWidget]) -> CheckRun:
        def check() -> str:
            started = time.perf_counter()
            widget = make(self)
            widget.show()
            wait_until(lambda: False, 0.05)  # layouts and queued answers settle before the picture
            image = widget.grab().toImage()
            colours = image_colours(image)
            if image.width() < 50 or image.height() < 50 or colours < 3:
                raise AssertionError(f"blank: {image.width()}x{image.height()} with {colours} colours")
            took = time.perf_counter() - started
            return f"{type(widget).__name__} {image.width()}x{image.height()}, {colours} colours, in {took:.2f} s"

        return check


# Every screen the self-test draws: (name, what to show). A new screen is one line here.
SCREENS: tuple[tuple[str, Callable[[SelfTestGui], qt.QWidget]], ...] = (
    ("clerk, log-in", lambda gui: gui.clerk()),
    ("clerk, matched", lambda gui: gui.clerk(Outcome.MATCHED)),
    ("clerk, unknown", lambda gui: gui.clerk(Outcome.UNKNOWN)),
    ("clerk, ambiguous", lambda gui: gui.clerk(Outcome.AMBIGUOUS)),
    ("admin settings", lambda gui: gui.door("settings", gui.window.open_settings)),
    ("audit trail", lambda gui: gui.door("audit", gui.window.open_audit)),
    ("supervisor desk", lambda gui: gui.door("supervisor", gui.window.open_supervisor)),
)


def gui_checks(
    config_path: Path, config: Config | None, verdicts: Mapping[Outcome, Verdict]
) -> list[tuple[str, CheckRun]]:
    """The Qt checks, in order, on the station `config` describes and the verdicts its scans got."""
    gui = SelfTestGui(config_path, config, verdicts)
    return [
        ("qt", gui.check_qt),
        ("station", gui.check_station),
        ("translation", gui.check_translation),
        *((f"screen {name}", gui.draw(make)) for name, make in SCREENS),
        ("sound", gui.check_sound),
        ("media backend", gui.check_media),
        ("labels", gui.check_labels),
        ("badge", gui.check_badge),
        ("stop", gui.check_stop),
    ]


def image_colours(image: qt.QImage, grid: int = 64) -> int:
    """How many different colours a grid of points over the picture has: 1 is a blank picture."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return 0
    seen = {
        image.pixel(x * (image.width() - 1) // (grid - 1), y * (image.height() - 1) // (grid - 1))
        for x in range(grid)
        for y in range(grid)
    }
    return len(seen)


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Let Qt's event loop run until `condition` holds or `timeout_s` passed; whether it holds."""
    deadline = time.monotonic() + timeout_s
    loop = qt.QEventLoop()
    timer = qt.QTimer()
    timer.setInterval(10)

    def poll() -> None:
        if condition() or time.monotonic() >= deadline:
            loop.quit()

    timer.timeout.connect(poll)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    return condition()
