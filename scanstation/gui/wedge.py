"""Keyboard-wedge scanners: an application-wide Qt key filter that tells a scanner's burst from a person typing."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QTextCursor, QWindow
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget
from shiboken6 import isValid

from scanstation.config import ScannerConfig
from scanstation.domain import Scan, ScannerState, ScannerStatus
from scanstation.scanners.base import ScanCallback, StatusCallback, call_safely
from scanstation.scanners.framing import envelope_open
from scanstation.scanners.keypositions import KeyCodes, us_char
from scanstation.scanners.monitor import gap_words, visible_controls

log = logging.getLogger(__name__)

DEVICE: Final = "keyboard"
# A prefixed scan waits this long for its terminator: the prefix already proved it is a scanner, and a
# slow scanner must not have the tail of its scan typed into a text field.
PREFIX_IDLE_MS: Final = 1000
# The idle timer only finishes a burst nobody continues; timing itself comes from the events' own
# timestamps, so a busy GUI thread that delivers a person's queued keys at once is not taken for a scanner.
IDLE_SLACK_MS: Final = 100
# For the observers only: a person's keys with pauses shorter than this are shown as one run of typing.
PERSON_PAUSE_MS: Final = 1000

_TERMINATOR_CHARS: Final[dict[str, frozenset[str]]] = {
    "CR": frozenset("\r\n"),
    "LF": frozenset("\r\n"),
    "CRLF": frozenset("\r\n"),
    "TAB": frozenset("\t"),
    "ETX": frozenset("\x03"),
    "NONE": frozenset(),
}
_MODIFIER_KEYS: Final = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_Meta,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)


def key_char(event: QKeyEvent) -> str | None:
    """The character a key event stands for: its text, or the ASCII control code of Ctrl+<key>.

    Scanners send GS as Ctrl+] (RS as Ctrl+^, EOT as Ctrl+D); platforms differ in the text they give
    such events (none, the control code, or the plain letter), so the key code decides.
    """
    key = event.key()
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        return "\r"
    if key == Qt.Key.Key_Tab:
        return "\t"
    modifiers = event.modifiers()
    # Ctrl+Alt is AltGr on some layouts (Ctrl+Alt+Q is "@" on a German keyboard): that is text.
    if modifiers & Qt.KeyboardModifier.ControlModifier and not modifiers & Qt.KeyboardModifier.AltModifier:
        code = int(key)
        if 0x40 <= code <= 0x5F:
            return chr(code - 0x40)
    return event.text() or None


def _position_reader(platform: str) -> Callable[[QKeyEvent], str | None] | None:
    """How this platform's key events name a key's position, as a reader of the US character there; None: not at all.

    X11 and Wayland give XKB key codes (evdev + 8), Windows PC scan codes (set 1, evdev's numbers for the main
    block; an extended key has 0x100 set), macOS position-named virtual keys. Offscreen events carry none.
    """
    extended_bit = platform == "windows"
    if platform in ("xcb", "wayland"):
        offset, codes, native = 8, KeyCodes.EVDEV, QKeyEvent.nativeScanCode
    elif platform == "windows":
        offset, codes, native = 0, KeyCodes.EVDEV, QKeyEvent.nativeScanCode
    elif platform == "cocoa":
        offset, codes, native = 0, KeyCodes.MAC, QKeyEvent.nativeVirtualKey
    else:
        return None

    def read(event: QKeyEvent) -> str | None:
        code = native(event)
        if code <= offset or (extended_bit and code & 0x100):
            return None  # no code, or a Windows extended key (arrows, the keypad's Enter): none of ours
        modifiers = event.modifiers()
        control = bool(modifiers & Qt.KeyboardModifier.ControlModifier) and not (
            modifiers & Qt.KeyboardModifier.AltModifier
        )
        return us_char(codes, code - offset, shift=bool(modifiers & Qt.KeyboardModifier.ShiftModifier), control=control)

    return read


class _FieldSnapshot:
    """A text field before a burst reached it, to take the scanner's characters out again."""

    def __init__(self, widget: QWidget) -> None:
        self._widget = widget
        self._line = widget if isinstance(widget, QLineEdit) else None
        self._text: str = ""
        self._cursor: int = 0
        self._selection: tuple[int, int] = (-1, 0)
        self._doc_chars: int = 0
        if self._line is not None:
            self._text = self._line.text()
            self._cursor = self._line.cursorPosition()
            self._selection = (self._line.selectionStart(), self._line.selectionLength())
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            self._doc_chars = widget.document().characterCount()
            self._cursor = widget.textCursor().position()

    def restore(self) -> None:
        widget = self._widget
        if not isValid(widget):
            return
        if self._line is not None:
            if self._line.text() != self._text:
                self._line.setText(self._text)
            start, length = self._selection
            if start >= 0 and length:
                self._line.setSelection(start, length)
            else:
                self._line.setCursorPosition(self._cursor)
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            added = widget.document().characterCount() - self._doc_chars
            cursor = widget.textCursor()
            if added > 0 and cursor.position() == self._cursor + added:
                cursor.setPosition(self._cursor, QTextCursor.MoveMode.KeepAnchor)
                cursor.removeSelectedText()


