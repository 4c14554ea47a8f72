"""The live view of one scanner: its bytes as they arrive with control characters shown, and what each read becomes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from scanstation.config import ScannerConfig
from scanstation.domain import ScannerState, ScannerStatus, hide_badges
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge
from scanstation.gui.plain import plain_label
from scanstation.gui.wedge import KeyboardWedge, WedgeBurst
from scanstation.gui.widgets import Retranslated
from scanstation.scanners import MonitorEvent, PortMonitor, StreamSource, explain_read, visible_controls
from scanstation.scanners.monitor import gap_words
from scanstation.scanners.ports import PortLister

# Lines kept in the view: an admin watches the last few minutes, a forgotten view must not grow for ever.
MAX_LINES = 5000
# Where the lines under a read start: under its text, past "23:51:27.998  read   ".
INDENT = " " * 21

_TERMINATOR_TEXT = {"CR": "\r", "LF": "\n", "CRLF": "\r", "TAB": "\t", "ETX": "\x03", "NONE": ""}


def clock(at: float) -> str:
    """A wall-clock time to the millisecond, as the live view's first column shows it."""
    return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at * 1000) % 1000:03d}"


class _Relay(qt.QObject):
    """Hands a reader thread's events to the GUI thread: a signal emitted on another thread is queued."""

    monitor_event = qt.Signal(object)  # MonitorEvent
    status = qt.Signal(object)  # ScannerStatus


