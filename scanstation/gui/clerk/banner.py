"""The verdict banner: colour and shape, one big word, the suite in the largest type, the next action, badges."""

from __future__ import annotations

from scanstation.gui import qt
from scanstation.gui.clerk.shapes import SHAPES, ShapeIcon
from scanstation.gui.plain import plain_label
from scanstation.gui.texts import COLOURS, BannerText, Progress, Service
from scanstation.gui.widgets import font

BADGE_COLOUR = "#0d47a1"
PROGRESS_COLOUR = "#111111"
COMPLETE_COLOUR = "#ffd600"  # an order complete: a gold badge on every outcome's colour


def _font(points: float, bold: bool = True) -> qt.QFont:
    """The banner's type is bold unless said otherwise."""
    return font(points, bold)


def _fit_width(label: qt.QLabel, points: float, available: float, bold: bool = True) -> None:
    """The label's text in `points` when it fits `available` pixels, smaller (down to 10 pt) when not."""
    width = qt.QFontMetricsF(_font(points, bold)).horizontalAdvance(label.text())
    if width > available:
        points = max(10.0, points * available / width)
    if abs(points - label.font().pointSizeF()) > 0.01:
        label.setFont(_font(points, bold))


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
        _fit_width(self.badge, self._points, max(40, self.width() - 48))

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()


class ProgressBadge(qt.QFrame):
    """A split order's "2 of 3" in badge type; once complete, a gold badge with the boxes' shape.

    Two of them exist, one per style, and the banner shows the one it needs: a style sheet is never
    changed per verdict.
    """

    def __init__(self, scale: float, complete: bool, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressBadge")
        self.complete = complete
        fill = COMPLETE_COLOUR if complete else "#ffffff"
        self.setStyleSheet(
            f"#progressBadge {{ background: {fill}; border: 6px solid {PROGRESS_COLOUR}; border-radius: 14px; }}"
            f" QLabel {{ color: {PROGRESS_COLOUR}; background: transparent; }}"
        )
        row = qt.QHBoxLayout(self)
        row.setContentsMargins(18, 8, 18, 8)
        row.setSpacing(14)
        self._scale = scale
        self.icon = ShapeIcon(round(64 * scale), self)
        self.icon.show_shape(SHAPES["complete"] if complete else "", PROGRESS_COLOUR, fill)
        row.addWidget(self.icon, 0, qt.Qt.AlignmentFlag.AlignVCenter)
        words = qt.QVBoxLayout()
        words.setSpacing(0)
        self.label = plain_label()
        self.label.setFont(_font(36 * scale))
        self.label.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        self.caption = plain_label()
        self.caption.setFont(_font(16 * scale, bold=False))
        self.caption.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        for label in (self.label, self.caption):
            label.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Preferred)
            words.addWidget(label)
        row.addLayout(words)

    def show_progress(self, progress: Progress) -> None:
        self.label.setText(progress.label)
        self.caption.setText(progress.caption)
        self._fit()

    def _fit(self) -> None:
        """One line each, smaller when the badge is narrow; the shape gives its room first."""
        side = self.icon.width() + 14 if self.complete else 0
        self.icon.setVisible(self.complete and self.width() >= 5 * side)
        available = max(40, self.width() - 48 - (side if self.icon.isVisibleTo(self) else 0))
        _fit_width(self.label, 36 * self._scale, available)
        _fit_width(self.caption, 16 * self._scale, available, bold=False)

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()