@dataclass(frozen=True, slots=True)
class WedgeBurst:
    """One finished burst of keys as an observer sees it: what was typed, how fast, and what the wedge made of it.

    `text` holds every character pressed (a prefix and the terminator included), `gaps_ms` the time between
    each key and the one before it (one fewer than the keys), `scanner` the scanner it was taken for.
    """

    text: str
    gaps_ms: tuple[float, ...]
    taken_for_scanner: bool
    reason: str
    scanner: str | None = None


WedgeObserver = Callable[[WedgeBurst], None]


@dataclass(slots=True)
class _Burst:
    """Keys that came fast enough after each other to perhaps be one scan."""

    config: ScannerConfig
    by_prefix: bool
    last_ms: int
    captured: bool  # recognised as a scanner: its keys are swallowed
    snapshot: _FieldSnapshot | None = None
    chars: list[str] = field(default_factory=list)
    pressed: list[tuple[str, int]] = field(default_factory=list)  # every key with its time, for observers
    typed: list[str] = field(default_factory=list)  # what the active layout typed for each key of `pressed`
    terminated: bool = False

    def as_typed(self) -> list[tuple[str, int]]:
        """The keys as the active layout typed them, with their times: a person's run is shown as they typed it."""
        return [(typed, at) for typed, (_, at) in zip(self.typed, self.pressed, strict=True)]

    @property
    def gap_ms(self) -> int:
        if self.by_prefix and self.config.terminator != "NONE":
            return max(self.config.max_key_gap_ms, PREFIX_IDLE_MS)
        return self.config.max_key_gap_ms