class LiveView(Retranslated, qt.QWidget):
    """A window of one scanner's traffic: each chunk of bytes, each read and the station's reading of it.

    Build it with `watch_source` (a running scanner: a tap, its scans still received), `watch_port` (a free
    port: a PortMonitor of its own) or `watch_wedge` (a keyboard-wedge scanner: the wedge's observer).
    Closing the window stops the watching.
    """

    line_added = qt.Signal(str)  # each line as it is shown (tests wait on it)

    def __init__(self, title: str, note: str, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(qt.Qt.WindowType.Window)
        self.setObjectName("liveView")
        self.setWindowTitle(title)
        self._stop: Callable[[], None] | None = None
        self.reads = 0
        self.relay = _Relay(self)
        self.relay.monitor_event.connect(self.show_event)
        self.relay.status.connect(self.show_status)

        self.note = plain_label(note)
        self.note.setObjectName("liveNote")
        self.note.setWordWrap(True)
        self.status_line = plain_label()
        self.status_line.setObjectName("liveStatus")
        self.status_line.setWordWrap(True)
        self.text = qt.QPlainTextEdit()
        self.text.setObjectName("liveText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(qt.QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.text.setFont(qt.QFontDatabase.systemFont(qt.QFontDatabase.SystemFont.FixedFont))
        self.legend = plain_label()
        self.legend.setObjectName("liveLegend")
        self.legend.setWordWrap(True)
        self.clear_button = qt.QPushButton()
        self.clear_button.setObjectName("liveClear")
        self.clear_button.clicked.connect(self.text.clear)
        self.close_button = qt.QPushButton()
        self.close_button.setObjectName("liveClose")
        self.close_button.clicked.connect(self.close)
        buttons = qt.QHBoxLayout()
        buttons.addWidget(self.legend, 1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.close_button)
        layout = qt.QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.status_line)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.resize(1000, 600)
        self.retranslate()

    def retranslate(self) -> None:
        self.legend.setText(
            self.tr(
                "bytes: what came from the port, as it came; read: one scan as the station frames it; "
                "→ what the station makes of it. <CR>, <GS> ... are control characters."
            )
        )
        self.clear_button.setText(self.tr("C&lear"))
        self.close_button.setText(self.tr("&Close"))

    # ----- watching ---------------------------------------------------------------------------------------------

    def watch(self, stop: Callable[[], None]) -> None:
        """`stop` ends the watching when the window closes, or is deleted with its parent without closing."""
        done = False

        def once() -> None:
            nonlocal done
            if not done:
                done = True
                stop()

        self._stop = once
        # Not a method of the view: Qt calls it while the view is being deleted.
        self.destroyed.connect(lambda *_: once())

    def stop(self) -> None:
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()

    def closeEvent(self, event: qt.QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.stop()
        super().closeEvent(event)

    # ----- what is shown ----------------------------------------------------------------------------------------

    def lines(self) -> list[str]:
        return self.text.toPlainText().splitlines()

    def _add(self, line: str) -> None:
        line = hide_badges(line)  # an admin watching a port sees that a badge came, never what logs its holder in
        self.text.appendPlainText(line)
        self.line_added.emit(line)

    def show_event(self, event: MonitorEvent) -> None:
        """One chunk of bytes, or one read with the station's reading of it (GUI thread)."""
        if event.chunk is not None:
            what = self.tr("bytes")
            self._add(f"{clock(event.at)}  {what:<5}  {visible_controls(event.chunk)}")
            return
        if event.explanation is None:
            return
        self.reads += 1
        data = event.frame_data if event.frame_data is not None else (event.frame_raw or "")
        what = self.tr("read")
        self._add(f"{clock(event.at)}  {what:<5}  {visible_controls(data)}")
        self._add(f"{INDENT}→ {event.explanation.summary}")

    def show_status(self, status: ScannerStatus) -> None:
        bad = status.state in (ScannerState.ERROR, ScannerState.DISCONNECTED)
        self.status_line.setText(status.message)
        self.status_line.setStyleSheet("color: #b71c1c; font-weight: bold;" if bad else "color: #1b5e20;")

    def show_burst(self, burst: WedgeBurst, config: ScannerConfig | None) -> None:
        """One burst of keys the keyboard wedge saw: its keys, their timing, and whether it was taken for a scan."""
        what = self.tr("keys")
        self._add(f"{clock(time.time())}  {what:<5}  {visible_controls(burst.text)}")
        self._add(INDENT + self.tr("timing: %1").replace("%1", gap_words(burst.gaps_ms)))
        if burst.taken_for_scanner:
            self.reads += 1
            self._add(INDENT + self.tr("taken for a scanner: %1").replace("%1", burst.reason))
            raw = scan_text(burst, config)
            self._add(f"{INDENT}→ {explain_read(raw).summary}")
        else:
            self._add(INDENT + self.tr("not a scanner: %1").replace("%1", burst.reason))


def scan_text(burst: WedgeBurst, config: ScannerConfig | None) -> str:
    """The scan a burst taken for a scanner makes: its keys without the prefix and the terminator."""
    text = burst.text
    if config is None:
        return text.rstrip("\r\n")
    if config.prefix is not None:
        text = text.removeprefix(config.prefix)
    end = _TERMINATOR_TEXT.get(config.terminator, "")
    return text.removesuffix(end) if end else text


def watch_source(
    source: StreamSource, config: ScannerConfig, fnc1_substitutes: Sequence[str] = (), *, bridge: Bridge | None = None
) -> LiveView:
    """The live view of a running serial or socket scanner: a tap on its reader; its scans are still received."""
    view = LiveView(
        qt.QCoreApplication.translate("LiveView", "Live view of %1").replace("%1", config.name),
        qt.QCoreApplication.translate(
            "LiveView",
            "Scanner %1 is running: the view listens in on it, and its scans are still received as usual.",
        ).replace("%1", repr(config.name)),
    )
    view.show_status(source.status)
    remove = source.add_tap(view.relay.monitor_event.emit, fnc1_substitutes=fnc1_substitutes)

    def status_changed(status: ScannerStatus) -> None:
        if status.name == config.name:
            view.show_status(status)

    def stop() -> None:
        remove()
        if bridge is not None:
            bridge.scanner_status.disconnect(status_changed)

    if bridge is not None:
        bridge.scanner_status.connect(status_changed)
    view.watch(stop)
    return view


def watch_port(
    config: ScannerConfig, fnc1_substitutes: Sequence[str] = (), *, list_ports: PortLister | None = None
) -> LiveView:
    """The live view of a port no running scanner holds: opened for the view only, nothing it reads is received."""
    where = config.url if config.type == "socket" else (config.port or config.name)
    view = LiveView(
        qt.QCoreApplication.translate("LiveView", "Live view of %1").replace("%1", str(where)),
        qt.QCoreApplication.translate(
            "LiveView",
            "%1 is opened for this view only: what it reads is shown here and never received as a parcel.",
        ).replace("%1", str(where)),
    )
    monitor = PortMonitor(
        replace(config, enabled=True),
        view.relay.monitor_event.emit,
        view.relay.status.emit,
        fnc1_substitutes=fnc1_substitutes,
        list_ports=list_ports,
    )
    monitor.start()
    view.watch(monitor.stop)
    return view


def watch_wedge(wedge: KeyboardWedge, config: ScannerConfig) -> LiveView:
    """The live view of the keyboard: every burst of keys, a scanner's or a person's, with the wedge's reasons."""
    view = LiveView(
        qt.QCoreApplication.translate("LiveView", "Live view of %1").replace("%1", config.name),
        qt.QCoreApplication.translate(
            "LiveView",
            "Keyboard-wedge scanner %1: scan into any window of the station; each burst of keys is shown with "
            "its timing and whether the station took it for a scanner (scans are still received).",
        ).replace("%1", repr(config.name)),
    )
    view.show_status(wedge.status)

    def shown(burst: WedgeBurst) -> None:
        if burst.scanner in (None, config.name):
            view.show_burst(burst, config)

    view.watch(wedge.add_observer(shown))
    return view


__all__ = ["INDENT", "LiveView", "clock", "scan_text", "watch_port", "watch_source", "watch_wedge"]
