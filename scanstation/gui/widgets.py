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
