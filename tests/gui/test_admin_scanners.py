"""The Scanners tab as an admin uses it: ports plugged in, scanners added and removed, live views of real ports."""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication
from serial.tools.list_ports_common import ListPortInfo

from scanstation.config import Config, ScannerConfig
from scanstation.config.load import parse_config_text
from scanstation.config.write import SettingsEdit
from scanstation.domain import BADGE_PREFIX, BADGE_SHOWN, Scan, ScannerState, new_badge_secret
from scanstation.domain.access import Act, Actor, Role, SettingChange, require
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext, LiveScanners
from scanstation.gui.admin.live_view import INDENT, LiveView, watch_source
from scanstation.gui.admin.scanners_tab import ScannerDialog, ScannersTab
from scanstation.gui.admin.window import AdminWindow
from scanstation.gui.wedge import KeyboardWedge
from scanstation.scanners import StreamSource
from scanstation.scanners.base import ScannerSource
from scanstation.scanners.ports import PortInfo
from tests.scanners.conftest import Pty, Socat
from tests.waiting import wait_until

from .conftest import Station

pytestmark = pytest.mark.gui

ADMIN = Actor("olga", Role.ADMIN, "Olga A.")
CLERK = Actor("anna", Role.CLERK, "Anna K.")
UPS = "1Z3F141E8695861181"
GS1 = "]C142078745\x1d9400111899223100012345"  # GS1-128: ship-to ZIP (420), GS, then the USPS PIC

CONFIG_TEXT = """\
# The receiving dock, by the big door.
[station]
id = "st-admin"

[database]
url = "sqlite:///{db}"

[gui]
language = "en"
sound = false

[logging]
file = false

# The hand scanner at door 1.
[[scanners]]
name = "dock-1"
type = "serial"
port = "{port}"  # its cable
"""

CONTROL_KEYS = {
    "\r": (qt.Qt.Key.Key_Return, qt.Qt.KeyboardModifier.NoModifier),
    "\x1d": (qt.Qt.Key.Key_BracketRight, qt.Qt.KeyboardModifier.ControlModifier),  # GS
}


class Scene:
    """The tab on a real config file, with what the station would run and what it was told."""

    def __init__(self, station: Station, tmp_path: Path, port: str) -> None:
        self.station = station
        self.path = tmp_path / "config.toml"
        self.path.write_text(CONFIG_TEXT.format(db=tmp_path / "admin.db", port=port), encoding="utf-8")
        self.original = self.path.read_text(encoding="utf-8")
        self.sources: list[ScannerSource] = []
        self.wedge: KeyboardWedge | None = None
        self.ports: Callable[[], list[PortInfo]] = list
        self.applied: list[tuple[Config, tuple[SettingChange, ...]]] = []
        self.received: list[Scan] = []
        self.actor: Actor | None = ADMIN
        self.tab: ScannersTab | None = None

    def config(self) -> Config:
        return parse_config_text(self.path.read_text(encoding="utf-8"), str(self.path))

    @staticmethod
    def save(actor: Actor, edit: Any) -> Config:
        require(actor, Act.CHANGE_SETTINGS)  # as access.settings.save_settings does, before the file is touched
        config: Config = edit.save()
        return config

    def context(self) -> AdminContext:
        def probe(*args: object) -> Any:
            raise AssertionError("the Scanners tab never tests the server")

        return AdminContext(
            runner=self.station.receiving.runner,
            store=self.station.engine,
            actor=lambda: self.actor,
            config_path=self.path,
            config=self.config,
            apply=lambda config, changes: self.applied.append((config, changes)),
            station_id="st-admin",
            bridge=self.station.bridge,
            open_edit=SettingsEdit.open,
            save=self.save,
            probe=probe,
            environ={},
            live_scanners=LiveScanners(
                sources=lambda: self.sources, wedge=lambda: self.wedge, list_ports=lambda: self.ports()
            ),
        )

    def start_scanner(self) -> StreamSource:
        """The station's own reader of dock-1, as the runtime starts it."""
        config = next(c for c in self.config().scanners if c.name == "dock-1")
        source = StreamSource(config)
        source.start(self.received.append, self.station.bridge.scanner_status.emit)
        self.sources.append(source)
        return source

    def open_tab(self, qtbot: Any) -> ScannersTab:
        tab = ScannersTab(self.context())
        qtbot.addWidget(tab)
        tab.resize(1400, 900)
        tab.show()
        self.tab = tab
        return tab

    def close(self) -> None:
        if self.tab is not None:
            self.tab.stop()
        for source in self.sources:
            source.stop()
        if self.wedge is not None:
            self.wedge.stop()


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


