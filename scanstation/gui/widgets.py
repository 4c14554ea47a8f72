"""Small widgets every screen uses: fonts by point size, and bars of plain text that say what is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanstation.gui import qt
from scanstation.gui.plain import plain_label

# The mixin derives from QWidget for the type checker only: at run time it sits before the widget's own Qt
# class in the bases (`class AdminWindow(Retranslated, qt.QMainWindow)`), so super() reaches that class.
if TYPE_CHECKING:
    _Widget = qt.QWidget
else:
    _Widget = object


class Retranslated(_Widget):
    """A widget whose `retranslate()` sets every text again; it is called at each change of language."""

    def retranslate(self) -> None:
        raise NotImplementedError

    def changeEvent(self, event: qt.QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == qt.QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def font(points: float, bold: bool = False) -> qt.QFont:
    result = qt.QFont()
    result.setPointSizeF(points)
    result.setBold(bold)
    return result


def message_bar(name: str, points: float, style: str) -> qt.QLabel:
    """A full-width bar of plain text in words, hidden until there is something to say."""
    bar = plain_label()
    bar.setObjectName(name)
    bar.setFont(font(points, bold=True))
    bar.setWordWrap(True)
    bar.setStyleSheet(style)
    bar.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Minimum)
    bar.setVisible(False)
    return bar


__all__ = ["font", "message_bar"]


def warning_box(parent: qt.QWidget | None, title: str, words: str, name: str) -> qt.QMessageBox:
    """A warning in plain text (the words may name an operator or quote the core's refusal), shown without blocking."""
    box = qt.QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(qt.QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(qt.Qt.TextFormat.PlainText)
    box.setText(words)
    box.open()
    return box


def button_words(buttons: qt.QDialogButtonBox | qt.QMessageBox) -> None:
    """Qt's standard buttons in the station's words: Qt's own catalogue of them is not shipped with the station."""
    translate = qt.QCoreApplication.translate
    if isinstance(buttons, qt.QDialogButtonBox):
        box_words = {
            qt.QDialogButtonBox.StandardButton.Save: translate("Buttons", "&Save"),
            qt.QDialogButtonBox.StandardButton.Cancel: translate("Buttons", "Cancel"),
            qt.QDialogButtonBox.StandardButton.Ok: translate("Buttons", "OK"),
            qt.QDialogButtonBox.StandardButton.Close: translate("Buttons", "&Close"),
        }
        for which, text in box_words.items():
            if (button := buttons.button(which)) is not None:
                button.setText(text)
        return
    message_words = {
        qt.QMessageBox.StandardButton.Yes: translate("Buttons", "&Yes"),
        qt.QMessageBox.StandardButton.No: translate("Buttons", "&No"),
        qt.QMessageBox.StandardButton.Cancel: translate("Buttons", "Cancel"),
        qt.QMessageBox.StandardButton.Ok: translate("Buttons", "OK"),
        qt.QMessageBox.StandardButton.Close: translate("Buttons", "&Close"),
    }
    for answer, words in message_words.items():
        if (shown := buttons.button(answer)) is not None:
            shown.setText(words)
