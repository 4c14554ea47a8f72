"""Keyboard-wedge scanners: key events through a real top-level window, as the window system delivers them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFrame, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from scanstation.config import ScannerConfig
from scanstation.domain import Scan, ScannerState, ScannerStatus
from scanstation.gui.wedge import KeyboardWedge, WedgeBurst, WedgeFilter, build_wedge

pytestmark = pytest.mark.gui

UPS = "1Z3F141E8695861181"
GS1 = "]C142078745\x1d9400111899223100012345"
MAXICODE = "[)>\x1e01\x1d96841706672\x1d840\x1d001\x1d1Z12345675\x1dUPSN\x1d12345E\x1d089\x1d\x1e07\rbin\x1e\x04"

CONTROL_KEYS = {
    "\r": (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
    "\t": (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
    "\x1d": (Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier),  # GS
    "\x1e": (Qt.Key.Key_AsciiCircum, Qt.KeyboardModifier.ControlModifier),  # RS
    "\x04": (Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier),  # EOT
    "\x02": (Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier),  # STX
    "\x03": (Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier),  # ETX
}


class Keyboard:
    """Sends key events to a top-level QWindow with chosen timestamps (the scanner's pace, no sleeping)."""

    def __init__(self, window: QWindow) -> None:
        self.window = window
        self.ms = 1_000_000

    def key(self, char: str, gap_ms: int, *, text: str | None = None) -> None:
        self.ms += gap_ms
        if char in CONTROL_KEYS:
            key, modifiers = CONTROL_KEYS[char]
        else:
            key, modifiers = Qt.Key(ord(char.upper())), Qt.KeyboardModifier.NoModifier
        for kind, at in ((QEvent.Type.KeyPress, self.ms), (QEvent.Type.KeyRelease, self.ms + 1)):
            event = QKeyEvent(kind, key, modifiers, char if text is None else text)
            event.setTimestamp(at)
            QApplication.sendEvent(self.window, event)

    def pause(self, ms: int) -> None:
        self.ms += ms

    def type(self, text: str, gap_ms: int) -> None:
        for char in text:
            self.key(char, gap_ms)


class Station(QWidget):
    """A top-level window like the clerk's: a text field inside a container, and a note field."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.field = QLineEdit()
        self.notes = QPlainTextEdit()
        inner = QFrame()
        inner_layout = QVBoxLayout(inner)
        self.deaf = QFrame()  # takes focus, ignores keys: every key propagates to its parents
        self.deaf.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        inner_layout.addWidget(self.deaf)
        for widget in (self.field, self.notes, inner):
            layout.addWidget(widget)
        self.returns = 0
        self.field.returnPressed.connect(self._on_return)

    def _on_return(self) -> None:
        self.returns += 1


@pytest.fixture
def station(qtbot: QtBot) -> Station:
    window = Station()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.field)
    return window


@pytest.fixture
def keyboard(station: Station) -> Keyboard:
    handle = station.windowHandle()
    assert handle is not None
    return Keyboard(handle)


class Seen:
    def __init__(self) -> None:
        self.scans: list[Scan] = []
        self.statuses: list[ScannerStatus] = []

    def raws(self) -> list[str]:
        return [s.raw for s in self.scans]


MakeWedge = Callable[..., tuple[KeyboardWedge, Seen]]


@pytest.fixture
def make_wedge(qtbot: QtBot) -> Iterator[MakeWedge]:
    made: list[KeyboardWedge] = []

    def make(*configs: ScannerConfig) -> tuple[KeyboardWedge, Seen]:
        seen = Seen()
        wedge = KeyboardWedge(configs or (ScannerConfig(name="wedge", type="wedge"),))
        wedge.start(seen.scans.append, seen.statuses.append)
        made.append(wedge)
        return wedge, seen

    yield make
    for wedge in made:
        wedge.stop()


def test_fast_burst_with_enter_is_one_scan_and_leaves_the_field_as_it_was(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge
) -> None:
    wedge, seen = make_wedge()
    emitted: list[Scan] = []
    wedge.scanned.connect(emitted.append)
    keyboard.type(UPS + "\r", gap_ms=4)
    assert seen.raws() == [UPS]
    assert emitted == seen.scans
    assert seen.scans[0].scanner == "wedge"
    assert station.field.text() == ""
    assert station.returns == 0  # the terminator was the scanner's, not an Enter for the form


def test_text_already_in_the_field_is_kept(station: Station, keyboard: Keyboard, make_wedge: MakeWedge) -> None:
    _, seen = make_wedge()
    keyboard.type("note ", gap_ms=300)  # a person, slowly
    keyboard.pause(1000)
    keyboard.type(UPS + "\r", gap_ms=4)
    assert seen.raws() == [UPS]
    assert station.field.text() == "note "
    assert station.field.cursorPosition() == 5


def test_a_person_typing_slowly_is_left_alone(station: Station, keyboard: Keyboard, make_wedge: MakeWedge) -> None:
    _, seen = make_wedge()
    keyboard.type("9400111899223100012345\r", gap_ms=120)
    assert seen.scans == []
    assert station.field.text() == "9400111899223100012345"
    assert station.returns == 1


def test_a_short_fast_burst_is_left_to_the_field(station: Station, keyboard: Keyboard, make_wedge: MakeWedge) -> None:
    _, seen = make_wedge(ScannerConfig(name="wedge", type="wedge", min_length=8))
    keyboard.type("1234567\r", gap_ms=5)  # 7 < min_length: a fast typist or a paste, not a scan
    assert seen.scans == []
    assert station.field.text() == "1234567"
    assert station.returns == 1


def test_gs_is_kept_although_qlineedit_drops_it(station: Station, keyboard: Keyboard, make_wedge: MakeWedge) -> None:
    _, seen = make_wedge()
    keyboard.type(GS1 + "\r", gap_ms=3)
    assert seen.raws() == [GS1]
    assert station.field.text() == ""


def test_gs_without_key_text_is_derived_from_ctrl_bracket(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge
) -> None:
    _, seen = make_wedge()
    keyboard.type("]C142078745", gap_ms=3)
    keyboard.key("\x1d", gap_ms=3, text="")  # some platforms give Ctrl+] no text
    keyboard.type("9400111899223100012345\r", gap_ms=3)
    assert seen.raws() == [GS1]


def test_each_key_counts_once_although_it_propagates_through_parents(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge, qtbot: QtBot
) -> None:
    station.deaf.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is station.deaf)
    _, seen = make_wedge()
    # The window, the focused frame, its container and the top-level all see each ignored key.
    keyboard.type(GS1 + "\r", gap_ms=3)
    assert seen.raws() == [GS1]


def test_cr_inside_a_maxicode_envelope_is_data(station: Station, keyboard: Keyboard, make_wedge: MakeWedge) -> None:
    _, seen = make_wedge()
    keyboard.type(MAXICODE + "\r", gap_ms=2)
    assert seen.raws() == [MAXICODE]
    assert station.field.text() == ""
    assert station.returns == 0


def test_prefix_scanner_keys_are_swallowed_from_the_prefix_on(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge
) -> None:
    _, seen = make_wedge(ScannerConfig(name="handheld", type="wedge", prefix="\x02", terminator="TAB"))
    keyboard.key("\x02", gap_ms=500)
    keyboard.type("420787459400", gap_ms=60)  # slower than any timing rule: the prefix decides
    keyboard.key("\t", gap_ms=60)
    assert seen.raws() == ["420787459400"]
    assert seen.scans[0].scanner == "handheld"
    assert station.field.text() == ""
    assert QApplication.focusWidget() is station.field  # the Tab did not move the focus


def test_prefix_and_timed_scanners_side_by_side(station: Station, keyboard: Keyboard, make_wedge: MakeWedge) -> None:
    _, seen = make_wedge(
        ScannerConfig(name="handheld", type="wedge", prefix="~"),
        ScannerConfig(name="presentation", type="wedge"),
    )
    keyboard.type("~" + UPS + "\r", gap_ms=5)
    keyboard.pause(1000)
    keyboard.type(GS1 + "\r", gap_ms=5)
    assert [(s.scanner, s.raw) for s in seen.scans] == [("handheld", UPS), ("presentation", GS1)]


def test_no_terminator_scan_ends_when_the_keys_stop(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge, qtbot: QtBot
) -> None:
    wedge, seen = make_wedge(ScannerConfig(name="wedge", type="wedge", terminator="NONE"))
    with qtbot.waitSignal(wedge.scanned, timeout=2000) as blocker:
        keyboard.type(UPS, gap_ms=4)
    assert blocker.args is not None
    assert blocker.args[0].raw == UPS
    assert seen.raws() == [UPS]
    assert station.field.text() == ""


def test_scan_in_a_plain_text_edit_is_taken_out_again(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge, qtbot: QtBot
) -> None:
    station.notes.setPlainText("fragile")
    station.notes.setFocus()
    station.notes.moveCursor(station.notes.textCursor().MoveOperation.End)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is station.notes)
    _, seen = make_wedge()
    keyboard.type(UPS + "\r", gap_ms=4)
    assert seen.raws() == [UPS]
    assert station.notes.toPlainText() == "fragile"


def test_ctrl_d_inside_a_scan_is_eot_not_the_windows_shortcut(
    station: Station, make_wedge: MakeWedge, qtbot: QtBot
) -> None:
    fired: list[bool] = []
    action = QAction("Delete", station)
    action.setShortcut(QKeySequence("Ctrl+D"))
    action.triggered.connect(lambda: fired.append(True))
    station.addAction(action)
    window = station.windowHandle()
    assert window is not None
    _, seen = make_wedge(ScannerConfig(name="wedge", type="wedge", min_length=4))
    # QTest on the QWindow goes through the window system path, shortcut map included.
    QTest.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert fired == [True]  # a person's Ctrl+D still works
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5):
        QTest.keyClick(window, key)
    QTest.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window, Qt.Key.Key_Return)
    assert seen.raws() == ["12345\x04"]
    assert fired == [True]


def test_status_and_stop(station: Station, keyboard: Keyboard) -> None:
    wedge = build_wedge([ScannerConfig(name="wedge", type="wedge"), ScannerConfig(name="s", type="serial", port="x")])
    assert wedge is not None
    seen = Seen()
    wedge.start(seen.scans.append, seen.statuses.append)
    assert [(s.name, s.state) for s in seen.statuses] == [("wedge", ScannerState.CONNECTED)]
    wedge.stop()
    assert seen.statuses[-1].state is ScannerState.STOPPED
    keyboard.type(UPS + "\r", gap_ms=4)
    assert seen.scans == []
    assert station.field.text() == UPS  # no filter any more: the keys are the field's
    assert build_wedge([ScannerConfig(name="s", type="serial", port="x")]) is None


# -- the observer the admin's live view of a wedge scanner listens to ------------------------------


def observe(wedge: KeyboardWedge) -> list[WedgeBurst]:
    bursts: list[WedgeBurst] = []
    wedge.add_observer(bursts.append)
    return bursts


def test_a_scanners_burst_is_shown_with_its_key_timing_and_why(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge
) -> None:
    wedge, seen = make_wedge()
    bursts = observe(wedge)
    keyboard.type(GS1 + "\r", gap_ms=4)
    assert seen.raws() == [GS1]
    [burst] = bursts
    assert burst.text == GS1 + "\r"  # the terminator shown too: an admin sees what the scanner sends
    assert burst.gaps_ms == (4.0,) * len(GS1)
    assert burst.taken_for_scanner
    assert burst.scanner == "wedge"
    assert burst.reason == f"keys 4 ms apart, {len(GS1)} characters: a scanner"


def test_a_person_typing_is_shown_as_one_run_left_as_typed(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge
) -> None:
    wedge, seen = make_wedge()
    bursts = observe(wedge)
    keyboard.type("94001118\r", gap_ms=180)
    assert seen.scans == []
    assert station.field.text() == "94001118"
    [burst] = bursts
    assert burst.text == "94001118\r"
    assert burst.gaps_ms == (180.0,) * 8
    assert not burst.taken_for_scanner
    assert burst.scanner is None
    assert burst.reason == "keys 180 ms apart (a scanner's keys come within 35 ms): typed by a person, left as typed"


def test_a_fast_but_short_burst_says_it_was_too_short(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge
) -> None:
    wedge, _ = make_wedge()
    bursts = observe(wedge)
    keyboard.type("1234\r", gap_ms=5)
    assert [b.reason for b in bursts] == [
        "keys 5 ms apart but only 4 characters (a scan has at least 8): typed by a person, left as typed"
    ]


def test_a_persons_pause_ends_their_run_and_a_scan_after_it_is_shown_apart(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge, qtbot: QtBot
) -> None:
    wedge, seen = make_wedge()
    bursts = observe(wedge)
    keyboard.type("note", gap_ms=200)
    keyboard.pause(1500)
    keyboard.type(UPS + "\r", gap_ms=3)
    assert seen.raws() == [UPS]
    assert [(b.text, b.taken_for_scanner) for b in bursts] == [("note", False), (UPS + "\r", True)]
    assert bursts[0].gaps_ms == (200.0,) * 3
    # Typing then a pause with no Enter: the run is shown when the pause has lasted.
    keyboard.pause(1500)
    keyboard.type("ab", gap_ms=300)
    qtbot.waitUntil(lambda: len(bursts) == 3)
    assert bursts[2].text == "ab" and not bursts[2].taken_for_scanner


def test_a_prefixed_scan_and_a_scan_without_terminator_say_so(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge, qtbot: QtBot
) -> None:
    wedge, seen = make_wedge(
        ScannerConfig(name="handheld", type="wedge", prefix="\x02", terminator="TAB"),
        ScannerConfig(name="presentation", type="wedge", terminator="NONE"),
    )
    bursts = observe(wedge)
    keyboard.key("\x02", gap_ms=500)
    keyboard.type("420787459400", gap_ms=60)
    keyboard.key("\t", gap_ms=60)
    assert bursts[0].reason == "prefix <STX> came first, keys 60 ms apart, 12 characters: scanner 'handheld'"
    assert bursts[0].text == "\x02420787459400\t"
    keyboard.pause(1500)
    keyboard.type(UPS, gap_ms=4)
    qtbot.waitUntil(lambda: len(bursts) == 2)
    assert bursts[1].reason == (
        f"keys 4 ms apart, {len(UPS)} characters, no terminator (ended by a pause or another key): a scanner"
    )
    assert seen.raws() == ["420787459400", UPS]


def test_a_removed_observer_hears_nothing_and_a_failing_one_does_not_stop_scans(
    station: Station, keyboard: Keyboard, make_wedge: MakeWedge, caplog: pytest.LogCaptureFixture
) -> None:
    wedge, seen = make_wedge()
    assert isinstance(wedge, WedgeFilter)

    def broken(burst: WedgeBurst) -> None:
        raise RuntimeError("observer bug")

    wedge.add_observer(broken)
    bursts: list[WedgeBurst] = []
    remove = wedge.add_observer(bursts.append)
    keyboard.type(UPS + "\r", gap_ms=4)
    assert seen.raws() == [UPS]
    assert len(bursts) == 1
    assert "keyboard wedge burst observer failed" in caplog.text
    remove()
    keyboard.pause(1500)
    keyboard.type(UPS + "\r", gap_ms=4)
    assert seen.raws() == [UPS, UPS]
    assert len(bursts) == 1


# What a ЙЦУКЕН layout types at the US letters' positions, and X11's key codes (evdev + 8) of those positions.
RU_AT = dict(zip("qwertyuiopasdfghjklzxcvbnm", "йцукенгшщзфывапролдячсмить", strict=True))
X11_CODE = {c: code + 8 for code, c in {2: "1", 3: "2", 4: "3", 5: "4", 6: "5", 7: "6", 8: "7", 9: "8", 10: "9",
    11: "0", 16: "q", 17: "w", 18: "e", 19: "r", 20: "t", 21: "y", 22: "u", 23: "i", 24: "o", 25: "p", 27: "]",
    30: "a", 31: "s", 32: "d", 33: "f", 34: "g", 35: "h", 36: "j", 37: "k", 38: "l", 44: "z", 45: "x", 46: "c",
    47: "v", 48: "b", 49: "n", 50: "m"}.items()}  # fmt: skip


class X11Keyboard(Keyboard):
    """Key events as Qt's X11 platform delivers a scanner's keys: the position's key code, the layout's text."""

    def __init__(self, window: QWindow, *, layout: str, caps_lock: bool = False) -> None:
        super().__init__(window)
        self.layout = layout
        self.caps_lock = caps_lock

    def key(self, char: str, gap_ms: int, *, text: str | None = None) -> None:
        self.ms += gap_ms
        if char == "\r":
            key, modifiers, code, typed = Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, 36, "\r"
        elif char == "\x1d":  # Ctrl+] where the layout has ъ
            key, modifiers, code, typed = Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier, 35, "\x1d"
        else:
            base = char.lower()
            shift = char.isupper()
            typed = RU_AT.get(base, base) if self.layout == "ru" else base
            # X11: Shift makes a letter upper case, and Caps Lock flips that.
            typed = typed.upper() if shift != (self.caps_lock and typed.isalpha()) else typed
            key = Qt.Key(ord(typed.upper()))
            modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
            code = X11_CODE[base]
        for kind, at in ((QEvent.Type.KeyPress, self.ms), (QEvent.Type.KeyRelease, self.ms + 1)):
            event = QKeyEvent(kind, key, modifiers, code, 0, 0, typed if text is None else text)
            event.setTimestamp(at)
            QApplication.sendEvent(self.window, event)


@pytest.fixture
def x11_wedge(qtbot: QtBot) -> Iterator[Callable[..., Seen]]:
    made: list[KeyboardWedge] = []

    def make(*configs: ScannerConfig) -> Seen:
        seen = Seen()
        wedge = KeyboardWedge(configs or (ScannerConfig(name="wedge", type="wedge"),), platform="xcb")
        wedge.start(seen.scans.append, seen.statuses.append)
        made.append(wedge)
        return seen

    yield make
    for wedge in made:
        wedge.stop()


@pytest.mark.parametrize(("layout", "caps_lock"), [("ru", False), ("us", True), ("ru", True)])
def test_a_scan_is_read_by_key_position_whatever_the_layout_and_caps_lock(
    station: Station, x11_wedge: Callable[..., Seen], layout: str, caps_lock: bool
) -> None:
    handle = station.windowHandle()
    assert handle is not None
    keyboard = X11Keyboard(handle, layout=layout, caps_lock=caps_lock)
    seen = x11_wedge()
    keyboard.type("1Z3F141E8695861181\r", 4)
    keyboard.pause(500)
    keyboard.type("42078745\x1d9400111899223100012345\r", 4)
    assert seen.raws() == ["1Z3F141E8695861181", "42078745\x1d9400111899223100012345"]
    assert station.field.text() == ""


def test_a_person_typing_in_russian_is_left_as_typed(station: Station, x11_wedge: Callable[..., Seen]) -> None:
    handle = station.windowHandle()
    assert handle is not None
    keyboard = X11Keyboard(handle, layout="ru")
    seen = x11_wedge()
    keyboard.type("ghbdtn", 200)  # "привет" at a person's pace
    assert seen.raws() == []
    assert station.field.text() == "привет"


def test_key_positions_off_reads_the_active_layout(station: Station, x11_wedge: Callable[..., Seen]) -> None:
    handle = station.windowHandle()
    assert handle is not None
    keyboard = X11Keyboard(handle, layout="ru")
    seen = x11_wedge(ScannerConfig(name="wedge", type="wedge", key_positions=False))
    keyboard.type("1Z3F141E\r", 4)
    assert seen.raws() == ["1Я3А141У"]


def test_a_prefix_is_found_by_its_position_under_another_layout(
    station: Station, x11_wedge: Callable[..., Seen]
) -> None:
    handle = station.windowHandle()
    assert handle is not None
    keyboard = X11Keyboard(handle, layout="ru")
    seen = x11_wedge(ScannerConfig(name="prefixed", type="wedge", prefix="z"))
    keyboard.type("z1Z3F\r", 30)  # slow, but the prefix (я on this layout) says scanner
    assert seen.raws() == ["1Z3F"]
    assert station.field.text() == ""
