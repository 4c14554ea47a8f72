"""The clerk's scan screen: banner, last scans, shift counters, typed entry, undo, log-in and status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from scanstation.domain import (
    Outcome,
    ReceivingStatus,
    Scan,
    ScannerState,
    ScannerStatus,
    SyncNotice,
    SyncState,
    SyncStatus,
    UndoResult,
    Verdict,
    json_text,
)
from scanstation.gui import qt
from scanstation.gui.banner import VerdictBanner
from scanstation.gui.bridge import Bridge, GuiReceiving, in_words
from scanstation.gui.i18n import Translations
from scanstation.gui.plain import escape, plain_label, plain_tooltip
from scanstation.gui.session import Login, Session
from scanstation.gui.sound import Sounds
from scanstation.gui.texts import (
    COLOURS,
    BannerText,
    banner_error,
    banner_for,
    banner_idle,
    banner_kept,
    banner_undone,
    local_time,
    outcome_word,
)

log = logging.getLogger(__name__)

MANUAL_SCANNER = "manual"
# What creates the first administrator (`scanstation operators`); shown word for word on the log-in screen.
ADMIN_COMMAND = "scanstation operators add NAME --role admin"
RECENT_ROWS = 100
COUNTED = (
    Outcome.MATCHED,
    Outcome.DUPLICATE,
    Outcome.UNKNOWN,
    Outcome.AMBIGUOUS,
    Outcome.NOT_EXPECTED,
    Outcome.INVALID,
)


def _bar(name: str, points: float, style: str) -> qt.QLabel:
    """A full-width bar of plain text in words, hidden until there is something to say."""
    bar = plain_label()
    bar.setObjectName(name)
    bar.setFont(_font(points, bold=True))
    bar.setWordWrap(True)
    bar.setStyleSheet(style)
    bar.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Minimum)
    bar.setVisible(False)
    return bar


def _font(points: float, bold: bool = False) -> qt.QFont:
    font = qt.QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


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


class StationWindow(qt.QMainWindow):
    """Only shows and asks: every scan, undo and log-in goes to the receiving worker; answers come by signal."""

    banner_shown = qt.Signal(object)  # the BannerText just shown (tests and `bench gui` wait on it)

    def __init__(
        self,
        bridge: Bridge,
        worker: GuiReceiving | None,
        *,
        station_id: str,
        sounds: Sounds,
        translations: Translations | None = None,
        settings: qt.QSettings | None = None,
        font_scale: float = 1.0,
        scanner_names: tuple[str, ...] = (),
        config_warnings: tuple[str, ...] = (),
        admin_command: str = ADMIN_COMMAND,
    ) -> None:
        super().__init__()
        self._bridge = bridge
        self._worker = worker
        self._station_id = station_id
        self._sounds = sounds
        self._translations = translations
        self._settings = settings
        self._scale = font_scale
        # The one owner of who is logged in: the receiving side reads it for every scan it is handed.
        self._session = worker.session if worker is not None else Session()
        self._login_pending = False
        self._undo_target: Verdict | None = None
        self._undo_pending = False
        self._counts: dict[str, int] = dict.fromkeys(COUNTED, 0)
        self._counted: dict[str, str] = {}  # scan_id -> outcome counted, so an undo subtracts the right one
        self._shift_started = datetime.now(UTC)
        self._banner_source: Callable[[], BannerText] = lambda: banner_idle(False)
        self._scanner_states: dict[str, ScannerStatus | None] = {name: None for name in scanner_names}
        self._sync: SyncStatus | None = None
        self._notices: list[Verdict] = []  # parcels matched later by sync, newest first, until scanned again
        self._login_error = ""
        self._config_warnings = config_warnings
        self._admin_command = admin_command
        self._receiving = ReceivingStatus()
        self._active_admins: int | None = None  # None until the receiving thread has counted them

        self.setFont(_font(15 * font_scale))
        self._build()
        self._connect()
        self.retranslate()
        geometry = settings.value("window/geometry") if settings is not None else None
        if not (isinstance(geometry, qt.QByteArray) and not geometry.isEmpty() and self.restoreGeometry(geometry)):
            self.resize(self._default_size())
        self._show(self._banner_source, feedback=None)
        self.name_edit.setFocus()

    # ----- building -------------------------------------------------------------------------------------------

    @staticmethod
    def _default_size() -> qt.QSize:
        """1400x900, or nine tenths of a smaller screen (a laptop running the demo)."""
        size = qt.QSize(1400, 900)
        screen = qt.QGuiApplication.primaryScreen()
        if screen is not None:
            free = screen.availableGeometry().size()
            size = size.boundedTo(qt.QSize(free.width() * 9 // 10, free.height() * 9 // 10))
        return size

    def _build(self) -> None:
        s = self._scale
        central = qt.QWidget()
        outer = qt.QVBoxLayout(central)
        outer.setContentsMargins(12, 12, 12, 6)
        outer.setSpacing(10)

        # Recording trouble (a full disk) comes first and in the loudest colours: scans are not on disk.
        self.problem_bar = _bar(
            "receivingProblem", 20 * s, "background: #b71c1c; color: #ffffff; padding: 10px; border: 4px solid #ffeb3b;"
        )
        outer.addWidget(self.problem_bar)
        # Settings that are allowed but risky, said at every start for as long as they are set.
        self.warning_bar = _bar(
            "configWarnings", 15 * s, "background: #ff6f00; color: #111; padding: 6px; border: 2px solid #111;"
        )
        outer.addWidget(self.warning_bar)

        top = qt.QHBoxLayout()
        top.setSpacing(12)
        outer.addLayout(top, 1)

        self.banner = VerdictBanner(s)
        top.addWidget(self.banner, 5)

        side = qt.QVBoxLayout()
        top.addLayout(side, 2)
        self.counters_title = plain_label()
        self.counters_title.setFont(_font(16 * s, bold=True))
        side.addWidget(self.counters_title)
        grid = qt.QGridLayout()
        grid.setHorizontalSpacing(10)
        self.counter_names: dict[str, qt.QLabel] = {}
        self.counter_values: dict[str, qt.QLabel] = {}
        for row, outcome in enumerate(COUNTED):
            bg, fg = COLOURS[outcome]
            name = plain_label()
            name.setFont(_font(15 * s, bold=True))
            name.setStyleSheet(f"background: {bg}; color: {fg}; padding: 2px 8px; border-radius: 4px;")
            value = plain_label("0")
            value.setFont(_font(22 * s, bold=True))
            value.setAlignment(qt.Qt.AlignmentFlag.AlignRight | qt.Qt.AlignmentFlag.AlignVCenter)
            value.setObjectName(f"count_{outcome}")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.counter_names[outcome] = name
            self.counter_values[outcome] = value
        side.addLayout(grid)
        self.recent_title = plain_label()
        self.recent_title.setFont(_font(16 * s, bold=True))
        side.addWidget(self.recent_title)
        self.recent = qt.QTableWidget(0, 4)
        self.recent.setFont(_font(13 * s))
        self.recent.verticalHeader().setVisible(False)
        self.recent.setEditTriggers(qt.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.recent.setSelectionBehavior(qt.QAbstractItemView.SelectionBehavior.SelectRows)
        self.recent.setFocusPolicy(qt.Qt.FocusPolicy.NoFocus)
        # Fixed column widths: ResizeToContents would measure every row on each inserted scan.
        header = self.recent.horizontalHeader()
        header.setSectionResizeMode(qt.QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, qt.QHeaderView.ResizeMode.Stretch)
        self.recent.setMinimumWidth(round(440 * s))
        self.recent.setHorizontalScrollBarPolicy(qt.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.setTextElideMode(qt.Qt.TextElideMode.ElideLeft)  # the end of a number tells parcels apart
        side.addWidget(self.recent, 1)

        self.notice_bar = plain_label()  # names and numbers from the feed and the barcode
        self.notice_bar.setFont(_font(18 * s, bold=True))
        self.notice_bar.setWordWrap(True)
        self.notice_bar.setStyleSheet("background: #fff59d; color: #111; padding: 8px; border: 3px solid #f57f17;")
        self.notice_bar.setVisible(False)
        self.notice_bar.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Minimum)
        outer.addWidget(self.notice_bar)

        # A fresh station with no administrator: nobody can set it up from this screen, so say how.
        self.no_admin_bar = plain_label()
        self.no_admin_bar.setObjectName("noAdmin")
        self.no_admin_bar.setFont(_font(17 * s, bold=True))
        self.no_admin_bar.setWordWrap(True)
        self.no_admin_bar.setStyleSheet(
            "background: #e3f2fd; color: #0d47a1; padding: 10px; border: 3px solid #0d47a1;"
        )
        self.no_admin_bar.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Minimum)
        # The command can be selected and copied into a terminal.
        self.no_admin_bar.setTextInteractionFlags(qt.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.no_admin_bar.setVisible(False)
        outer.addWidget(self.no_admin_bar)

        # The bottom row is either the log-in form or the typed entry with undo.
        self.login_row = qt.QWidget()
        login = qt.QHBoxLayout(self.login_row)
        login.setContentsMargins(0, 0, 0, 0)
        self.name_label = plain_label()
        self.name_edit = qt.QLineEdit()
        self.name_edit.setObjectName("operatorName")
        self.pin_label = plain_label()
        self.pin_edit = qt.QLineEdit()
        self.pin_edit.setObjectName("operatorPin")
        self.pin_edit.setEchoMode(qt.QLineEdit.EchoMode.Password)
        self.login_button = qt.QPushButton()
        self.login_error_label = plain_label()  # may carry a database's own message
        self.login_error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        for w in (self.name_label, self.name_edit, self.pin_label, self.pin_edit, self.login_button):
            w.setFont(_font(18 * s))
        self.login_error_label.setFont(_font(16 * s))
        login.addWidget(self.name_label)
        login.addWidget(self.name_edit, 2)
        login.addWidget(self.pin_label)
        login.addWidget(self.pin_edit, 1)
        login.addWidget(self.login_button)
        login.addWidget(self.login_error_label, 2)
        outer.addWidget(self.login_row)

        self.entry_row = qt.QWidget()
        entry = qt.QHBoxLayout(self.entry_row)
        entry.setContentsMargins(0, 0, 0, 0)
        self.entry_label = plain_label()
        self.entry = EntryLine()
        self.entry.setObjectName("typedEntry")
        self.entry.setMaxLength(200)
        self.entry_button = qt.QPushButton()
        self.undo_button = qt.QPushButton()
        self.undo_button.setObjectName("undoButton")
        for w in (self.entry_label, self.entry, self.entry_button, self.undo_button):
            w.setFont(_font(18 * s))
        entry.addWidget(self.entry_label)
        entry.addWidget(self.entry, 3)
        entry.addWidget(self.entry_button)
        entry.addWidget(self.undo_button, 2)
        outer.addWidget(self.entry_row)
        self.entry_row.setVisible(False)

        self.setCentralWidget(central)

        bar = self.statusBar()
        bar.setFont(_font(13 * s))
        self.scanners_label = qt.QLabel()
        self.sync_label = qt.QLabel()
        self.operator_label = qt.QLabel()
        self.sound_label = qt.QLabel()
        # Rich text for colour only: every outside part of these four is escaped (see `escape`).
        self.language_button = qt.QToolButton()
        self.logout_button = qt.QToolButton()
        for w in (self.scanners_label, self.sync_label, self.operator_label, self.sound_label):
            w.setFont(_font(13 * s, bold=True))
            w.setTextFormat(qt.Qt.TextFormat.RichText)
        for w in (self.scanners_label, self.sync_label):
            # Long status texts are cut, never allowed to widen the window past the screen.
            w.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Preferred)
            w.setMinimumWidth(round(200 * s))
        bar.addWidget(self.scanners_label, 2)
        bar.addWidget(self.sync_label, 2)
        self.waiting_label = plain_label()
        self.waiting_label.setObjectName("scansWaiting")
        self.waiting_label.setFont(_font(13 * s, bold=True))
        self.waiting_label.setStyleSheet("color: #ffffff; background: #b71c1c; padding: 0 6px;")
        self.waiting_label.setVisible(False)
        bar.addPermanentWidget(self.waiting_label)
        bar.addPermanentWidget(self.sound_label)
        bar.addPermanentWidget(self.operator_label)
        bar.addPermanentWidget(self.logout_button)
        bar.addPermanentWidget(self.language_button)

        self._undo_timer = qt.QTimer(self)
        self._undo_timer.setInterval(250)
        self._undo_timer.timeout.connect(self._update_undo)

        self._undo_shortcut = qt.QShortcut(qt.QKeySequence(qt.QKeySequence.StandardKey.Undo), self)
        self._entry_shortcut = qt.QShortcut(qt.QKeySequence("F2"), self)
        self._logout_shortcut = qt.QShortcut(qt.QKeySequence("Ctrl+L"), self)
        self._language_shortcut = qt.QShortcut(qt.QKeySequence("F9"), self)

    def _connect(self) -> None:
        b = self._bridge
        b.verdict.connect(self._on_verdict)
        b.failed.connect(self._on_failed)
        b.kept.connect(self._on_kept)
        b.scanner_status.connect(self._on_scanner_status)
        b.sync_status.connect(self._on_sync_status)
        b.notice.connect(self._on_notice)
        b.receiving_status.connect(self._on_receiving_status)
        b.active_admins.connect(self._on_active_admins)
        self.name_edit.returnPressed.connect(self.pin_edit.setFocus)
        self.pin_edit.returnPressed.connect(self._login)
        self.login_button.clicked.connect(self._login)
        self.entry.returnPressed.connect(self._submit_typed)
        self.entry_button.clicked.connect(self._submit_typed)
        self.entry.undo_requested.connect(self.undo_last)
        self.undo_button.clicked.connect(self.undo_last)
        self._undo_shortcut.activated.connect(self.undo_last)
        self._entry_shortcut.activated.connect(self._focus_entry)
        self._logout_shortcut.activated.connect(self.log_out)
        self._language_shortcut.activated.connect(self.toggle_language)
        self.logout_button.clicked.connect(self.log_out)
        self.language_button.clicked.connect(self.toggle_language)
        self._sounds.availability_changed.connect(lambda _ok: self._update_sound_label())

    # ----- texts ----------------------------------------------------------------------------------------------

    def changeEvent(self, event: qt.QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == qt.QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every text again in the current language (also called once at start)."""
        self.setWindowTitle(self.tr("Scan station %1").replace("%1", self._station_id))
        self.counters_title.setText(self.tr("This shift (since %1)").replace("%1", local_time(self._shift_started)))
        for outcome, label in self.counter_names.items():
            label.setText(outcome_word(outcome))
        self.recent_title.setText(self.tr("Last scans"))
        self.recent.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Number"), self.tr("Result"), self.tr("Suite")])
        metrics = qt.QFontMetricsF(self.recent.font())
        pad = 16
        widths = {
            0: metrics.horizontalAdvance("00:00:00"),
            2: max(metrics.horizontalAdvance(outcome_word(o)) for o in (*COUNTED, "undone")),
            3: metrics.horizontalAdvance("UN-00000"),
        }
        for column, width in widths.items():
            self.recent.setColumnWidth(column, round(width) + pad)
        for row in range(self.recent.rowCount()):
            item = self.recent.item(row, 2)
            if item is not None:
                item.setText(outcome_word(str(item.data(qt.Qt.ItemDataRole.UserRole))))
        self.name_label.setText(self.tr("Name:"))
        self.pin_label.setText(self.tr("PIN:"))
        self.login_button.setText(self.tr("Log in"))
        self.entry_label.setText(self.tr("Number (F2):"))
        self.entry.setPlaceholderText(self.tr("type the number from a torn label, then Enter"))
        self.entry_button.setText(self.tr("Enter"))
        self.logout_button.setText(self.tr("Log out (Ctrl+L)"))
        self.language_button.setText("Русский (F9)" if self._language() == "en" else "English (F9)")
        self.login_error_label.setText(self._login_error)
        self._update_operator_label()
        self._update_scanners_label()
        self._update_sync_label()
        self._update_sound_label()
        self._update_undo()
        self._update_notice()
        self._update_receiving()
        self._update_warnings()
        self._update_no_admin()
        self.banner.show_text(self._banner_source())

    def _language(self) -> str:
        return self._translations.language if self._translations is not None else "en"

    def toggle_language(self) -> None:
        if self._translations is None:
            return
        self._translations.set_language("en" if self._language() == "ru" else "ru")
        self.retranslate()  # LanguageChange also arrives; retranslating twice is harmless and keeps tests simple

    # ----- log-in ---------------------------------------------------------------------------------------------

    @property
    def operator(self) -> str | None:
        return self._session.operator

    def _login(self) -> None:
        name = self.name_edit.text().strip()
        pin = self.pin_edit.text()
        if not name or not pin:
            self._set_login_error(self.tr("enter your name and PIN"))
            return
        receiving = self._worker
        if receiving is None or self._login_pending:
            return
        self._login_pending = True
        self.login_button.setEnabled(False)
        receiving.op(lambda: receiving.check_pin(name, pin)).success(self._on_login).failure(
            self._on_login_failed
        ).run_in_background()
        receiving.check_admins()

    def _set_login_error(self, text: str) -> None:
        self._login_error = text
        self.login_error_label.setText(text)

    def _on_login(self, login: Login | None) -> None:
        self._login_answered()
        if login is None:
            self._set_login_error(self.tr("wrong name or PIN"))
            self.pin_edit.setFocus()
            return
        self.log_in(login.name, login.display_name)

    def _on_login_failed(self, exc: Exception) -> None:
        # A database problem is told to the clerk in its own words.
        log.error("log-in check failed", exc_info=exc)
        self._login_answered()
        self._set_login_error(in_words(exc))
        self.pin_edit.setFocus()

    def _login_answered(self) -> None:
        self._login_pending = False
        self.login_button.setEnabled(True)
        self.pin_edit.clear()

    def log_in(self, name: str, display_name: str = "") -> None:
        """Start this operator's session (after verify_pin said yes)."""
        self._session.log_in(Login(name, display_name or name))
        self._set_login_error("")
        self.login_row.setVisible(False)
        self.entry_row.setVisible(True)
        self._update_no_admin()
        self._update_operator_label()
        self._show(lambda: banner_idle(True), feedback=None)
        self.entry.setFocus()

    def log_out(self) -> None:
        if self._session.login is None:
            return
        self._session.log_out()
        self._undo_target = None
        self._update_undo()
        self._notices = []
        self._update_notice()
        self.entry.clear()
        self.entry_row.setVisible(False)
        self.login_row.setVisible(True)
        self._update_no_admin()
        self.name_edit.clear()
        self._update_operator_label()
        self._show(lambda: banner_idle(False), feedback=None)
        self.name_edit.setFocus()

    def _update_operator_label(self) -> None:
        login = self._session.login
        if login is None:
            self.operator_label.setText(self.tr("nobody logged in"))
            self.logout_button.setVisible(False)
        else:
            self.operator_label.setText(self.tr("Operator: %1").replace("%1", escape(login.display_name)))
            self.logout_button.setVisible(True)

    # ----- scans ----------------------------------------------------------------------------------------------

    def submit(self, scan: Scan) -> None:
        """Hand a scan to the receiving worker (the same path as every scanner source)."""
        if self._worker is not None:
            self._worker.submit(scan)

    def _focus_entry(self) -> None:
        if self.operator is not None:
            self.entry.setFocus()
            self.entry.selectAll()

    def _submit_typed(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        self.entry.clear()
        self.submit(Scan(raw=text, scanner=MANUAL_SCANNER, typed=True))

    def _on_verdict(self, verdict: Verdict) -> None:
        outcome = str(verdict.outcome)
        if self._notices and verdict.keys:
            # The clerk took the late-matched parcel off the unknown shelf and scanned it: notice done.
            self._notices = [n for n in self._notices if not (n.keys & verdict.keys)]
            self._update_notice()
        if outcome in self._counts and verdict.scan_id not in self._counted:
            self._counts[outcome] += 1
            self._counted[verdict.scan_id] = outcome
            self.counter_values[outcome].setText(str(self._counts[outcome]))
        self._add_recent(verdict)
        if verdict.undo_deadline is not None:
            self._undo_target = verdict
            self._update_undo()
        logged_in = self.operator is not None
        self._show(lambda: banner_for(verdict, logged_in), feedback=outcome, payload=verdict)

    def _on_failed(self, scan: Scan, message: str) -> None:
        self._show(lambda: banner_error(scan.raw, message), feedback="invalid", payload=scan)

    def _on_kept(self, scan: Scan, problem: str) -> None:
        # Not "scan again": the read is kept and will be recorded; a second scan would be a duplicate later.
        # The problem in words is the bar's (receiving_status); the banner names the read.
        self._show(lambda: banner_kept(scan.raw), feedback="invalid", payload=scan)

    def _show(self, source: Callable[[], BannerText], feedback: str | None, payload: object = None) -> None:
        """Show a banner; feedback names the sound, which becomes a flash where sound is unavailable."""
        self._banner_source = source
        text = source()
        self.banner.show_text(text)
        if feedback is not None and not self._sounds.play(feedback):
            self.banner.flash()
        self.banner_shown.emit(payload if payload is not None else text)

    def _add_recent(self, verdict: Verdict) -> None:
        self.recent.insertRow(0)
        number = verdict.tracking_number or verdict.raw.strip()[:40]
        bg, fg = COLOURS.get(str(verdict.outcome), COLOURS["idle"])
        cells = [
            local_time(verdict.at, seconds=True),
            number,
            outcome_word(verdict.outcome),
            verdict.customer_suite or "",
        ]
        for col, text in enumerate(cells):
            item = qt.QTableWidgetItem(text)
            if col == 2:
                item.setData(qt.Qt.ItemDataRole.UserRole, str(verdict.outcome))
                item.setBackground(qt.QColor(bg))
                item.setForeground(qt.QColor(fg))
            if col == 0:
                item.setData(qt.Qt.ItemDataRole.UserRole, verdict.scan_id)
            if col == 3 and verdict.unknown_id:
                item.setData(qt.Qt.ItemDataRole.UserRole, verdict.unknown_id)
            self.recent.setItem(0, col, item)
        while self.recent.rowCount() > RECENT_ROWS:
            self.recent.removeRow(self.recent.rowCount() - 1)

    def _recent_row(self, scan_id: str) -> int | None:
        for row in range(self.recent.rowCount()):
            item = self.recent.item(row, 0)
            if item is not None and item.data(qt.Qt.ItemDataRole.UserRole) == scan_id:
                return row
        return None

    def recent_rows(self) -> list[tuple[str, str, str, str]]:
        """What the last-scans list shows, top (newest) first."""
        rows = []
        for row in range(self.recent.rowCount()):
            cells = [self.recent.item(row, col) for col in range(4)]
            rows.append(tuple(c.text() if c is not None else "" for c in cells))
        return rows  # type: ignore[return-value]

    def count(self, outcome: str) -> int:
        return int(self.counter_values[outcome].text())

    # ----- undo -----------------------------------------------------------------------------------------------

    def undo_seconds_left(self) -> float:
        target = self._undo_target
        if target is None or target.undo_deadline is None or self.operator is None:
            return 0.0
        return max(0.0, (target.undo_deadline - datetime.now(UTC)).total_seconds())

    def undo_last(self) -> None:
        target, receiving, operator = self._undo_target, self._worker, self.operator
        if target is None or receiving is None or operator is None or self._undo_pending:
            return
        if self.undo_seconds_left() <= 0:
            return
        self._undo_pending = True
        scan_id = target.scan_id
        receiving.op(lambda: receiving.undo_scan(scan_id, operator)).success(self._on_undo_result).failure(
            self._on_undo_failed
        ).run_in_background()
        self._update_undo()

    def _on_undo_failed(self, exc: Exception) -> None:
        log.error("undo failed", exc_info=exc)
        self._undo_pending = False
        self.statusBar().showMessage(self.tr("Undo refused: %1").replace("%1", in_words(exc)), 10000)
        self._update_undo()

    def _update_undo(self) -> None:
        left = self.undo_seconds_left()
        if left > 0 and not self._undo_pending:
            self.undo_button.setEnabled(True)
            self.undo_button.setText(self.tr("Undo last scan (Ctrl+Z): %1 s").replace("%1", str(int(left + 0.999))))
            if not self._undo_timer.isActive():
                self._undo_timer.start()
        else:
            self.undo_button.setEnabled(False)
            self.undo_button.setText(self.tr("Undo last scan (Ctrl+Z)"))
            if left <= 0:
                self._undo_timer.stop()

    def _on_undo_result(self, result: UndoResult) -> None:
        self._undo_pending = False
        target = self._undo_target
        if result.undone or result.compensated:
            outcome = self._counted.pop(result.scan_id, None)
            if outcome is not None:
                self._counts[outcome] -= 1
                self.counter_values[outcome].setText(str(self._counts[outcome]))
            row = self._recent_row(result.scan_id)
            if row is not None:
                item = self.recent.item(row, 2)
                if item is not None:
                    item.setData(qt.Qt.ItemDataRole.UserRole, "undone")
                    item.setText(outcome_word("undone"))
                    bg, fg = COLOURS["undone"]
                    item.setBackground(qt.QColor(bg))
                    item.setForeground(qt.QColor(fg))
            number = ""
            if target is not None and target.scan_id == result.scan_id:
                number = target.tracking_number or target.raw.strip()
                self._undo_target = None
            self._show(lambda: banner_undone(number, result.message), feedback="notice", payload=result)
        else:
            self.statusBar().showMessage(self.tr("Undo refused: %1").replace("%1", result.message), 10000)
            self.banner_shown.emit(result)
        self._update_undo()

    # ----- status ---------------------------------------------------------------------------------------------

    def _on_scanner_status(self, status: ScannerStatus) -> None:
        self._scanner_states[status.name] = status
        self._update_scanners_label()

    def _update_scanners_label(self) -> None:
        if not self._scanner_states:
            self.scanners_label.setText(self.tr("no scanners configured (typed entry only)"))
            return
        parts = []
        details = []
        for name, status in self._scanner_states.items():
            state = status.state if status is not None else None
            colour = "#1b8a2f" if state is ScannerState.CONNECTED else "#c62828"
            word = _scanner_state_word(state)
            parts.append(f'<span style="color:{colour}">● {escape(name)}: {escape(word)}</span>')
            detail = (status.message or status.device or "") if status is not None else ""
            if detail:
                details.append(f"{name}: {detail}")
        self.scanners_label.setText("&nbsp;&nbsp;".join(parts))
        self.scanners_label.setToolTip(plain_tooltip(details))  # the device's own words, for an admin

    def _on_sync_status(self, status: SyncStatus) -> None:
        self._sync = status
        self._update_sync_label()

    def _update_sync_label(self) -> None:
        st = self._sync
        if st is None:
            self.sync_label.setText(self.tr("Sync: starting"))
            return
        state = st.state
        colour = {SyncState.ONLINE: "#1b8a2f", SyncState.DISABLED: "#555"}.get(state, "#c62828")
        words = {
            SyncState.ONLINE: self.tr("online"),
            SyncState.OFFLINE: self.tr("OFFLINE"),
            SyncState.TOKEN_REJECTED: self.tr("TOKEN REJECTED: call the administrator"),
            SyncState.DISABLED: self.tr("off (no server configured)"),
        }
        parts = [self.tr("Sync: %1").replace("%1", words[state])]
        parts.append(self.tr("%1 events waiting").replace("%1", str(st.events_waiting)))
        if st.rejected_count:
            parts.append(self.tr("%1 rejected").replace("%1", str(st.rejected_count)))
        last = max((t for t in (st.last_pull_at, st.last_push_at) if t), default=None)
        parts.append(self.tr("last sync %1").replace("%1", local_time(last) if last else self.tr("never")))
        self.sync_label.setText(f'<span style="color:{colour}">{escape(" · ".join(parts))}</span>')
        self.sync_label.setToolTip(plain_tooltip([st.last_error] if st.last_error else []))  # the server's words

    def _update_sound_label(self) -> None:
        if self._sounds.available:
            self.sound_label.setText("")
            self.sound_label.setToolTip("")
        else:
            self.sound_label.setText(escape(self.tr("no sound: flashing")))
            self.sound_label.setToolTip(self._sounds.reason)

    def _on_notice(self, notice: SyncNotice) -> None:
        verdict = notice.verdict
        self._notices = [verdict, *(n for n in self._notices if n.unknown_id != verdict.unknown_id)][:3]
        if verdict.unknown_id:
            self._mark_resolved(verdict)
        self._update_notice()
        if not self._sounds.play("notice"):
            self.banner.flash()
        self.banner_shown.emit(notice)

    def _mark_resolved(self, verdict: Verdict) -> None:
        """The unknown scan's row in the list now shows where the parcel belongs."""
        bg, fg = COLOURS[Outcome.MATCHED]
        for row in range(self.recent.rowCount()):
            suite = self.recent.item(row, 3)
            result = self.recent.item(row, 2)
            if suite is None or result is None or suite.data(qt.Qt.ItemDataRole.UserRole) != verdict.unknown_id:
                continue
            suite.setText(verdict.customer_suite or "")
            result.setData(qt.Qt.ItemDataRole.UserRole, str(Outcome.MATCHED))
            result.setText(outcome_word(Outcome.MATCHED))
            result.setBackground(qt.QColor(bg))
            result.setForeground(qt.QColor(fg))

    def notices(self) -> list[str]:
        """The late-match notices on screen, newest first."""
        return [line for line in self.notice_bar.text().split("\n") if line] if self.notice_bar.isVisible() else []

    def _update_notice(self) -> None:
        if not self._notices:
            self.notice_bar.setVisible(False)
            self.notice_bar.clear()
            return
        lines = [
            self.tr("Matched later by sync: %1 from the unknown shelf belongs to suite %2 (%3): move it to the shelf")
            .replace("%1", v.tracking_number or v.raw.strip())
            .replace("%2", v.customer_suite or "?")
            .replace("%3", v.customer_name or "")
            for v in self._notices
        ]
        self.notice_bar.setText("\n".join(lines))
        self.notice_bar.setVisible(True)

    # ----- recording, settings and set-up problems -------------------------------------------------------------

    def _on_receiving_status(self, status: ReceivingStatus) -> None:
        if status != self._receiving:
            log.info("receiving status: %s", json_text(status))
        self._receiving = status
        self._update_receiving()

    def _update_receiving(self) -> None:
        """The problem bar while writes fail; the count of scans waiting in memory in the status bar."""
        status = self._receiving
        waiting = str(status.waiting)
        if status.problem is None:
            self.problem_bar.setVisible(False)
            self.problem_bar.clear()
        elif status.disk_full:
            self.problem_bar.setText(
                self.tr(
                    "Disk full: scans are not written to disk, %1 waiting in memory. "
                    "Free some space or call the administrator."
                ).replace("%1", waiting)
            )
            self.problem_bar.setVisible(True)
        else:
            self.problem_bar.setText(
                self.tr(
                    "Scans are not being recorded: %1 waiting in memory, recorded by themselves once the database "
                    "takes them again. Call the administrator. (%2)"
                )
                .replace("%1", waiting)
                .replace("%2", status.problem)
            )
            self.problem_bar.setVisible(True)
        self.waiting_label.setText(self.tr("Scans waiting to be recorded: %1").replace("%1", waiting))
        self.waiting_label.setVisible(status.waiting > 0)

    def problem(self) -> str:
        """The recording problem on screen, or ""."""
        return self.problem_bar.text() if self.problem_bar.isVisible() else ""

    def _update_warnings(self) -> None:
        # The warnings come in the config's words (English); the heading says in the screen's language what to do.
        if self._config_warnings:
            heading = self.tr("Risky settings: tell the administrator.")
            self.warning_bar.setText("\n".join((heading, *self._config_warnings)))
        else:
            self.warning_bar.clear()
        self.warning_bar.setVisible(bool(self._config_warnings))

    def _on_active_admins(self, count: int) -> None:
        self._active_admins = count
        self._update_no_admin()

    def _update_no_admin(self) -> None:
        """On the log-in screen of a station without an active administrator: say so, and the command."""
        show = self._active_admins == 0 and self.operator is None
        if show:
            self.no_admin_bar.setText(
                "\n".join(
                    (
                        self.tr(
                            "This station has no active administrator, so nobody can set it up. "
                            "Create one on this computer with the command:"
                        ),
                        "    " + self._admin_command,
                        self.tr("NAME is the name to log in with; the PIN is asked twice. Then log in here."),
                    )
                )
            )
        self.no_admin_bar.setVisible(show)

    # ----- window ---------------------------------------------------------------------------------------------

    def closeEvent(self, event: qt.QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._settings is not None:
            self._settings.setValue("window/geometry", self.saveGeometry())
            self._settings.sync()
        super().closeEvent(event)


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