@pytest.fixture
def socat(tmp_path: Path) -> Iterator[Socat]:
    if shutil.which("socat") is None:
        pytest.fail("socat is needed for the port list tests (apt-get install socat)")
    pair = Socat(tmp_path / "dev")
    pair.link.parent.mkdir()
    yield pair
    pair.stop()


@pytest.fixture
def scene_factory(station: Station, tmp_path: Path) -> Iterator[Callable[[str], Scene]]:
    made: list[Scene] = []

    def make(port: str) -> Scene:
        made.append(Scene(station, tmp_path, port))
        return made[-1]

    yield make
    for scene in made:
        scene.close()


def cells(table: qt.QTableWidget, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]  # type: ignore[union-attr]


def row_of(table: qt.QTableWidget, first: str) -> list[str]:
    for row in range(table.rowCount()):
        if cells(table, row)[0] == first:
            return cells(table, row)
    raise AssertionError(f"no row {first!r} in {[cells(table, r) for r in range(table.rowCount())]}")


def wait_line(qtbot: Any, view: LiveView, *parts: str) -> str:
    """The first line of the view holding every one of `parts`, waited for as the reads arrive."""

    def found() -> str | None:
        return next((line for line in view.lines() if all(part in line for part in parts)), None)

    qtbot.waitUntil(lambda: found() is not None, timeout=5000)
    line = found()
    assert line is not None
    return line


# ----- a running scanner's live view ----------------------------------------------------------------------------


def watch_running_scanner(qtbot: Any, scene_factory: Callable[[str], Scene], pty: Pty) -> tuple[Scene, LiveView]:
    """The pty scanner running, and its live view opened from the Scanners tab as an admin would."""
    scene = scene_factory(pty.path)
    scene.start_scanner()
    tab = scene.open_tab(qtbot)
    qtbot.waitUntil(lambda: row_of(tab.scanners_table, "dock-1")[3] == f"working: reading {pty.path}", timeout=5000)
    tab.select_scanner("dock-1")
    qtbot.mouseClick(tab.watch_button, qt.Qt.MouseButton.LeftButton)
    [view] = tab.live_views
    return scene, view


def test_a_running_pty_scanner_shows_its_bytes_with_control_characters_and_its_scans_are_still_received(
    qtbot: Any, scene_factory: Callable[[str], Scene], pty: Pty
) -> None:
    scene, view = watch_running_scanner(qtbot, scene_factory, pty)
    qtbot.waitExposed(view)
    assert "its scans are still received" in view.note.text()
    assert view.status_line.text() == f"reading {pty.path}"

    pty.write(GS1.encode() + b"\r")
    read = wait_line(qtbot, view, "read")
    assert read.endswith("read   ]C142078745<GS>9400111899223100012345")  # the read as framed: without its <CR>
    explanation = view.lines()[view.lines().index(read) + 1]
    assert explanation.strip() == "→ USPS 9400111899223100012345 (1 key), AIM ]C1 Code 128"
    chunks = "".join(line.split("bytes  ", 1)[1] for line in view.lines() if "  bytes  " in line)
    assert chunks == "]C142078745<GS>9400111899223100012345<CR>"  # the bytes as they came, suffix and all
    wait_until(lambda: [s.raw for s in scene.received] == [GS1], what="the scan received as usual")

    # A scanner that sends no suffix: the view says so once the idle gap passes.
    pty.write(UPS.encode())
    line = wait_line(qtbot, view, "no terminator came")
    assert "incomplete read" in line

    view.close()
    assert_tap_gone(qtbot, scene, view, pty)
    assert len(scene.received) == 3


