"""The verdict banner: colour, one big word, the suite in the largest type, the next action, service badges."""

from __future__ import annotations

from scanstation.gui import qt
from scanstation.gui.plain import plain_label
from scanstation.gui.texts import COLOURS, BannerText, Service
from scanstation.gui.widgets import font

BADGE_COLOUR = "#0d47a1"


def _font(points: float, bold: bool = True) -> qt.QFont:
    """The banner's type is bold unless said otherwise."""
    return font(points, bold)


def _set_colour(widget: qt.QWidget, role: qt.QPalette.ColorRole, colour: str) -> None:
    palette = widget.palette()
    palette.setColor(role, qt.QColor(colour))
    widget.setPalette(palette)


class ServiceBadge(qt.QFrame):
    """One requested service: a loud badge word and, under it, what to do. Reused from verdict to verdict."""

    def __init__(self, scale: float, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serviceBadge")
        # A style sheet is set once per badge; changing style sheets per verdict re-polishes and is slow.
        self.setStyleSheet(
            f"#serviceBadge {{ background: #ffffff; border: 6px solid {BADGE_COLOUR}; border-radius: 14px; }}"
            f" QLabel {{ color: {BADGE_COLOUR}; background: transparent; }}"
        )
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(18, 8, 18, 8)
        layout.setSpacing(0)
        self._points = 30 * scale
        # Plain text: an unknown service code from the feed is shown as it came, never as markup.
        self.badge = plain_label()
        self.badge.setFont(_font(self._points))
        self.badge.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.badge)
        self.action = plain_label()
        self.action.setFont(_font(16 * scale, bold=False))
        self.action.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        self.action.setWordWrap(True)
        layout.addWidget(self.action)
        # Several badges share the banner's width; none may push the window wider than the screen.
        for label in (self.badge, self.action):
            label.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Preferred)

    def show_service(self, svc: Service) -> None:
        self.badge.setText(svc.badge)
        self.action.setText(svc.action)
        self.action.setVisible(bool(svc.action))
        self._fit()

    def _fit(self) -> None:
        """The badge word in its full size when it fits, smaller when several badges share the banner."""
        available = max(40, self.width() - 48)
        points = self._points
        width = qt.QFontMetricsF(_font(points)).horizontalAdvance(self.badge.text())
        if width > available:
            points = max(10.0, points * available / width)
        if abs(points - self.badge.font().pointSizeF()) > 0.01:
            self.badge.setFont(_font(points))

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()


class VerdictBanner(qt.QFrame):
    """Shows one BannerText; `flash()` blinks it when no sound can be played.

    The background is painted here and the text colour set through the palette: style sheets would be
    re-applied to every child on each change, which costs milliseconds per verdict and per flash step.
    """

    FLASH_TOGGLES = 6  # three on/off cycles
    FLASH_INTERVAL_MS = 110
    BIG_POINTS = 120.0
    MIN_BIG_POINTS = 24.0
    RADIUS = 18.0

    def __init__(self, scale: float = 1.0, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setFrameShape(qt.QFrame.Shape.NoFrame)
        self.setSizePolicy(qt.QSizePolicy.Policy.Expanding, qt.QSizePolicy.Policy.Expanding)
        self._scale = scale
        self._text: BannerText | None = None
        self._inverted = False
        self._colours = COLOURS["idle"]
        self._flash_left = 0
        self.flash_count = 0  # how many flashes started; the clerk sees them, tests read them
        self._flash_timer = qt.QTimer(self)
        self._flash_timer.setInterval(self.FLASH_INTERVAL_MS)
        self._flash_timer.timeout.connect(self._flash_step)
        self._big_points = 0.0
        self._applied_fg = ""

        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(28, 16, 28, 16)
        layout.setSpacing(4)
        self.word = self._label(44, "word")
        self.big = self._label(self.BIG_POINTS, "big")
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
        self._badge_pool: list[ServiceBadge] = []
        self.notice = self._label(20, "notice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        self._labels = (self.word, self.big, self.action, self.details, self.notice)

    def _label(self, points: float, name: str, bold: bool = True) -> qt.QLabel:
        # Plain text: the banner shows what the feed and the barcode hold, and a customer must never be
        # able to change what the clerk reads (a name like <font size=7>UN-6666</font> draws nothing but itself).
        label = plain_label()
        label.setObjectName(name)
        label.setFont(_font(points * self._scale, bold))
        label.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        label.setTextInteractionFlags(qt.Qt.TextInteractionFlag.NoTextInteraction)
        # Text must never widen the window: long numbers shrink to fit (see _fit_big), the rest wraps.
        label.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Preferred)
        return label

    @property
    def current(self) -> BannerText | None:
        return self._text

    @property
    def flashing(self) -> bool:
        return self._flash_timer.isActive()

    def services(self) -> list[ServiceBadge]:
        """The badges on show, left to right."""
        return [b for b in self._badge_pool if not b.isHidden()]

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
        while len(self._badge_pool) < len(text.services):
            badge = ServiceBadge(self._scale, self)
            self._badge_pool.append(badge)
            self._badges.addWidget(badge)
        for i, badge in enumerate(self._badge_pool):
            if i < len(text.services):
                badge.show_service(text.services[i])
                badge.setVisible(True)
            else:
                badge.setVisible(False)
        self.notice.setText(text.notice)
        self.notice.setVisible(bool(text.notice))
        self._apply_colours()

    def _fit_big(self) -> None:
        """The largest type (up to BIG_POINTS) in which the suite or number fits the banner's width."""
        text = self.big.text()
        available = max(100, self.width() - 60)
        points = self.BIG_POINTS * self._scale
        if text:
            width = qt.QFontMetricsF(_font(points)).horizontalAdvance(text)
            if width > available:
                points = max(self.MIN_BIG_POINTS, points * available / width)
        if abs(points - self._big_points) > 0.01:  # an unchanged font costs no relayout
            self._big_points = points
            self.big.setFont(_font(points))

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_big()

    def flash(self) -> None:
        """Blink between the outcome colour and its inverse: the visual stand-in for the sound."""
        self.flash_count += 1
        self._flash_left = self.FLASH_TOGGLES
        self._inverted = True
        self._apply_colours()
        self._flash_timer.start()

    def _flash_step(self) -> None:
        self._flash_left -= 1
        self._inverted = not self._inverted if self._flash_left > 0 else False
        self._apply_colours()
        if self._flash_left <= 0:
            self._flash_timer.stop()

    def background(self) -> str:
        """The colour the banner is painted in now (the inverse while a flash is on)."""
        bg, fg = self._colours
        return fg if self._inverted else bg

    def foreground(self) -> str:
        bg, fg = self._colours
        return bg if self._inverted else fg

    def _apply_colours(self) -> None:
        key = self._text.key if self._text else "idle"
        self._colours = COLOURS.get(key, COLOURS["idle"])
        fg = self.foreground()
        if fg != self._applied_fg:  # palette changes propagate a relayout: only when the colour changes
            self._applied_fg = fg
            for label in self._labels:
                _set_colour(label, qt.QPalette.ColorRole.WindowText, fg)
        self.update()

    def paintEvent(self, event: qt.QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = qt.QPainter(self)
        painter.setRenderHint(qt.QPainter.RenderHint.Antialiasing)
        painter.setPen(qt.Qt.PenStyle.NoPen)
        painter.setBrush(qt.QColor(self.background()))
        painter.drawRoundedRect(self.rect(), self.RADIUS, self.RADIUS)
        painter.end()
