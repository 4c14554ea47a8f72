"""The status bar: each scanner's state, sync, scans waiting to be recorded, the supervisor's queue, sound, who.

The bar is a row of parts laid out the same way (`StatusPart`): plain text that elides when the row is short,
a separator between parts, a warning block for what a clerk must not miss, and a click that shows the part's
whole text (with the device's or the server's own words) in a popup above it. Another part joins the row
through `StationStatusBar.add_part`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

from scanstation.domain import ReceivingStatus, ScannerState, ScannerStatus, SyncState, SyncStatus
from scanstation.gui import qt
from scanstation.gui.clerk.waiting import WaitingCount
from scanstation.gui.session import Login
from scanstation.gui.sound import Sounds
from scanstation.gui.texts import local_time
from scanstation.gui.widgets import font

Kind = Literal["plain", "muted", "ok", "warning", "alarm"]
# Text colour, block colour (None: no block) and the sign drawn before the words, per kind of part.
_LOOKS: Final[dict[str, tuple[str, str | None, str]]] = {
    "plain": ("#1a1a1a", None, ""),
    "muted": ("#555555", None, ""),
    "ok": ("#1b6e2a", None, "●"),
    "warning": ("#111111", "#ffb300", "⚠"),
    "alarm": ("#ffffff", "#b71c1c", "⚠"),
}
_SEPARATOR: Final = "#9e9e9e"
_KEEP: Final = 4  # characters of a part shown however short the row is
POPUP_MS: Final = 12_000  # a part's whole text stays up this long, or until clicked


class StatusPart(qt.QLabel):
    """One part of the status bar: plain text, elided to the room it gets, painted in the look of its kind.

    `text()` is always the whole line (plain text, never markup); `detail` holds more lines (a device's or a
    server's own words) that only the popup shows. What is drawn is `shown_text()`.
    """

    clicked = qt.Signal()

    def __init__(self, name: str, scale: float) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setTextFormat(qt.Qt.TextFormat.PlainText)
        self.setFont(font(12 * scale, bold=True))
        self._kind: Kind = "plain"
        self._detail: tuple[str, ...] = ()
        self._keep = _KEEP
        self._pad = round(5 * scale)
        self.setCursor(qt.Qt.CursorShape.PointingHandCursor)
        # Shrinks to its minimum (a few characters) when the row is short, never past it.
        self.setSizePolicy(qt.QSizePolicy.Policy.Preferred, qt.QSizePolicy.Policy.Fixed)
        self.setVisible(False)

    def show_state(self, text: str, kind: Kind = "plain", detail: Iterable[str] = (), keep: int = 0) -> None:
        """Show `text` in the look of `kind`, with `detail` for the popup; no text hides the part.

        The first `keep` characters are never elided (a warning's key words; by default a few characters), so
        when the row is short the plain parts give way first.
        """
        detail = tuple(line for line in detail if line and line not in text)  # each word once
        keep = keep or _KEEP
        unchanged = (text, kind, detail, keep) == (self.text(), self._kind, self._detail, self._keep)
        if unchanged and self.isHidden() != bool(text):
            return
        self._kind, self._detail, self._keep = kind, detail, keep
        self.setText(text)
        self.setVisible(bool(text))
        self.updateGeometry()
        self.update()

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def block(self) -> str | None:
        """The colour of its warning block, or None (tests check that a warning cannot be missed)."""
        return _LOOKS[self._kind][1]

    def whole_text(self) -> str:
        """The line and its detail, as the popup shows them."""
        return "\n".join((self.text(), *self._detail))

    def _sign(self) -> str:
        sign = _LOOKS[self._kind][2]
        return f"{sign} " if sign else ""

    def _room(self) -> int:
        """Pixels left for the words once the padding and the sign are drawn."""
        metrics = qt.QFontMetricsF(self.font())
        return max(0, self.width() - 2 * self._pad - round(metrics.horizontalAdvance(self._sign())))

    def shown_text(self) -> str:
        """The words as drawn: the whole line, or elided with "…" when the part is given less room."""
        metrics = qt.QFontMetricsF(self.font())
        return metrics.elidedText(self.text(), qt.Qt.TextElideMode.ElideRight, self._room())

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def sizeHint(self) -> qt.QSize:  # noqa: N802 - Qt override
        metrics = qt.QFontMetricsF(self.font())
        words = metrics.horizontalAdvance(self._sign() + self.text())
        return qt.QSize(round(words) + 2 * self._pad + 2, round(metrics.height()) + 8)

    def minimumSizeHint(self) -> qt.QSize:  # noqa: N802 - Qt override
        metrics = qt.QFontMetricsF(self.font())
        kept = self.text()[: self._keep]
        least = metrics.horizontalAdvance(self._sign() + kept + ("…" if kept != self.text() else ""))
        hint = self.sizeHint()
        return qt.QSize(min(hint.width(), round(least) + 2 * self._pad + 2), hint.height())

    def paintEvent(self, event: qt.QPaintEvent) -> None:  # noqa: N802 - Qt override
        colour, block, _sign = _LOOKS[self._kind]
        painter = qt.QPainter(self)
        rect = self.rect()
        if block is not None:
            painter.fillRect(rect.adjusted(1, 1, -1, -1), qt.QColor(block))
        elif self._has_left_neighbour():
            painter.setPen(qt.QColor(_SEPARATOR))
            painter.drawLine(0, rect.top() + 3, 0, rect.bottom() - 3)
        painter.setPen(qt.QColor(colour))
        painter.setFont(self.font())
        inner = rect.adjusted(self._pad, 0, -self._pad, 0)
        flags = int(qt.Qt.AlignmentFlag.AlignLeft | qt.Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(inner, flags, self._sign() + self.shown_text())
        painter.end()

    def _has_left_neighbour(self) -> bool:
        parent = self.parentWidget()
        if parent is None:
            return False
        return any(
            isinstance(other, StatusPart) and other.isVisible() and other.x() < self.x() for other in parent.children()
        )

    def mousePressEvent(self, event: qt.QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == qt.Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)


class PartPopup(qt.QLabel):
    """Words laid over the window just above what they are about (a part of the bar, the undo button).

    Gone on a click or in time.

    A child of the window, not a window of its own: it takes no keyboard focus, and stays on screen in a
    full-screen or kiosk window, whatever the window manager does with tool windows.
    """

    def __init__(
        self,
        scale: float,
        name: str = "statusPopup",
        style: str = "background: #fffde7; color: #111; border: 2px solid #333; padding: 8px;",
        shown_ms: int = POPUP_MS,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setTextFormat(qt.Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setFont(font(15 * scale, bold=True))
        self.setStyleSheet(style)
        self.setVisible(False)
        self._timer = qt.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(shown_ms)
        self._timer.timeout.connect(self.hide)
        self.part: StatusPart | None = None
        self._anchor: qt.QWidget | None = None
        self._right = False

    def show_part(self, part: StatusPart, at: qt.QWidget | None = None) -> None:
        """The part's whole text just above the part (or above `at`), within the window."""
        self.show_words(part.whole_text(), at or part)
        self.part = part

    def show_words(self, words: str, anchor: qt.QWidget, *, right: bool = False) -> None:
        """`words` just above `anchor` (its right edges lined up when `right`), within the window."""
        top = anchor.window()
        old = self.parentWidget()
        if old is not top:
            if old is not None:
                old.removeEventFilter(self)
            self.setParent(top)
            top.installEventFilter(self)  # placed again when the window is resized
        self.part = None
        self._anchor, self._right = anchor, right
        self.setText(words)
        self._place()
        self.show()
        self.raise_()
        self._timer.start()

    def _place(self) -> None:
        anchor, top = self._anchor, self.parentWidget()
        if anchor is None or top is None:
            return
        left = anchor.mapTo(top, qt.QPoint(0, 0))
        room = max(200, top.width() - 16)
        # As wide as its longest line (a word-wrapped label would ask for a narrow column), the window at most.
        metrics = qt.QFontMetricsF(self.font())
        natural = max(metrics.horizontalAdvance(line) for line in self.text().split("\n"))
        margins = self.contentsMargins()
        self.setFixedWidth(min(room, round(natural) + margins.left() + margins.right() + 24))
        self.setFixedHeight(self.heightForWidth(self.width()))
        x = left.x() + anchor.width() - self.width() if self._right else left.x()
        x = max(8, min(x, top.width() - self.width() - 8))
        self.move(x, max(0, left.y() - self.height() - 4))

    def eventFilter(self, watched: qt.QObject, event: qt.QEvent) -> bool:  # noqa: N802 - Qt override
        moved = event.type() in (qt.QEvent.Type.LayoutRequest, qt.QEvent.Type.Resize)
        if moved and self.isVisible():
            qt.QTimer.singleShot(0, self._place)  # after the window's layout has moved the anchor
        return False

    def mousePressEvent(self, event: qt.QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.hide()
        event.accept()


class StationStatusBar(qt.QStatusBar):
    """The parts in one row (scanners, sync, recording, sound, operator), then the buttons."""

    def __init__(self, scale: float, sounds: Sounds, scanner_names: tuple[str, ...]) -> None:
        super().__init__()
        # As QMainWindow.statusBar() makes its own: the status texts never set the window's minimum width.
        self.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Fixed)
        self.setSizeGripEnabled(False)
        self._scale = scale
        self._sounds = sounds
        self._scanner_states: dict[str, ScannerStatus | None] = {name: None for name in scanner_names}
        self._sync: SyncStatus | None = None
        self._login: Login | None = None
        self._waiting = 0
        self._supervisor: WaitingCount | None = None
        self.setFont(font(13 * scale))
        self.parts: list[StatusPart] = []
        self.popup = PartPopup(scale)
        self.say_part = StatusPart("said", scale)  # never in the row: what `say` shows in the popup
        self.say_part.setParent(self)
        self.scanner_parts: dict[str, StatusPart] = {}
        self.no_scanners = self.add_part(StatusPart("noScanners", scale))
        for name in scanner_names:
            self._scanner_part(name)
        self.sync_label = self.add_part(StatusPart("syncState", scale))
        self.events_label = self.add_part(StatusPart("eventsWaiting", scale))
        self.rejected_label = self.add_part(StatusPart("eventsRejected", scale))
        self.waiting_label = self.add_part(StatusPart("scansWaiting", scale))
        # How many exceptions wait for a supervisor: information for the clerk, in the bar's own calm colours.
        self.supervisor_label = self.add_part(StatusPart("supervisorWaiting", scale))
        self.sound_label = self.add_part(StatusPart("sound", scale))
        self.operator_label = self.add_part(StatusPart("operator", scale))
        self.language_button = qt.QToolButton()
        self.logout_button = qt.QToolButton()
        # Shown by role on every log-in and log-out; the core checks the role again when they are used.
        self.settings_button = qt.QToolButton()
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setVisible(False)
        self.audit_button = qt.QToolButton()
        self.audit_button.setObjectName("auditButton")
        self.audit_button.setVisible(False)
        self.supervisor_button = qt.QToolButton()
        self.supervisor_button.setObjectName("supervisorButton")
        self.supervisor_button.setVisible(False)
        for button in (
            self.supervisor_button,
            self.audit_button,
            self.settings_button,
            self.logout_button,
            self.language_button,
        ):
            button.setFocusPolicy(qt.Qt.FocusPolicy.NoFocus)  # a click leaves the keys with the entry
            self.addPermanentWidget(button)
        sounds.availability_changed.connect(lambda _ok: self._update_sound())

    def add_part(self, part: StatusPart, stretch: int = 0) -> StatusPart:
        """Put a part at the end of the row (before the buttons); its click shows its whole text."""
        self.parts.append(part)
        self.addWidget(part, stretch)
        part.clicked.connect(lambda: self.show_whole(part))
        return part

    def _scanner_part(self, name: str) -> StatusPart:
        part = self.scanner_parts.get(name)
        if part is None:
            part = StatusPart("scanner", self._scale)
            index = len(self.scanner_parts) + 1  # after "no scanners", after the scanners before it
            self.scanner_parts[name] = part
            self.parts.insert(index, part)
            self.insertWidget(index, part)
            part.clicked.connect(lambda: self.show_whole(part))
        return part

    def show_whole(self, part: StatusPart) -> None:
        """A click on a part: its whole text above the bar; a second click on it takes it away."""
        if self.popup.isVisible() and self.popup.part is part:
            self.popup.hide()
            return
        self.popup.show_part(part)

    def say(self, words: str) -> None:
        """Words for the clerk in the popup above the bar (a refusal that has no place of its own)."""
        self.say_part.setText(words)
        self.popup.show_part(self.say_part, at=self)

    def texts(self) -> list[str]:
        """Every part's line on show, left to right."""
        return [part.text() for part in self.parts if not part.isHidden()]

    def retranslate(self, language: str) -> None:
        # Short words, the keys in the tooltip: with every role's button the bar still fits a 1280 screen.
        for button, word, whole in (
            (
                self.logout_button,
                qt.QCoreApplication.translate("StationWindow", "Log out"),
                qt.QCoreApplication.translate("StationWindow", "Log out (Ctrl+L)"),
            ),
            (
                self.settings_button,
                qt.QCoreApplication.translate("StationWindow", "Settings"),
                qt.QCoreApplication.translate("StationWindow", "Settings (Ctrl+,)"),
            ),
            (
                self.audit_button,
                qt.QCoreApplication.translate("StationWindow", "Audit"),
                qt.QCoreApplication.translate("StationWindow", "Audit trail"),
            ),
            (
                self.supervisor_button,
                qt.QCoreApplication.translate("StationWindow", "Desk"),
                qt.QCoreApplication.translate("StationWindow", "Supervisor's desk (Ctrl+Shift+S)"),
            ),
        ):
            button.setText(word)
            button.setToolTip(whole)
        # In the language it switches to, so either reader finds it.
        self.language_button.setText("RU" if language == "en" else "EN")
        self.language_button.setToolTip("Русский (F9)" if language == "en" else "English (F9)")
        self._update_operator()
        self._update_scanners()
        self._update_sync()
        self._update_sound()
        self._update_waiting()
        self._update_supervisor()

    def show_scanner(self, status: ScannerStatus) -> None:
        self._scanner_states[status.name] = status
        self._update_scanners()

    def show_sync(self, status: SyncStatus) -> None:
        self._sync = status
        self._update_sync()

    def show_operator(self, login: Login | None) -> None:
        self._login = login
        self._update_operator()

    def show_receiving(self, status: ReceivingStatus) -> None:
        self._waiting = status.waiting
        self._update_waiting()

    def show_supervisor_waiting(self, count: WaitingCount) -> None:
        self._supervisor = count
        self._update_supervisor()

    def _update_supervisor(self) -> None:
        count = self._supervisor
        if count is None:  # not counted yet (or no database to count in)
            return
        shown = f"{count.total}+" if count.more else str(count.total)
        self.supervisor_label.show_state(
            qt.QCoreApplication.translate("StationWindow", "waiting for a supervisor: %1").replace("%1", shown)
        )

    def _update_operator(self) -> None:
        if self._login is None:
            self.operator_label.show_state(qt.QCoreApplication.translate("StationWindow", "nobody logged in"), "muted")
            self.logout_button.setVisible(False)
        else:
            words = qt.QCoreApplication.translate("StationWindow", "Operator: %1")
            self.operator_label.show_state(
                words.replace("%1", self._login.display_name),
                detail=(self._login.name,),
                keep=words.index("%1") + 4,  # who, even when the bar is short
            )
            self.logout_button.setVisible(True)

    def _update_waiting(self) -> None:
        text = qt.QCoreApplication.translate("StationWindow", "Scans waiting to be recorded: %1").replace(
            "%1", str(self._waiting)
        )
        self.waiting_label.show_state(text if self._waiting > 0 else "", "alarm", keep=len(text))

    def _update_scanners(self) -> None:
        self.no_scanners.show_state(
            ""
            if self._scanner_states
            else qt.QCoreApplication.translate("StationWindow", "no scanners configured (typed entry only)"),
            "muted",
        )
        for name, status in self._scanner_states.items():
            state = status.state if status is not None else None
            words = f"{name}: {_scanner_state_word(state)}"
            head = len(words)
            message = status.message if status is not None else None
            kind: Kind = "muted"
            detail = [message or ""]
            if state is ScannerState.CONNECTED:
                kind = "ok"
            elif state in (ScannerState.DISCONNECTED, ScannerState.ERROR):
                kind = "alarm"
                if message:  # the reason on screen, not only in a tooltip nobody hovers from the dock
                    words = f"{words}: {message}"
                    detail = []
            detail.append(status.device or "" if status is not None else "")
            self._scanner_part(name).show_state(words, kind, detail, keep=head if kind == "alarm" else 0)

    def _update_sync(self) -> None:
        st = self._sync
        if st is None:
            self.sync_label.show_state(qt.QCoreApplication.translate("StationWindow", "Sync: starting"), "muted")
            for part in (self.events_label, self.rejected_label):
                part.show_state("")
            return
        state = st.state
        words = {
            SyncState.ONLINE: qt.QCoreApplication.translate("StationWindow", "online"),
            SyncState.OFFLINE: qt.QCoreApplication.translate("StationWindow", "OFFLINE"),
            SyncState.TOKEN_REJECTED: qt.QCoreApplication.translate(
                "StationWindow", "TOKEN REJECTED: call the administrator"
            ),
            SyncState.DISABLED: qt.QCoreApplication.translate("StationWindow", "off (no server configured)"),
        }
        kinds: dict[SyncState, Kind] = {SyncState.ONLINE: "ok", SyncState.DISABLED: "muted"}
        kind = kinds.get(state, "alarm")
        if kind == "alarm":  # the words alone, in a red block: the bar has no room for a label before them
            line = words[state]
            head = len(line)
        else:
            line = qt.QCoreApplication.translate("StationWindow", "Sync: %1").replace("%1", words[state])
            head = 0
        if kind == "alarm" and st.last_error:
            line = f"{line}: {st.last_error}"  # the server's own words
        self.sync_label.show_state(line, kind, (st.last_error or "",), keep=head)
        rejected = qt.QCoreApplication.translate("StationWindow", "%1 rejected").replace("%1", str(st.rejected_count))
        self.rejected_label.show_state(
            rejected if st.rejected_count else "",
            "warning",
            (qt.QCoreApplication.translate("StationWindow", "the server refused them: a supervisor sees them"),),
            keep=len(rejected),
        )
        last = max((t for t in (st.last_pull_at, st.last_push_at) if t), default=None)
        waiting = qt.QCoreApplication.translate("StationWindow", "%1 events waiting").replace(
            "%1", str(st.events_waiting)
        )
        when = qt.QCoreApplication.translate("StationWindow", "last sync %1").replace(
            "%1", local_time(last) if last else qt.QCoreApplication.translate("StationWindow", "never")
        )
        self.events_label.show_state(f"{waiting} · {when}", "muted")

    def _update_sound(self) -> None:
        if self._sounds.available:
            self.sound_label.show_state("")
        else:
            self.sound_label.show_state(
                qt.QCoreApplication.translate("StationWindow", "no sound: flashing"), detail=(self._sounds.reason,)
            )


def _scanner_state_word(state: ScannerState | None) -> str:
    """The state in the clerk's words; None is a scanner that has not reported yet."""
    if state is None:
        return qt.QCoreApplication.translate("StationWindow", "starting")
    words = {
        ScannerState.CONNECTED: qt.QCoreApplication.translate("StationWindow", "connected"),
        ScannerState.CONNECTING: qt.QCoreApplication.translate("StationWindow", "connecting"),
        ScannerState.DISCONNECTED: qt.QCoreApplication.translate("StationWindow", "DISCONNECTED"),
        ScannerState.ERROR: qt.QCoreApplication.translate("StationWindow", "ERROR"),
        ScannerState.STOPPED: qt.QCoreApplication.translate("StationWindow", "stopped"),
    }
    return words[state]


__all__ = ["POPUP_MS", "PartPopup", "StationStatusBar", "StatusPart"]