def test_a_badge_read_in_the_live_view_says_a_badge_came_and_never_shows_its_text(
    qtbot: Any, scene_factory: Callable[[str], Scene], pty: Pty
) -> None:
    _, view = watch_running_scanner(qtbot, scene_factory, pty)
    secret = new_badge_secret()
    pty.write(secret.encode() + b"\r")
    wait_line(qtbot, view, "read")
    shown = "\n".join(view.lines())
    assert BADGE_SHOWN in shown
    assert secret not in shown and secret[len(BADGE_PREFIX) :][:8] not in shown
    view.close()


def assert_tap_gone(qtbot: Any, scene: Scene, old: LiveView, pty: Pty) -> None:
    """A read after `old` closed reaches a new view but not `old` (its tap, called first, would have shown it first)."""
    [source] = scene.sources
    assert isinstance(source, StreamSource)
    config = next(c for c in scene.config().scanners if c.name == "dock-1")
    fresh = watch_source(source, config)
    qtbot.addWidget(fresh)
    before = old.reads
    pty.write(UPS.encode() + b"\r")
    wait_line(qtbot, fresh, "read")
    assert old.reads == before
    fresh.close()


def test_closing_the_admins_window_closes_its_live_views_and_their_taps(
    qtbot: Any, scene_factory: Callable[[str], Scene], pty: Pty
) -> None:
    scene = scene_factory(pty.path)
    scene.start_scanner()
    window = AdminWindow(scene.context())
    qtbot.addWidget(window)
    window.show()
    tab = window.tabs.widget(0)
    assert isinstance(tab, ScannersTab)
    tab.select_scanner("dock-1")
    view = tab.watch_scanner_live()
    assert view is not None
    pty.write(UPS.encode() + b"\r")
    wait_line(qtbot, view, "read")
    window.close()
    assert not view.isVisible()
    assert_tap_gone(qtbot, scene, view, pty)


def test_a_missing_port_is_shown_with_its_last_error_in_words(
    qtbot: Any, scene_factory: Callable[[str], Scene], tmp_path: Path
) -> None:
    missing = str(tmp_path / "ttyUSB9")
    scene = scene_factory(missing)
    scene.start_scanner()
    tab = scene.open_tab(qtbot)
    qtbot.waitUntil(lambda: row_of(tab.scanners_table, "dock-1")[4] != "", timeout=5000)
    _, kind, reads_from, state, last_error = row_of(tab.scanners_table, "dock-1")
    assert (kind, reads_from) == ("serial", missing)
    assert state == "error"
    assert last_error.startswith(f"{missing} does not exist: is the scanner plugged in?")
    assert "`scanstation ports` lists the serial ports this machine has" in last_error


# ----- a free port and the port list -----------------------------------------------------------------------------


def socat_ports(directory: Path, **usb: Any) -> Callable[[], list[PortInfo]]:
    """Like pyserial's /dev glob, over the test's directory (socat's links are not in /dev); `usb` sets the identity."""

    def ports() -> list[PortInfo]:
        found: list[PortInfo] = []
        for path in sorted(directory.glob("scanner*")):
            info = ListPortInfo(str(path))
            for key, value in usb.items():
                setattr(info, key, value)
            found.append(info)
        return found

    return ports


def test_a_free_port_is_opened_for_the_view_only(
    qtbot: Any, scene_factory: Callable[[str], Scene], socat: Socat
) -> None:
    node = socat.start()
    scene = scene_factory("/dev/ttyS99")
    scene.ports = socat_ports(socat.link.parent)
    tab = scene.open_tab(qtbot)
    qtbot.waitUntil(lambda: tab.ports_table.rowCount() == 1, timeout=5000)
    tab.select_port(str(socat.link))
    qtbot.mouseClick(tab.watch_port_button, qt.Qt.MouseButton.LeftButton)
    [view] = tab.live_views
    assert "never received as a parcel" in view.note.text()
    qtbot.waitUntil(lambda: view.status_line.text() == f"reading {socat.link}", timeout=5000)

    socat.write(b"\x02" + UPS.encode() + b"\r\n")
    read = wait_line(qtbot, view, "read")
    assert read.endswith(f"read   <STX>{UPS}")
    assert view.lines()[view.lines().index(read) + 1].strip() == f"→ UPS {UPS} (1 key)"
    assert scene.received == []
    view.close()
    assert os.path.realpath(socat.link) == node


