"""The screen's bottom row: the log-in form, or the typed entry with the undo button once someone is logged in."""

from __future__ import annotations

from scanstation.gui import qt
from scanstation.gui.clerk.status import PartPopup
from scanstation.gui.plain import plain_label
from scanstation.gui.widgets import font


class EntryLine(qt.QLineEdit):
    """A line edit that hands Ctrl+Z to the station (undo last scan) instead of undoing its own text."""

    undo_requested = qt.Signal()

    def keyPressEvent(self, event: qt.QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.matches(qt.QKeySequence.StandardKey.Undo):
            self.undo_requested.emit()
            event.accept()
            return
        if event.key() == qt.Qt.Key.Key_Escape:
            self.clear()
            return
        super().keyPressEvent(event)


class LoginForm(qt.QWidget):
    """Name, PIN, the log-in button and the answer's words (which may carry a database's own message)."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        column = qt.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = qt.QHBoxLayout()
        self.name_label = plain_label()
        self.name_edit = qt.QLineEdit()
        self.name_edit.setObjectName("operatorName")
        self.pin_label = plain_label()
        self.pin_edit = qt.QLineEdit()
        self.pin_edit.setObjectName("operatorPin")
        self.pin_edit.setEchoMode(qt.QLineEdit.EchoMode.Password)
        self.button = qt.QPushButton()
        self.button.setObjectName("loginButton")
        self.error_label = plain_label()
        self.error_label.setObjectName("loginMessage")
        self.say("")
        for w in (self.name_label, self.name_edit, self.pin_label, self.pin_edit, self.button):
            w.setFont(font(18 * scale))
        self.error_label.setFont(font(16 * scale))
        row.addWidget(self.name_label)
        row.addWidget(self.name_edit, 2)
        row.addWidget(self.pin_label)
        row.addWidget(self.pin_edit, 1)
        row.addWidget(self.button)
        column.addLayout(row)
        # Below the fields, wrapped: a lock-out's words are long and must never squeeze the name field.
        self.error_label.setWordWrap(True)
        column.addWidget(self.error_label)
        self.name_edit.returnPressed.connect(self.pin_edit.setFocus)

    def say(self, text: str, *, hint: bool = False) -> None:
        """The answer beside the button: a refusal in red, or a hint (a badge's PIN asked) in blue."""
        self.error_label.setStyleSheet(f"color: {'#0d47a1' if hint else '#c62828'}; font-weight: bold;")
        self.error_label.setText(text)

    def retranslate(self) -> None:
        self.name_label.setText(qt.QCoreApplication.translate("StationWindow", "Name:"))
        self.pin_label.setText(qt.QCoreApplication.translate("StationWindow", "PIN:"))
        self.button.setText(qt.QCoreApplication.translate("StationWindow", "Log in"))


class EntryPanel(qt.QWidget):
    """The typed entry for a number from a torn label, its Enter button, and undo of the scan on screen.

    The buttons never take the keyboard focus: after a click with the mouse the next keys still reach the
    entry (a scanner in keyboard mode types there too).
    """

    def __init__(self, scale: float) -> None:
        super().__init__()
        row = qt.QHBoxLayout(self)  # one row: the Photo button joins it (gui/clerk/photo.py)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = plain_label()
        self.entry = EntryLine()
        self.entry.setObjectName("typedEntry")
        self.entry.setMaxLength(200)
        self.enter_button = qt.QPushButton()
        self.enter_button.setObjectName("enterButton")
        self.undo_button = qt.QPushButton()
        self.undo_button.setObjectName("undoButton")
        for w in (self.label, self.entry, self.enter_button, self.undo_button):
            w.setFont(font(18 * scale))
        for button in (self.enter_button, self.undo_button):
            button.setFocusPolicy(qt.Qt.FocusPolicy.NoFocus)
        row.addWidget(self.label)
        row.addWidget(self.entry, 3)
        row.addWidget(self.enter_button)
        row.addWidget(self.undo_button, 2)
        # Why Ctrl+Z did nothing, or the core's refusal: laid over the window just above the button (the row
        # keeps its height: at 1280x720 the banner needs every line), until the window takes it away.
        self.undo_note = PartPopup(
            scale,
            "undoNote",
            "background: #fff3e0; color: #8a2a00; border: 3px solid #e65100; padding: 6px 10px;",
            shown_ms=24 * 3600 * 1000,
        )
        self._undo: tuple[int | None, str] = (None, "")

    def retranslate(self) -> None:
        self.label.setText(qt.QCoreApplication.translate("StationWindow", "Number (F2):"))
        self.entry.setPlaceholderText(
            qt.QCoreApplication.translate("StationWindow", "type the number from a torn label, then Enter")
        )
        self.enter_button.setText(qt.QCoreApplication.translate("StationWindow", "Enter"))
        self.show_undo(*self._undo)

    def show_undo(self, seconds_left: int | None, why_not: str) -> None:
        """The undo button with the seconds left for the scan on screen, or disabled with why (`why_not`)."""
        self._undo = (seconds_left, why_not)
        if seconds_left is not None:
            self.undo_button.setEnabled(True)
            self.undo_button.setText(
                qt.QCoreApplication.translate("StationWindow", "Undo this scan (Ctrl+Z): %1 s").replace(
                    "%1", str(seconds_left)
                )
            )
        else:
            self.undo_button.setEnabled(False)
            self.undo_button.setText(why_not or qt.QCoreApplication.translate("StationWindow", "Undo (Ctrl+Z)"))

    def say_undo(self, words: str) -> None:
        """Words just above the undo button ("" takes them away)."""
        if not words:
            self.undo_note.hide()
        elif words != self.undo_note.text() or self.undo_note.isHidden():
            self.undo_note.show_words(words, self.undo_button, right=True)


__all__ = ["EntryLine", "EntryPanel", "LoginForm"]
