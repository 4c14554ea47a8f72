"""Each outcome's own shape, drawn with QPainter, so the verdict is told apart without its colour."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from scanstation.domain import Outcome
from scanstation.gui import qt

# Which shape each banner key draws; a key without one (the idle banner) draws nothing.
SHAPES: Final[dict[str, str]] = {
    Outcome.MATCHED: "check",  # done: on the shelf
    Outcome.DUPLICATE: "repeat",  # seen before
    Outcome.UNKNOWN: "question",  # whose is it?
    Outcome.AMBIGUOUS: "fork",  # one of several
    Outcome.NOT_EXPECTED: "stop",  # do not shelve
    Outcome.INVALID: "broken",  # a barcode that did not read
    "undone": "undo",
    "error": "warning",
    "complete": "boxes",  # every parcel of an order is here
}

_STROKE: Final = 9.0  # in the 100-unit box every shape is drawn in


def _pen(colour: qt.QColor, width: float = _STROKE) -> qt.QPen:
    pen = qt.QPen(colour, width)
    pen.setCapStyle(qt.Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(qt.Qt.PenJoinStyle.RoundJoin)
    return pen


def _arrowhead(p: qt.QPainter, base: qt.QPointF, angle: float, size: float = 24.0) -> None:
    """A filled arrowhead standing on `base` and pointing along `angle` (radians, Qt's y downwards)."""
    dx, dy = math.cos(angle), math.sin(angle)
    tip = qt.QPointF(base.x() + size * dx, base.y() + size * dy)
    half = size * 0.62
    left = qt.QPointF(base.x() - half * dy, base.y() + half * dx)
    right = qt.QPointF(base.x() + half * dy, base.y() - half * dx)
    ink = p.pen().color()
    p.save()
    p.setPen(qt.Qt.PenStyle.NoPen)
    p.setBrush(ink)
    p.drawPolygon(qt.QPolygonF([tip, left, right]))
    p.restore()


def _check(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 7))
    p.drawEllipse(qt.QRectF(5, 5, 90, 90))
    p.setPen(_pen(fg, 13))
    p.drawPolyline(qt.QPolygonF([qt.QPointF(27, 52), qt.QPointF(44, 69), qt.QPointF(74, 34)]))


def _repeat(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 11))
    box = qt.QRectF(14, 14, 72, 72)
    start, span = 100.0, 260.0  # Qt's degrees: counter-clockwise from three o'clock
    p.drawArc(box, int(start * 16), int(span * 16))
    end = math.radians(start + span)
    base = qt.QPointF(50 + 36 * math.cos(end), 50 - 36 * math.sin(end))
    # The tangent of a counter-clockwise arc, in Qt's downward y.
    _arrowhead(p, base, math.atan2(-math.cos(end), -math.sin(end)), 26)


def _question(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 7))
    p.drawRoundedRect(qt.QRectF(6, 6, 88, 88), 10, 10)  # the box nobody has claimed
    p.setPen(_pen(fg, 12))
    p.drawArc(qt.QRectF(32, 18, 36, 34), -60 * 16, 240 * 16)
    hook_end = math.radians(-60)
    start = qt.QPointF(50 + 18 * math.cos(hook_end), 35 - 17 * math.sin(hook_end))
    p.drawLine(start, qt.QPointF(50, 62))
    p.setPen(qt.Qt.PenStyle.NoPen)
    p.setBrush(fg)
    p.drawEllipse(qt.QPointF(50, 79), 7.5, 7.5)
    p.setBrush(qt.Qt.BrushStyle.NoBrush)


def _fork(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 11))
    p.drawLine(qt.QPointF(50, 94), qt.QPointF(50, 58))
    for x in (24.0, 76.0):
        end = qt.QPointF(x, 28)
        p.drawLine(qt.QPointF(50, 58), end)
        _arrowhead(p, end, math.atan2(28 - 58, x - 50), 24)