def test_a_plugged_in_socat_device_is_listed_added_by_usb_identity_and_removed(
    qtbot: Any, scene_factory: Callable[[str], Scene], socat: Socat
) -> None:
    scene = scene_factory("/dev/ttyS99")
    scene.ports = socat_ports(socat.link.parent, vid=0x0C2E, pid=0x0B61, serial_number="17273B0245", location="1-1.4")
    tab = scene.open_tab(qtbot)
    with qtbot.waitSignal(tab.ports_shown, timeout=5000):
        pass  # the first look: nothing plugged in yet
    assert tab.ports_table.rowCount() == 0
    assert "No serial ports" in tab.ports_note.text()

    socat.start()  # plugged in: the watcher's next look finds it
    qtbot.waitUntil(lambda: tab.ports_table.rowCount() == 1, timeout=5000)
    device, description, vid_pid, serial_number, location, used_by = cells(tab.ports_table, 0)
    assert (device, vid_pid, serial_number, location, used_by) == (
        str(socat.link),
        "0c2e:0b61",
        "17273B0245",
        "1-1.4",
        "",
    )
    assert description.startswith("link to /dev/pts/")

    tab.select_port(str(socat.link))
    qtbot.mouseClick(tab.add_from_port, qt.Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, ScannerDialog)
    assert dialog.usb_match.isChecked()  # offered first: the path changes when the scanner is re-plugged
    assert "0c2e:0b61, serial 17273B0245" in dialog.usb_match.text()
    assert dialog.field("usb_vid").editor.text() == "0c2e"  # type: ignore[attr-defined]
    assert dialog.field("port").editor.text() == ""  # type: ignore[attr-defined]
    assert not dialog.field("url").isVisibleTo(dialog)  # a socket's setting, not a serial scanner's
    assert not dialog.field("max_key_gap_ms").isVisibleTo(dialog)

    name = dialog.field("name").editor
    assert isinstance(name, qt.QLineEdit)
    name.setFocus()
    qtbot.keyClicks(name, "dock-1")  # taken already: the loader's words, beside the field
    qtbot.mouseClick(dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Save), qt.Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.field("name").error.startswith("'dock-1' is used by two scanners")
    name.clear()
    qtbot.keyClicks(name, "door-2")
    baud = dialog.field("baudrate").editor
    assert isinstance(baud, qt.QSpinBox)
    baud.setValue(115200)
    terminator = dialog.field("terminator").editor
    assert isinstance(terminator, qt.QComboBox)
    terminator.setCurrentIndex(terminator.findData("CRLF"))
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        qtbot.mouseClick(dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Save), qt.Qt.MouseButton.LeftButton)

    assert scene.path.read_text(encoding="utf-8") == scene.original + (
        "\n"
        "[[scanners]]\n"
        'name = "door-2"\n'
        'type = "serial"\n'
        'usb_vid = "0c2e"\n'
        'usb_pid = "0b61"\n'
        'usb_serial = "17273B0245"\n'
        "baudrate = 115200\n"
        'terminator = "CRLF"\n'
    )
    assert (os.stat(scene.path).st_mode & 0o777) == 0o600
    config, changes = scene.applied[-1]
    assert [c.name for c in config.scanners] == ["dock-1", "door-2"]
    assert [c.key for c in changes] == ["scanners[door-2]"]
    assert tab.result_line.text() == "Saved: scanner 'door-2' added. The station uses it now."
    assert row_of(tab.scanners_table, "door-2")[2] == "USB 0c2e:0b61 serial 17273B0245"
    assert cells(tab.ports_table, 0)[5] == "door-2"  # the port list says which scanner reads it

    tab.select_scanner("door-2")
    qtbot.mouseClick(tab.remove_button, qt.Qt.MouseButton.LeftButton)
    box = tab.confirm
    assert box is not None
    assert box.text() == "Remove scanner 'door-2' from the config file? It stops reading now."
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        qtbot.mouseClick(box.button(qt.QMessageBox.StandardButton.Yes), qt.Qt.MouseButton.LeftButton)
    # The blank line SettingsEdit put between the blocks stays behind the block before.
    assert scene.path.read_text(encoding="utf-8") == scene.original + "\n"
    assert [c.name for c in scene.applied[-1][0].scanners] == ["dock-1"]
    assert [row_of(tab.scanners_table, "dock-1")[0]] == ["dock-1"]
    assert tab.scanners_table.rowCount() == 1

    socat.stop()  # pulled out
    qtbot.waitUntil(lambda: tab.ports_table.rowCount() == 0, timeout=5000)


