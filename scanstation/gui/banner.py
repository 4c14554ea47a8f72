"""The verdict banner: colour, one big word, the suite in the largest type, the next action, service badges."""

from __future__ import annotations

from scanstation.gui import qt
from scanstation.gui.texts import COLOURS, BannerText, Service


def _font(points: float, bold: bool = True) -> qt.QFont:
    font = qt.QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


class ServiceBadge(qt.QFrame):
    """One requested service: a loud badge word and, under it, what to do."""

    def __init__(self, svc: Service, scale: float, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serviceBadge")
        self.setStyleSheet(
            "#serviceBadge { background: #ffffff; border: 6px solid #0d47a1; border-radius: 14px; }"
            " QLabel { color: #0d47a1; background: transparent; }"
        )
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(18, 8, 18, 8)
        layout.setSpacing(0)
        self.badge = qt.QLabel(svc.badge)
        self.badge.setFont(_font(30 * scale))
        self.badge.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.badge)
        self.action = qt.QLabel(svc.action)
        self.action.setFont(_font(16 * scale, bold=False))
        self.action.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        self.action.setVisible(bool(svc.action))
        layout.addWidget(self.action)


class VerdictBanner(qt.QFrame):
    """Shows one BannerText; `flash()` blinks it when no sound can be played."""

    FLASH_TOGGLES = 6  # three on/off cycles
    FLASH_INTERVAL_MS = 110

    def __init__(self, scale: float = 1.0, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setFrameShape(qt.QFrame.Shape.NoFrame)
        self.setSizePolicy(qt.QSizePolicy.Policy.Expanding, qt.QSizePolicy.Policy.Expanding)
        self._scale = scale
        self._text: BannerText | None = None
        self._inverted = False
        self._flash_left = 0
        self.flash_count = 0  # how many flashes started; the clerk sees them, tests read them
        self._flash_timer = qt.QTimer(self)
        self._flash_timer.setInterval(self.FLASH_INTERVAL_MS)
        self._flash_timer.timeout.connect(self._flash_step)

        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(28, 16, 28, 16)
        layout.setSpacing(4)
        self.word = self._label(44, "word")
        self.big = self._label(120, "big")
        self.action = self._label(30, "action")
        self.action.setWordWrap(True)
        layout.addWidget(self.word)
        layout.addWidget(self.big, 1)
        layout.addWidget(self.action)
        self.details = self._label(22, "details", bold=False)
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        self._badges = qt.QHBoxLayout()
        self._badges.setSpacing(16)
        layout.addLayout(self._badges)
        self.notice = self._label(20, "notice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)

    def _label(self, points: float, name: str, bold: bool = True) -> qt.QLabel:
        label = qt.QLabel()
        # Text must never widen the window: long numbers shrink to fit (see _fit_big), the rest wraps.
        label.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Preferred)
        label.setObjectName(name)
        label.setFont(_font(points * self._scale, bold))
        label.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        label.setTextInteractionFlags(qt.Qt.TextInteractionFlag.NoTextInteraction)
        return label

    @property
    def current(self) -> BannerText | None:
        return self._text

    @property
    def flashing(self) -> bool:
        return self._flash_timer.isActive()

    def services(self) -> list[ServiceBadge]:
        return [w for w in self.findChildren(ServiceBadge) if w.parent() is self]

    def show_text(self, text: BannerText) -> None:
        self._text = text
        self._flash_timer.stop()
        self._inverted = False
        self.word.setText(text.word)
        self.big.setText(text.big)
        self.big.setVisible(bool(text.big))
        self._fit_big()
        self.action.setText(text.action)
        self.details.setText("\n".join(text.details))
        self.details.setVisible(bool(text.details))
        while self._badges.count():
            item = self._badges.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
                widget.setParent(None)
        for svc in text.services:
            self._badges.addWidget(ServiceBadge(svc, self._scale, self))
        self.notice.setText(text.notice)
        self.notice.setVisible(bool(text.notice))
        self._paint()

    BIG_POINTS = 120.0
    MIN_BIG_POINTS = 24.0

    def _fit_big(self) -> None:
        """The largest type (up to BIG_POINTS) in which the suite or number fits the banner's width."""
        text = self.big.text()
        available = max(100, self.width() - 60)
        points = self.BIG_POINTS * self._scale
        font = _font(points)
        width = qt.QFontMetricsF(font).horizontalAdvance(text) if text else 0.0
        if width > available:
            points = max(self.MIN_BIG_POINTS, points * available / width)
            font = _font(points)
        self.big.setFont(font)

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_big()

    def flash(self) -> None:
        """Blink between the outcome colour and its inverse: the visual stand-in for the sound."""
        self.flash_count += 1
        self._flash_left = self.FLASH_TOGGLES
        self._inverted = True
        self._paint()
        self._flash_timer.start()

    def _flash_step(self) -> None:
        self._flash_left -= 1
        self._inverted = not self._inverted if self._flash_left > 0 else False
        self._paint()
        if self._flash_left <= 0:
            self._flash_timer.stop()

    def background(self) -> str:
        key = self._text.key if self._text else "idle"
        bg, fg = COLOURS.get(key, COLOURS["idle"])
        return fg if self._inverted else bg

    def _paint(self) -> None:
        key = self._text.key if self._text else "idle"
        bg, fg = COLOURS.get(key, COLOURS["idle"])
        if self._inverted:
            bg, fg = fg, bg
        self.setStyleSheet(
            f"#verdictBanner {{ background: {bg}; border-radius: 18px; }}"
            f" #verdictBanner > QLabel {{ color: {fg}; background: transparent; }}"
        )
