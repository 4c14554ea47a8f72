"""The clerk's scan screen: the panels (banner, counters, last scans, entry, status bar) and what ties them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from scanstation.domain import (
    ReceivingStatus,
    Role,
    Scan,
    SyncNotice,
    UndoResult,
    Verdict,
    json_text,
)
from scanstation.gui import qt
from scanstation.gui.bridge import Bridge, GuiReceiving, in_words
from scanstation.gui.clerk.banner import VerdictBanner
from scanstation.gui.clerk.counters import CountersPanel
from scanstation.gui.clerk.entry import EntryPanel, LoginForm
from scanstation.gui.clerk.recent import RecentPanel
from scanstation.gui.clerk.status import StationStatusBar
from scanstation.gui.i18n import Translations
from scanstation.gui.session import Login, Session
from scanstation.gui.sound import Sounds
from scanstation.gui.texts import BannerText, banner_error, banner_for, banner_idle, banner_kept, banner_undone
from scanstation.gui.widgets import font, message_bar

log = logging.getLogger(__name__)

MANUAL_SCANNER = "manual"
# What creates the first administrator (`scanstation operators`); shown word for word on the log-in screen.
ADMIN_COMMAND = "scanstation operators add NAME --role admin"


class StationWindow(qt.QMainWindow):
    """Only shows and asks: scans go to the receiving worker, log-in and undo are operations answered on this thread."""

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
        self._banner_source: Callable[[], BannerText] = lambda: banner_idle(False)
        self._notices: list[Verdict] = []  # parcels matched later by sync, newest first, until scanned again
        self._login_error = ""
        self._config_warnings = config_warnings
        self._admin_command = admin_command
        self._receiving = ReceivingStatus()
        self._active_admins: int | None = None  # None until the receiving thread has counted them

        self.setFont(font(15 * font_scale))
        self._build(scanner_names)
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

    def _build(self, scanner_names: tuple[str, ...]) -> None:
        s = self._scale
        central = qt.QWidget()
        outer = qt.QVBoxLayout(central)
        outer.setContentsMargins(12, 12, 12, 6)
        outer.setSpacing(10)

        # Recording trouble (a full disk) comes first and in the loudest colours: scans are not on disk.
        self.problem_bar = message_bar(
            "receivingProblem", 20 * s, "background: #b71c1c; color: #ffffff; padding: 10px; border: 4px solid #ffeb3b;"
        )
        # Settings that are allowed but risky, said at every start for as long as they are set.
        self.warning_bar = message_bar(
            "configWarnings", 15 * s, "background: #ff6f00; color: #111; padding: 6px; border: 2px solid #111;"
        )
        self.banner = VerdictBanner(s)
        self.counters = CountersPanel(s)
        self.recent = RecentPanel(s)
        # Names and numbers from the feed and the barcode.
        self.notice_bar = message_bar(
            "lateMatches", 18 * s, "background: #fff59d; color: #111; padding: 8px; border: 3px solid #f57f17;"
        )
        # A fresh station with no administrator: nobody can set it up from this screen, so say how.
        self.no_admin_bar = message_bar(
            "noAdmin", 17 * s, "background: #e3f2fd; color: #0d47a1; padding: 10px; border: 3px solid #0d47a1;"
        )
        # The command can be selected and copied into a terminal.
        self.no_admin_bar.setTextInteractionFlags(qt.Qt.TextInteractionFlag.TextSelectableByMouse)
        # The bottom row is either the log-in form or the typed entry with undo.
        self.login_row = LoginForm(s)
        self.entry_row = EntryPanel(s)
        self.entry_row.setVisible(False)

        top = qt.QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.banner, 5)
        side = qt.QVBoxLayout()
        side.addWidget(self.counters)
        side.addWidget(self.recent, 1)
        top.addLayout(side, 2)
        outer.addWidget(self.problem_bar)
        outer.addWidget(self.warning_bar)
        outer.addLayout(top, 1)
        for row in (self.notice_bar, self.no_admin_bar, self.login_row, self.entry_row):
            outer.addWidget(row)
        self.setCentralWidget(central)
        self.status_bar = StationStatusBar(s, self._sounds, scanner_names)
        self.setStatusBar(self.status_bar)

        # The widgets the clerk's gestures reach, by the names the tests and the benches use.
        self.name_edit = self.login_row.name_edit
        self.pin_edit = self.login_row.pin_edit
        self.login_button = self.login_row.button
        self.login_error_label = self.login_row.error_label
        self.entry = self.entry_row.entry
        self.undo_button = self.entry_row.undo_button
        self.scanners_label = self.status_bar.scanners_label
        self.sync_label = self.status_bar.sync_label
        self.operator_label = self.status_bar.operator_label
        self.sound_label = self.status_bar.sound_label
        self.waiting_label = self.status_bar.waiting_label

        self._undo_timer = qt.QTimer(self)
        self._undo_timer.setInterval(250)
        self._undo_timer.timeout.connect(self._update_undo)

    def _connect(self) -> None:
        b = self._bridge
        b.verdict.connect(self._on_verdict)
        b.failed.connect(self._on_failed)
        b.kept.connect(self._on_kept)
        b.scanner_status.connect(self.status_bar.show_scanner)
        b.sync_status.connect(self.status_bar.show_sync)
        b.notice.connect(self._on_notice)
        b.receiving_status.connect(self._on_receiving_status)
        b.active_admins.connect(self._on_active_admins)
        self.pin_edit.returnPressed.connect(self._login)
        self.login_button.clicked.connect(self._login)
        self.entry.returnPressed.connect(self._submit_typed)
        self.entry_row.enter_button.clicked.connect(self._submit_typed)
        self.entry.undo_requested.connect(self.undo_last)
        self.undo_button.clicked.connect(self.undo_last)
        self.status_bar.logout_button.clicked.connect(self.log_out)
        self.status_bar.language_button.clicked.connect(self.toggle_language)
        keys: list[tuple[qt.QKeySequence, Callable[[], None]]] = [
            (qt.QKeySequence(qt.QKeySequence.StandardKey.Undo), self.undo_last),
            (qt.QKeySequence("F2"), self._focus_entry),
            (qt.QKeySequence("Ctrl+L"), self.log_out),
            (qt.QKeySequence("F9"), self.toggle_language),
        ]
        self._shortcuts = [qt.QShortcut(sequence, self) for sequence, _ in keys]
        for shortcut, (_, action) in zip(self._shortcuts, keys, strict=True):
            shortcut.activated.connect(action)

    # ----- texts ----------------------------------------------------------------------------------------------

    def changeEvent(self, event: qt.QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == qt.QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every text again in the current language (also called once at start)."""
        self.setWindowTitle(self.tr("Scan station %1").replace("%1", self._station_id))
        for panel in (self.counters, self.recent, self.login_row, self.entry_row):
            panel.retranslate()
        self.status_bar.retranslate(self._language())
        self.status_bar.show_operator(self._session.login)
        self.login_error_label.setText(self._login_error)
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

    def _on_login(self, login: Login | str) -> None:
        self._login_answered()
        if isinstance(login, str):
            self._set_login_error(login)  # the core's refusal: wrong name or PIN, wait, locked until ...
            self.pin_edit.setFocus()
            return
        self.log_in(login.name, login.display_name, login.role)

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

    def log_in(self, name: str, display_name: str = "", role: Role = Role.CLERK) -> None:
        """Start this operator's session (after the PIN check said yes)."""
        self._session.log_in(Login(name, display_name or name, role))
        self._set_login_error("")
        self.login_row.setVisible(False)
        self.entry_row.setVisible(True)
        self._update_no_admin()
        self.status_bar.show_operator(self._session.login)
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
        self.status_bar.show_operator(None)
        self._show(lambda: banner_idle(False), feedback=None)
        self.name_edit.setFocus()

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
        if self._notices and verdict.keys:
            # The clerk took the late-matched parcel off the unknown shelf and scanned it: notice done.
            self._notices = [n for n in self._notices if not (n.keys & verdict.keys)]
            self._update_notice()
        self.counters.add(verdict)
        self.recent.model.add(verdict)
        if verdict.undo_deadline is not None:
            self._undo_target = verdict
            self._update_undo()
        logged_in = self.operator is not None
        self._show(lambda: banner_for(verdict, logged_in), feedback=str(verdict.outcome), payload=verdict)

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

    def recent_rows(self) -> list[tuple[str, str, str, str]]:
        """What the last-scans list shows, top (newest) first."""
        return self.recent.model.rows()

    def count(self, outcome: str) -> int:
        return self.counters.count(outcome)

    # ----- undo -----------------------------------------------------------------------------------------------

    def undo_seconds_left(self) -> float:
        target = self._undo_target
        if target is None or target.undo_deadline is None or self.operator is None:
            return 0.0
        return max(0.0, (target.undo_deadline - datetime.now(UTC)).total_seconds())

    def undo_last(self) -> None:
        target, receiving, actor = self._undo_target, self._worker, self._session.actor
        if target is None or receiving is None or actor is None or self._undo_pending:
            return
        if self.undo_seconds_left() <= 0:
            return
        self._undo_pending = True
        scan_id = target.scan_id
        receiving.op(lambda: receiving.undo_scan(scan_id, actor)).success(self._on_undo_result).failure(
            self._on_undo_failed
        ).run_in_background()
        self._update_undo()

    def _update_undo(self) -> None:
        left = self.undo_seconds_left()
        if left > 0 and not self._undo_pending:
            self.entry_row.show_undo(int(left + 0.999))
            if not self._undo_timer.isActive():
                self._undo_timer.start()
        else:
            self.entry_row.show_undo(None)
            if left <= 0:
                self._undo_timer.stop()

    def _on_undo_result(self, result: UndoResult) -> None:
        self._undo_pending = False
        target = self._undo_target
        if result.undone or result.compensated:
            self.counters.remove(result.scan_id)
            self.recent.model.mark_undone(result.scan_id)
            number = ""
            if target is not None and target.scan_id == result.scan_id:
                number = target.tracking_number or target.raw.strip()
                self._undo_target = None
            self._show(lambda: banner_undone(number, result.message), feedback="notice", payload=result)
        else:
            self.statusBar().showMessage(self.tr("Undo refused: %1").replace("%1", result.message), 10000)
            self.banner_shown.emit(result)
        self._update_undo()

    def _on_undo_failed(self, exc: Exception) -> None:
        log.error("undo failed", exc_info=exc)
        self._undo_pending = False
        self.statusBar().showMessage(self.tr("Undo refused: %1").replace("%1", in_words(exc)), 10000)
        self._update_undo()

    # ----- late matches ---------------------------------------------------------------------------------------

    def _on_notice(self, notice: SyncNotice) -> None:
        verdict = notice.verdict
        self._notices = [verdict, *(n for n in self._notices if n.unknown_id != verdict.unknown_id)][:3]
        if verdict.unknown_id:
            self.recent.model.mark_resolved(verdict)
        self._update_notice()
        if not self._sounds.play("notice"):
            self.banner.flash()
        self.banner_shown.emit(notice)

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
        self.status_bar.show_receiving(status)

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