def test_editing_a_scanner_to_a_socket_keeps_the_comments_and_a_clerk_is_refused_in_the_core(
    qtbot: Any, scene_factory: Callable[[str], Scene]
) -> None:
    scene = scene_factory("/dev/ttyS99")
    tab = scene.open_tab(qtbot)
    tab.select_scanner("dock-1")
    qtbot.mouseClick(tab.edit_button, qt.Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None
    kind = dialog.field("type").editor
    assert isinstance(kind, qt.QComboBox)
    kind.setCurrentIndex(kind.findData("socket"))
    assert dialog.field("url").isVisibleTo(dialog)
    assert not dialog.field("port").isVisibleTo(dialog)
    url = dialog.field("url").editor
    assert isinstance(url, qt.QLineEdit)
    qtbot.keyClicks(url, "http://10.0.0.5:2001")
    save = dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, qt.Qt.MouseButton.LeftButton)
    assert dialog.field("url").error == (
        "'http://10.0.0.5:2001' is not socket:// or rfc2217://. Fix: write e.g. url = \"socket://10.0.0.5:2001\""
    )
    assert scene.path.read_text(encoding="utf-8") == scene.original

    url.clear()
    qtbot.keyClicks(url, "socket://10.0.0.5:2001")
    scene.actor = CLERK
    with qtbot.waitSignal(tab.save_failed, timeout=10_000) as failed:
        qtbot.mouseClick(save, qt.Qt.MouseButton.LeftButton)
    assert failed.args[0].startswith("Nothing was saved: ")
    assert "admin" in failed.args[0]
    assert scene.path.read_text(encoding="utf-8") == scene.original
    assert dialog.isVisible()  # the admin's typing is not lost: the refusal is shown in the dialog
    assert dialog.errors_line.text() == failed.args[0]

    scene.actor = ADMIN
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        qtbot.mouseClick(save, qt.Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    text = scene.path.read_text(encoding="utf-8")
    serial_lines = 'type = "serial"\nport = "/dev/ttyS99"  # its cable\n'
    assert text == scene.original.replace(serial_lines, 'type = "socket"\n') + 'url = "socket://10.0.0.5:2001"\n'
    assert "# The hand scanner at door 1." in text
    assert tomllib.loads(text)["scanners"] == [{"name": "dock-1", "type": "socket", "url": "socket://10.0.0.5:2001"}]
    assert row_of(tab.scanners_table, "dock-1")[1:3] == ["socket", "socket://10.0.0.5:2001"]


# ----- the keyboard wedge ---------------------------------------------------------------------------------------


class Keyboard:
    """Key events to a top-level QWindow with chosen timestamps: a scanner's pace or a person's, no sleeping."""

    def __init__(self, window: QWindow) -> None:
        self.window = window
        self.ms = 1_000_000

    def type(self, text: str, gap_ms: int) -> None:
        for char in text:
            self.ms += gap_ms
            key, modifiers = CONTROL_KEYS.get(char, (qt.Qt.Key(ord(char.upper())), qt.Qt.KeyboardModifier.NoModifier))
            for kind, at in ((QEvent.Type.KeyPress, self.ms), (QEvent.Type.KeyRelease, self.ms + 1)):
                event = QKeyEvent(kind, key, modifiers, char)
                event.setTimestamp(at)
                QApplication.sendEvent(self.window, event)


def test_the_wedge_live_view_shows_key_timing_and_whether_a_burst_was_taken_for_a_scanner(
    qtbot: Any, scene_factory: Callable[[str], Scene], station: Station
) -> None:
    scene = scene_factory("/dev/ttyS99")
    edit = SettingsEdit.open(scene.path)
    edit.set_scanner(None, {"name": "gun", "type": "wedge"})
    edit.save()
    wedge = KeyboardWedge([ScannerConfig(name="gun", type="wedge")])
    wedge.start(scene.received.append, station.bridge.scanner_status.emit)
    scene.wedge = wedge
    tab = scene.open_tab(qtbot)
    assert row_of(tab.scanners_table, "gun")[2:4] == [
        "keyboard, keys within 35 ms",
        "working: listening for keyboard scans (key timing)",
    ]
    tab.select_scanner("gun")
    qtbot.mouseClick(tab.watch_button, qt.Qt.MouseButton.LeftButton)
    [view] = tab.live_views
    assert "whether the station took it for a scanner" in view.note.text()

    # The clerk's window has the focus; the scanner types into it.
    station.window.activateWindow()
    qtbot.waitUntil(station.window.isActiveWindow)
    handle = station.window.windowHandle()
    assert handle is not None
    keyboard = Keyboard(handle)
    keyboard.type(GS1 + "\r", gap_ms=4)
    keys = wait_line(qtbot, view, "keys")
    assert keys.endswith("keys   ]C142078745<GS>9400111899223100012345<CR>")
    after = view.lines()[view.lines().index(keys) + 1 :]
    assert after[:3] == [
        INDENT + "timing: keys 4 ms apart",
        INDENT + f"taken for a scanner: keys 4 ms apart, {len(GS1)} characters: a scanner",
        INDENT + "→ USPS 9400111899223100012345 (1 key), AIM ]C1 Code 128",
    ]
    assert [s.raw for s in scene.received] == [GS1]

    keyboard.type("12\r", gap_ms=180)
    line = wait_line(qtbot, view, "not a scanner")
    assert line.strip() == (
        "not a scanner: keys 180 ms apart (a scanner's keys come within 35 ms): typed by a person, left as typed"
    )
    assert scene.received[1:] == []
    view.close()
    keyboard.type(UPS + "\r", gap_ms=4)
    assert view.reads == 1


def test_the_wedge_live_view_needs_a_running_wedge(qtbot: Any, scene_factory: Callable[[str], Scene]) -> None:
    scene = scene_factory("/dev/ttyS99")
    edit = SettingsEdit.open(scene.path)
    edit.set_scanner(None, {"name": "gun", "type": "wedge"})
    edit.save()
    tab = scene.open_tab(qtbot)
    assert row_of(tab.scanners_table, "gun")[3] == "not running"
    tab.select_scanner("gun")
    qtbot.mouseClick(tab.watch_button, qt.Qt.MouseButton.LeftButton)
    assert tab.live_views == []
    assert tab.result_line.text().startswith("No keyboard-wedge scanner is running")


def test_a_stopped_state_is_not_an_error(qtbot: Any, scene_factory: Callable[[str], Scene], pty: Pty) -> None:
    scene = scene_factory(pty.path)
    source = scene.start_scanner()
    tab = scene.open_tab(qtbot)
    qtbot.waitUntil(lambda: row_of(tab.scanners_table, "dock-1")[3].startswith("working"), timeout=5000)
    source.stop()
    qtbot.waitUntil(lambda: row_of(tab.scanners_table, "dock-1")[3] == "stopped", timeout=5000)
    assert row_of(tab.scanners_table, "dock-1")[4] == ""
    assert source.status.state is ScannerState.STOPPED