def _stop(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    points = [
        qt.QPointF(50 + 47 * math.cos(math.radians(22.5 + 45 * i)), 50 + 47 * math.sin(math.radians(22.5 + 45 * i)))
        for i in range(8)
    ]
    p.setPen(qt.Qt.PenStyle.NoPen)
    p.setBrush(fg)
    p.drawPolygon(qt.QPolygonF(points))
    p.setBrush(bg)
    p.drawRoundedRect(qt.QRectF(18, 41, 64, 18), 4, 4)  # the bar of a no-entry sign
    p.setBrush(qt.Qt.BrushStyle.NoBrush)


def _broken(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(qt.Qt.PenStyle.NoPen)
    p.setBrush(fg)
    x = 8.0
    for width in (6, 3, 9, 3, 5, 10, 3, 6, 4, 8):
        p.drawRect(qt.QRectF(x, 12, width, 76))
        x += width + 4
    # The tear across the bars: a zigzag in the banner's own colour.
    p.setPen(_pen(bg, 10))
    p.drawPolyline(
        qt.QPolygonF(
            [qt.QPointF(0, 58), qt.QPointF(25, 40), qt.QPointF(45, 60), qt.QPointF(70, 38), qt.QPointF(100, 56)]
        )
    )
    p.setBrush(qt.Qt.BrushStyle.NoBrush)


def _undo(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 11))
    path = qt.QPainterPath(qt.QPointF(30, 36))
    path.lineTo(62, 36)
    path.cubicTo(qt.QPointF(92, 36), qt.QPointF(92, 84), qt.QPointF(62, 84))
    path.lineTo(34, 84)
    p.drawPath(path)
    _arrowhead(p, qt.QPointF(12, 36), math.pi, 26)


def _warning(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 8))
    p.drawPolygon(qt.QPolygonF([qt.QPointF(50, 8), qt.QPointF(94, 90), qt.QPointF(6, 90)]))
    p.setPen(_pen(fg, 11))
    p.drawLine(qt.QPointF(50, 38), qt.QPointF(50, 62))
    p.drawPoint(qt.QPointF(50, 77))


def _boxes(p: qt.QPainter, fg: qt.QColor, bg: qt.QColor) -> None:
    p.setPen(_pen(fg, 6))
    for box in (qt.QRectF(8, 52, 40, 40), qt.QRectF(52, 52, 40, 40), qt.QRectF(30, 10, 40, 40)):
        p.drawRect(box)
    p.setPen(_pen(fg, 8))
    p.drawPolyline(qt.QPolygonF([qt.QPointF(38, 30), qt.QPointF(47, 40), qt.QPointF(63, 20)]))


_DRAW: Final[dict[str, Callable[[qt.QPainter, qt.QColor, qt.QColor], None]]] = {
    "check": _check,
    "repeat": _repeat,
    "question": _question,
    "fork": _fork,
    "stop": _stop,
    "broken": _broken,
    "undo": _undo,
    "warning": _warning,
    "boxes": _boxes,
}


def draw_shape(painter: qt.QPainter, shape: str, rect: qt.QRectF, fg: str, bg: str) -> None:
    """Draw `shape` in `fg` into the square centred in `rect`; `bg` is the colour cut out of it."""
    draw = _DRAW.get(shape)
    if draw is None:
        return
    side = min(rect.width(), rect.height())
    painter.save()
    painter.setRenderHint(qt.QPainter.RenderHint.Antialiasing)
    painter.translate(rect.center().x() - side / 2, rect.center().y() - side / 2)
    painter.scale(side / 100.0, side / 100.0)
    draw(painter, qt.QColor(fg), qt.QColor(bg))
    painter.restore()


class ShapeIcon(qt.QWidget):
    """One outcome's shape, as large as the widget; the colours are the banner's."""

    def __init__(self, side: int, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(side, side)
        self.shape = ""
        self._fg = "#000000"
        self._bg = "#ffffff"

    def show_shape(self, shape: str, fg: str, bg: str) -> None:
        self.setVisible(bool(shape))
        if (shape, fg, bg) != (self.shape, self._fg, self._bg):
            self.shape, self._fg, self._bg = shape, fg, bg
            self.update()

    def paintEvent(self, event: qt.QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = qt.QPainter(self)
        draw_shape(painter, self.shape, qt.QRectF(self.rect()), self._fg, self._bg)
        painter.end()