class KeyboardWedge(QObject):
    """All keyboard-wedge scanners of the station: one application-wide event filter.

    A scanner is told apart from a person either by its configured prefix character (its keys are
    swallowed from the prefix on) or by timing: at least `min_length` keys, each within `max_key_gap_ms`
    of the last (per the events' own timestamps). Keys of a timed burst reach the focused widget until
    the burst is recognised; then those characters are taken out of the text field again (QLineEdit:
    its text, cursor and selection from before the burst; QPlainTextEdit/QTextEdit: the inserted run),
    and the rest of the scan and its terminator (Enter, Tab or Ctrl+C for ETX) are swallowed. A burst that
    ends shorter than `min_length` is left to the widget untouched. Slow keys always pass through.

    Each key is counted once although the filter sees it for the QWindow, the widget and the widget's
    parents (an ignored key propagates): only the first widget delivery after the window's is counted.
    GS (Ctrl+]) and other control characters are kept in the scan; QLineEdit would drop them.
    """

    scanned = Signal(object)  # Scan
    status_changed = Signal(object)  # ScannerStatus

    def __init__(
        self, configs: Sequence[ScannerConfig], parent: QObject | None = None, *, platform: str | None = None
    ) -> None:
        """`platform`: the Qt platform whose native key codes to read (default: the running one's)."""
        super().__init__(parent)
        wedges = [c for c in configs if c.type == "wedge"]
        if not wedges:
            raise ValueError("no keyboard-wedge scanner configured")
        self._configs: tuple[ScannerConfig, ...] = tuple(wedges)
        self.name: str = ", ".join(c.name for c in wedges)
        self._prefixes: dict[str, ScannerConfig] = {c.prefix: c for c in wedges if c.prefix is not None}
        timed = [c for c in wedges if c.prefix is None]
        if len(timed) > 1:
            log.warning(
                "keyboard scanners %s are told apart by nothing: give each a prefix; timed scans go to %r",
                ", ".join(c.name for c in timed),
                timed[0].name,
            )
        self._timed: ScannerConfig | None = timed[0] if timed else None
        self._burst: _Burst | None = None
        # Read once: the platform does not change while the application runs.
        self._position: Callable[[QKeyEvent], str | None] | None = _position_reader(
            platform or QGuiApplication.platformName()
        )
        self._last_receiver: QWidget | None = None
        self._installed: bool = False
        self._on_scan: ScanCallback | None = None
        self._on_status: StatusCallback | None = None
        self._status: ScannerStatus = ScannerStatus(self.name, ScannerState.STOPPED, "not started", None)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)
        self._observers: tuple[WedgeObserver, ...] = ()
        self._person: list[tuple[str, int]] = []  # a person's keys not yet shown to the observers
        self._person_idle = QTimer(self)
        self._person_idle.setSingleShot(True)
        self._person_idle.timeout.connect(self._show_person)

    def add_observer(self, callback: WedgeObserver) -> Callable[[], None]:
        """Show `callback` every finished burst, a scanner's or a person's, with why (GUI thread); returns remove."""
        self._observers = (*self._observers, callback)

        def remove() -> None:
            self._observers = tuple(o for o in self._observers if o is not callback)

        return remove

    # -- ScannerSource ---------------------------------------------------------------------------

    @property
    def status(self) -> ScannerStatus:
        return self._status

    def start(self, on_scan: ScanCallback | None = None, on_status: StatusCallback | None = None) -> None:
        """Install the filter on the QApplication (call from the GUI thread)."""
        app = QApplication.instance()
        if app is None:
            raise RuntimeError("the keyboard wedge needs a QApplication")
        self._on_scan = on_scan
        self._on_status = on_status
        if not self._installed:
            app.installEventFilter(self)
            self._installed = True
        for config in self._configs:
            how = f"prefix {config.prefix!r}" if config.prefix is not None else "key timing"
            self._set_status(config, ScannerState.CONNECTED, f"listening for keyboard scans ({how})")

    def stop(self) -> None:
        app = QApplication.instance()
        if self._installed and app is not None:
            app.removeEventFilter(self)
        self._installed = False
        self._idle.stop()
        if self._burst is not None:
            self._finish()
        self._show_person()
        for config in self._configs:
            self._set_status(config, ScannerState.STOPPED, "stopped")

    # -- the filter ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.KeyPress:
            if not isinstance(watched, QWidget):
                if isinstance(watched, QWindow):
                    self._last_receiver = None  # a new key from the window system
                return False
            last = self._last_receiver
            if last is not None and watched is not last and isValid(last) and watched.isAncestorOf(last):
                return False  # the same key, propagating to a parent because the child ignored it
            self._last_receiver = watched
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        if kind == QEvent.Type.KeyRelease:
            self._last_receiver = None
            return False
        if kind == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            return self._shortcut_override(event)
        return False

    def _shortcut_override(self, event: QKeyEvent) -> bool:
        """While a scan is captured, its Ctrl+] / Ctrl+D must reach us as keys, not fire app shortcuts."""
        burst = self._burst
        if (burst is not None and burst.captured) or (burst is None and self._prefixed(event, key_char(event))):
            event.accept()
            return True
        return False

    def _key(self, event: QKeyEvent) -> bool:
        """One real key press; True swallows it."""
        key = event.key()
        now = event.timestamp() or int(time.monotonic() * 1000)
        burst = self._burst
        if burst is not None and now - burst.last_ms > burst.gap_ms:
            self._finish()
            burst = None
        if key in _MODIFIER_KEYS:
            return burst is not None and burst.captured
        typed = None if event.isAutoRepeat() else key_char(event)
        if typed is None:
            # Arrows, F-keys, a held key: a person. A captured scan ends here, the key passes.
            if burst is not None:
                self._finish()
            return False
        if burst is None:
            prefixed = self._prefixed(event, typed)
            if prefixed is not None:
                char = self._char(prefixed, event, typed)
                self._burst = _Burst(
                    prefixed, by_prefix=True, last_ms=now, captured=True, pressed=[(char, now)], typed=[typed]
                )
                self._arm_idle()
                return True
            if self._timed is None:
                self._typed_by_person([(typed, now)], end=typed == "\r")
                return False
            focus = QApplication.focusWidget()
            snapshot = _FieldSnapshot(focus) if focus is not None else None
            burst = self._burst = _Burst(self._timed, by_prefix=False, last_ms=now, captured=False, snapshot=snapshot)
        config = burst.config
        char = self._char(config, event, typed)
        burst.last_ms = now
        burst.pressed.append((char, now))
        burst.typed.append(typed)
        if char in _TERMINATOR_CHARS[config.terminator] and not envelope_open("".join(burst.chars)):
            if burst.captured or len(burst.chars) >= config.min_length:
                self._recognise(burst)
                burst.terminated = True
                self._finish()
                return True
            self._burst = None  # a person pressed Enter after typing: theirs
            self._idle.stop()
            self._typed_by_person(burst.as_typed(), end=True)
            return False
        burst.chars.append(char)
        self._arm_idle()
        if burst.captured:
            return True
        if len(burst.chars) >= config.min_length:
            self._recognise(burst)
            return True
        return False

    def _char(self, config: ScannerConfig, event: QKeyEvent, typed: str) -> str:
        """A key of `config`'s scan: by position as the US layout types it where the platform says; else as typed."""
        if not config.key_positions or self._position is None:
            return typed
        return self._position(event) or typed

    def _prefixed(self, event: QKeyEvent, typed: str | None) -> ScannerConfig | None:
        """The scanner whose prefix this key is, by position or as typed; None: no prefix."""
        if self._position is not None:
            placed = self._position(event)
            config = self._prefixes.get(placed) if placed is not None else None
            if config is not None and config.key_positions:
                return config
        return self._prefixes.get(typed) if typed is not None else None

    def _recognise(self, burst: _Burst) -> None:
        """From now on the burst is a scan: take its first characters out of the field they reached."""
        if not burst.captured:
            burst.captured = True
            if burst.snapshot is not None:
                burst.snapshot.restore()

    def _arm_idle(self) -> None:
        assert self._burst is not None
        self._idle.start(self._burst.gap_ms + IDLE_SLACK_MS)

    def _on_idle(self) -> None:
        if self._burst is not None:
            self._finish()

    def _finish(self) -> None:
        """End the burst: a captured one is a scan (terminated or not: nothing a scanner sent is lost)."""
        burst, self._burst = self._burst, None
        self._idle.stop()
        if burst is None:
            return
        if not burst.captured:
            self._typed_by_person(burst.as_typed(), end=False)
            return
        self._show_scanner(burst)
        if not burst.chars:
            return
        raw = "".join(burst.chars)
        scan = Scan(raw, burst.config.name)
        self.scanned.emit(scan)
        if self._on_scan is not None:
            call_safely(self._on_scan, scan, f"{burst.config.name} scan")

    # -- observers -------------------------------------------------------------------------------

    def _typed_by_person(self, pressed: Sequence[tuple[str, int]], *, end: bool) -> None:
        """Keys left to the widgets join the person's run; Enter or a pause shows the run to the observers."""
        if not self._observers or not pressed:
            return
        if self._person and pressed[0][1] - self._person[-1][1] > PERSON_PAUSE_MS:
            self._show_person()
        self._person.extend(pressed)
        if end:
            self._show_person()
        else:
            self._person_idle.start(PERSON_PAUSE_MS)

    def _show_person(self) -> None:
        self._person_idle.stop()
        pressed, self._person = self._person, []
        if not pressed or not self._observers:
            return
        gaps = _gaps(pressed)
        config = self._timed
        chars = len([c for c, _ in pressed if c not in "\r\n"])
        if config is None:
            prefixes = " or ".join(visible_controls(p) for p in self._prefixes)
            why = f"no prefix {prefixes} came first"
        elif not gaps:
            why = "1 key"
        elif max(gaps) > config.max_key_gap_ms:
            why = f"{gap_words(gaps)} (a scanner's keys come within {config.max_key_gap_ms} ms)"
        else:
            why = f"{gap_words(gaps)} but only {chars} characters (a scan has at least {config.min_length})"
        self._tell(WedgeBurst("".join(c for c, _ in pressed), gaps, False, f"{why}: typed by a person, left as typed"))

    def _show_scanner(self, burst: _Burst) -> None:
        if not self._observers:
            return
        self._show_person()  # a person's keys before the scan come first
        gaps = _gaps(burst.pressed)
        count = len(burst.chars)
        words = f"{gap_words(gaps)}, {count} characters"
        if not burst.terminated:
            words += ", no terminator (ended by a pause or another key)"
        if burst.by_prefix:
            prefix = visible_controls(burst.config.prefix or "")
            why = f"prefix {prefix} came first, {words}: scanner {burst.config.name!r}"
        else:
            why = f"{words}: a scanner"
        text = "".join(c for c, _ in burst.pressed)
        self._tell(WedgeBurst(text, gaps, True, why, burst.config.name))

    def _tell(self, burst: WedgeBurst) -> None:
        for observer in self._observers:
            call_safely(observer, burst, "keyboard wedge burst")

    def _set_status(self, config: ScannerConfig, state: ScannerState, message: str) -> None:
        status = ScannerStatus(config.name, state, message, DEVICE)
        self._status = status
        self.status_changed.emit(status)
        if self._on_status is not None:
            call_safely(self._on_status, status, f"{config.name} status")


def _gaps(pressed: Sequence[tuple[str, int]]) -> tuple[float, ...]:
    return tuple(float(b[1] - a[1]) for a, b in itertools.pairwise(pressed))


# The name issue 11's interface spec gives the application-wide key filter.
WedgeFilter = KeyboardWedge


def build_wedge(configs: Sequence[ScannerConfig], parent: QObject | None = None) -> KeyboardWedge | None:
    """The keyboard wedge for the enabled wedge scanners, or None when there are none."""
    wedges = [c for c in configs if c.enabled and c.type == "wedge"]
    return KeyboardWedge(wedges, parent) if wedges else None