class VerdictBanner(qt.QFrame):
    """Shows one BannerText; `announce()` shows a new one with a pulse; `flash()` blinks it when no sound plays.

    The background is painted here and the text colour set through the palette: style sheets would be
    re-applied to every child on each change, which costs milliseconds per verdict and per flash step.
    After `set_ready_after` seconds with nothing new, `ready_due` asks for the READY banner again.
    """

    ready_due = qt.Signal()

    FLASH_TOGGLES = 6  # three on/off cycles
    FLASH_INTERVAL_MS = 110
    PULSE_MS = 450
    PULSE_WIDTH = 26.0  # the frame's extra width at the start of a pulse
    FRAME_WIDTH = 5.0  # the frame in the text colour, so a light banner stands out of a light window
    BIG_POINTS = 120.0
    SIDE_MARGIN = 34
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
        self._big_scale = 1.0
        self._ready_after = 0.0
        self._big_points = 0.0
        self._applied_fg = ""
        # A new verdict pulses: the frame starts wide and narrows, so two identical verdicts are visibly two.
        self.pulse_count = 0
        self._pulse = 0.0
        self._pulse_animation = qt.QVariantAnimation(self)
        self._pulse_animation.setStartValue(1.0)
        self._pulse_animation.setEndValue(0.0)
        self._pulse_animation.setDuration(self.PULSE_MS)
        self._pulse_animation.setEasingCurve(qt.QEasingCurve.Type.OutCubic)
        self._pulse_animation.valueChanged.connect(self._pulse_step)
        self._ready_timer = qt.QTimer(self)
        self._ready_timer.setSingleShot(True)
        self._ready_timer.setTimerType(qt.Qt.TimerType.PreciseTimer)  # its time left is read exactly (tests)
        self._ready_timer.timeout.connect(self.ready_due.emit)

        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(self.SIDE_MARGIN, 16, self.SIDE_MARGIN, 16)
        layout.setSpacing(4)
        self.word = self._label(44, "word")
        # Beside its shape at its own width when there is room; a narrow window cuts it rather than widening.
        self.word.setSizePolicy(qt.QSizePolicy.Policy.Preferred, qt.QSizePolicy.Policy.Preferred)
        self.word.setMinimumWidth(1)
        # The outcome's shape beside its word, about twice the word's height.
        self.icon = ShapeIcon(round(qt.QFontMetricsF(self.word.font()).height() * 1.5), self)
        heading = qt.QHBoxLayout()
        heading.setSpacing(round(20 * scale))
        heading.addStretch(1)
        heading.addWidget(self.icon, 0, qt.Qt.AlignmentFlag.AlignVCenter)
        heading.addWidget(self.word, 0, qt.Qt.AlignmentFlag.AlignVCenter)
        heading.addStretch(1)
        self.big = self._label(self.BIG_POINTS, "big")
        # The free height, whatever it is: on a small screen the suite shrinks to it (see _fit_big).
        self.big.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Ignored)
        self.big.installEventFilter(self)
        self.action = self._label(30, "action")
        self.action.setWordWrap(True)
        layout.addLayout(heading)
        layout.addWidget(self.big, 1)
        layout.addWidget(self.action)
        self.details = self._label(26, "details", bold=False)
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        # A split order's progress on a row of its own: it stays large however many services share theirs.
        self._progress_badges = (ProgressBadge(scale, False, self), ProgressBadge(scale, True, self))
        progress_row = qt.QHBoxLayout()
        for badge in self._progress_badges:
            badge.setVisible(False)
            progress_row.addWidget(badge)
        layout.addLayout(progress_row)
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

    @property
    def pulsing(self) -> bool:
        return self._pulse_animation.state() == qt.QVariantAnimation.State.Running

    def services(self) -> list[ServiceBadge]:
        """The badges on show, left to right."""
        return [b for b in self._badge_pool if not b.isHidden()]

    def progress(self) -> ProgressBadge | None:
        """The split order's badge on show, if any."""
        return next((b for b in self._progress_badges if not b.isHidden()), None)

    def set_ready_after(self, seconds: float) -> None:
        """Back to READY after this long without a new banner; 0: the last verdict stays until the next."""
        self._ready_timer.setInterval(max(1, round(seconds * 1000)))
        self._ready_after = seconds
        if seconds <= 0:
            self._ready_timer.stop()

    def ready_left_ms(self) -> int:
        """Milliseconds before `ready_due`; -1 when nothing is due."""
        return self._ready_timer.remainingTime() if self._ready_timer.isActive() else -1

    def announce(self, text: BannerText) -> None:
        """Show a new banner: a verdict pulses and, after the idle time, gives way to READY."""
        self.show_text(text)
        if text.key == "idle":
            self._ready_timer.stop()
            return
        self.pulse()
        if self._ready_after > 0:
            self._ready_timer.start()

    def pulse(self) -> None:
        self.pulse_count += 1
        self._pulse_animation.stop()
        self._pulse = 1.0
        self._pulse_animation.start()
        self.update()

    def _pulse_step(self, value: object) -> None:
        self._pulse = float(value) if isinstance(value, int | float) else 0.0
        # Only the frame's ring is repainted, not the labels inside it: a pulse costs no text layout.
        ring = round(self.FRAME_WIDTH + self.PULSE_WIDTH) + 2
        outer = qt.QRegion(self.rect())
        self.update(outer.subtracted(qt.QRegion(self.rect().adjusted(ring, ring, -ring, -ring))))

    def frame_width(self) -> float:
        """The frame's width now: wide at the start of a pulse, FRAME_WIDTH at rest."""
        return self.FRAME_WIDTH + self.PULSE_WIDTH * self._pulse

    def show_text(self, text: BannerText) -> None:
        self._text = text
        self._flash_timer.stop()
        self._inverted = False
        self.word.setText(text.word)
        # Shown when empty too: it takes the free height, so the word stays at the top for every outcome.
        self.big.setText(text.big)
        self._big_scale = text.big_scale
        self._fit_big()
        self.action.setText(text.action)
        self.details.setText("\n".join(text.details))
        self.details.setVisible(bool(text.details))
        progress = text.progress
        for kind in self._progress_badges:
            if progress is not None and progress.complete == kind.complete:
                kind.show_progress(progress)
                kind.setVisible(True)
            else:
                kind.setVisible(False)
        while len(self._badge_pool) < len(text.services):
            badge = ServiceBadge(self._scale, self)
            self._badge_pool.append(badge)
            self._badges.addWidget(badge, 1)
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
        """The largest type (up to BIG_POINTS) in which the suite or number fits the banner's width and height."""
        text = self.big.text()
        available = max(100, self.width() - 60)
        full = self.BIG_POINTS * self._scale * self._big_scale
        points = full
        if text:
            metrics = qt.QFontMetricsF(_font(full))
            width = metrics.horizontalAdvance(text)
            if width > available:
                points = full * available / width
            tall = self.big.height()
            if tall > 0 and metrics.height() * points / full > tall:
                points = full * tall / metrics.height()
            points = max(self.MIN_BIG_POINTS, points)
        if abs(points - self._big_points) > 0.01:  # an unchanged font costs no relayout
            self._big_points = points
            self.big.setFont(_font(points))

    def _fit_word(self) -> None:
        """The key word in its full size beside its shape when it fits the banner's width, smaller when not."""
        shape = self.icon.width() + round(20 * self._scale) if self.icon.isVisibleTo(self) else 0
        available = self.width() - 2 * self.SIDE_MARGIN - shape - 8  # 8: the pulse frame's own room
        _fit_width(self.word, 44 * self._scale, max(40, available))

    def resizeEvent(self, event: qt.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_big()
        self._fit_word()

    def eventFilter(self, watched: qt.QObject, event: qt.QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.big and event.type() == qt.QEvent.Type.Resize:
            self._fit_big()
        return super().eventFilter(watched, event)

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
        self.icon.show_shape(SHAPES.get(key, ""), fg, self.background())
        self._fit_word()  # the shape may have come or gone beside the word
        self.update()

    def paintEvent(self, event: qt.QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = qt.QPainter(self)
        painter.setRenderHint(qt.QPainter.RenderHint.Antialiasing)
        painter.setPen(qt.Qt.PenStyle.NoPen)
        painter.setBrush(qt.QColor(self.background()))
        painter.drawRoundedRect(self.rect(), self.RADIUS, self.RADIUS)
        width = self.frame_width()
        painter.setPen(qt.QPen(qt.QColor(self.foreground()), width))
        painter.setBrush(qt.Qt.BrushStyle.NoBrush)
        inset = width / 2
        painter.drawRoundedRect(
            qt.QRectF(self.rect()).adjusted(inset, inset, -inset, -inset),
            self.RADIUS - inset / 2,
            self.RADIUS - inset / 2,
        )
        painter.end()
