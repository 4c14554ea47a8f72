"""Labels that show text as it is: a customer name, a barcode or a server message never becomes markup."""

from __future__ import annotations

import html
from collections.abc import Iterable

from scanstation.gui import qt


def plain_label(text: str = "") -> qt.QLabel:
    """A QLabel that never interprets its text as rich text (Qt's default, AutoText, guesses)."""
    label = qt.QLabel(text)
    label.setTextFormat(qt.Qt.TextFormat.PlainText)
    return label


def escape(text: str) -> str:
    """Outside text made safe to put inside a label's own markup (quotes too, for attribute values)."""
    return html.escape(text, quote=True)


def plain_tooltip(lines: Iterable[str]) -> str:
    """A tooltip showing `lines` as they are: Qt guesses a tooltip's format, so it is made rich and escaped."""
    shown = [escape(line) for line in lines]
    return "<p style='white-space:pre-wrap'>" + "<br>".join(shown) + "</p>" if shown else ""
