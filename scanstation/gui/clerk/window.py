"""The clerk's scan screen: the panels (banner, counters, last scans, entry, status bar) and what ties them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from scanstation.domain import (
    Act,
    Actor,
    ReceivingStatus,
    Role,
    Scan,
    SyncNotice,
    UndoResult,
    Verdict,
    badge_secret_of,
    json_text,
)
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.bridge import Bridge, GuiReceiving, in_words
from scanstation.gui.clerk.banner import VerdictBanner
from scanstation.gui.clerk.counters import CountersPanel
from scanstation.gui.clerk.doors import Doors
from scanstation.gui.clerk.entry import EntryPanel, LoginForm
from scanstation.gui.clerk.photo import PhotoDoor
from scanstation.gui.clerk.recent import RecentPanel
from scanstation.gui.clerk.status import StationStatusBar
from scanstation.gui.clerk.waiting import SupervisorWaiting
from scanstation.gui.i18n import Translations
from scanstation.gui.photos import Cameras
from scanstation.gui.session import Login, PinNeeded, Refusal, Session
from scanstation.gui.sound import Sounds
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.texts import (
    BannerText,
    banner_error,
    banner_for,
    banner_idle,
    banner_kept,
    banner_undone,
    local_time,
    login_refusal_words,
)
from scanstation.gui.widgets import Retranslated, font, message_bar
from scanstation.store.connection import Store

log = logging.getLogger(__name__)

MANUAL_SCANNER = "manual"
# What creates the first administrator (`scanstation operators`); shown word for word on the log-in screen.
ADMIN_COMMAND = "scanstation operators add NAME --role admin"


class StationWindow(Retranslated, qt.QMainWindow):
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
        idle_logout_min: float = 0.0,
        admin_context: AdminContext | None = None,
        supervisor_context: SupervisorContext | None = None,
        store: Store | None = None,
        cameras: Cameras | None = None,
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
        self._login_hint = False  # the log-in message is a hint (a badge's PIN asked), not a refusal
        # A supervisor's or admin's badge waiting for its PIN: the secret (never shown) and the name fixed.
        self._badge: tuple[str, str] | None = None
        # The core said no attempt for this name is looked at before then: (the name as typed, when).
        self._retry: tuple[str, datetime] | None = None
        self._idle_min = 0.0
        self._doors = Doors(self, worker, admin_context, supervisor_context)
        # With the database: the Photo button for a paid photo, and the supervisor's queue counted for the bar.
        self._store = store
        self._cameras = cameras

        self.setFont(font(15 * font_scale))
        self._build(scanner_names)
        self._connect()
        if self.supervisor_waiting is not None:
            self.supervisor_waiting.start()
        self.set_idle_logout(idle_logout_min)
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
        self.photo_door = PhotoDoor(
            self,
            s,
            self._store,
            lambda: self._session.actor,
            self._worker.runner if self._worker is not None else None,
            station=self._station_id,
            cameras=self._cameras,
        )
        entry_layout = self.entry_row.layout()
        assert isinstance(entry_layout, qt.QHBoxLayout)
        entry_layout.addWidget(self.photo_door.button, 2)
        self.supervisor_waiting = SupervisorWaiting(self._store) if self._store is not None else None
        if self.supervisor_waiting is not None:
            self.supervisor_waiting.counted.connect(self.status_bar.show_supervisor_waiting)

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
        # The log-in button counts down a delay or a lock-out the core gave; a timer, never a wait.
        self._retry_timer = qt.QTimer(self)
        self._retry_timer.setInterval(250)
        self._retry_timer.timeout.connect(self._update_login_button)
        # Restarted by every key, click and scan; when it fires, whoever is logged in is logged out.
        self._idle_timer = qt.QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setTimerType(qt.Qt.TimerType.PreciseTimer)  # its time left is read exactly (tests)
        self._idle_timer.timeout.connect(self._idle_out)

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
        b.badge.connect(self._on_badge)
        self.pin_edit.returnPressed.connect(self._login)
        self.name_edit.returnPressed.connect(self._badge_typed_as_name)
        self.name_edit.textChanged.connect(self._update_login_button)
        self.login_button.clicked.connect(self._login)
        self.entry.returnPressed.connect(self._submit_typed)
        self.entry_row.enter_button.clicked.connect(self._submit_typed)
        self.entry.undo_requested.connect(self.undo_last)
        self.undo_button.clicked.connect(self.undo_last)
        self.status_bar.logout_button.clicked.connect(self.log_out)
        self.status_bar.settings_button.clicked.connect(self.open_settings)
        self.status_bar.audit_button.clicked.connect(self.open_audit)
        self.status_bar.supervisor_button.clicked.connect(self.open_supervisor)
        self.status_bar.language_button.clicked.connect(self.toggle_language)
        keys: list[tuple[qt.QKeySequence, Callable[[], None]]] = [
            (qt.QKeySequence(qt.QKeySequence.StandardKey.Undo), self.undo_last),
            (qt.QKeySequence("F2"), self._focus_entry),
            (qt.QKeySequence("Ctrl+L"), self.log_out),
            (qt.QKeySequence("F9"), self.toggle_language),
            (qt.QKeySequence("Ctrl+,"), self.open_settings),
            (qt.QKeySequence("Ctrl+Shift+S"), self.open_supervisor),
        ]
        self._shortcuts = [qt.QShortcut(sequence, self) for sequence, _ in keys]
        for shortcut, (_, action) in zip(self._shortcuts, keys, strict=True):
            shortcut.activated.connect(action)
        # Esc on the log-in row drops a badge's PIN prompt; only there, the typed entry clears itself on Esc.
        self._cancel_badge_shortcut = qt.QShortcut(qt.QKeySequence("Esc"), self.login_row)
        self._cancel_badge_shortcut.setContext(qt.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._cancel_badge_shortcut.activated.connect(self.cancel_badge)

    # ----- texts ----------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Set every text again in the current language (also called once at start)."""
        self.setWindowTitle(self.tr("Scan station %1").replace("%1", self._station_id))
        for panel in (self.counters, self.recent, self.login_row, self.entry_row, self.photo_door):
            panel.retranslate()
        self.status_bar.retranslate(self._language())
        self.status_bar.show_operator(self._session.login)
        self._update_login_message()
        self._update_login_button()
        self._update_roles()
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
        if self._badge_typed_as_name():
            return
        name = self.name_edit.text().strip()
        pin = self.pin_edit.text()
        if not name or not pin:
            self._set_login_error(self.tr("enter your name and PIN"))
            return
        receiving = self._worker
        if receiving is None or self._login_pending or self._retry_left() > 0:
            return
        self._login_pending = True
        self._update_login_button()
        badge = self._badge
        if badge is not None:
            secret = badge[0]
            work: Callable[[], Login | PinNeeded | Refusal] = lambda: receiving.check_badge(secret, pin)  # noqa: E731
        else:
            work = lambda: receiving.check_pin(name, pin)  # noqa: E731
        receiving.op(work).success(lambda answer: self._on_login(answer, name)).failure(
            self._on_login_failed
        ).run_in_background()
        receiving.check_admins()

    def _set_login_error(self, text: str, *, hint: bool = False) -> None:
        self._login_error = text
        self._login_hint = hint
        self.login_row.say(text, hint=hint)

    def _update_login_message(self) -> None:
        badge = self._badge
        if badge is not None and not self._login_error:
            self.login_row.say(self.tr("Badge of %1: type your PIN").replace("%1", badge[1]), hint=True)
        else:
            self.login_row.say(self._login_error, hint=self._login_hint)

    def _on_login(self, answer: Login | PinNeeded | Refusal, name: str) -> None:
        self._login_answered()
        if isinstance(answer, Refusal):
            self._refused(answer, name)
            self.pin_edit.setFocus()
            return
        if isinstance(answer, PinNeeded):  # not from a PIN, but a badge scanned again meanwhile is asked again
            self._set_login_error("")
            self.pin_edit.setFocus()
            return
        self._badge = None
        self.name_edit.setReadOnly(False)
        self.log_in(answer.name, answer.display_name, answer.role)

    def _refused(self, refusal: Refusal, name: str) -> None:
        """The core's refusal in its words (wrong name or PIN, wait, locked until ...) and its delay on the button."""
        self._set_login_error(login_refusal_words(refusal.words))
        if refusal.retry_at is not None:
            self._retry = (name, refusal.retry_at)
        self._update_login_button()

    def _retry_left(self) -> float:
        """Seconds before the core looks at another attempt for the name in the field (0: now)."""
        retry = self._retry
        if retry is None or self.name_edit.text().strip() != retry[0]:
            return 0.0
        return max(0.0, (retry[1] - datetime.now(UTC)).total_seconds())

    def _update_login_button(self) -> None:
        left = self._retry_left()
        if left > 0:
            if left > 90:
                text = self.tr("Locked until %1").replace("%1", local_time(self._retry[1]) if self._retry else "")
            else:
                text = self.tr("Log in: wait %1 s").replace("%1", str(int(left + 0.999)))
            self.login_button.setText(text)
            self.login_button.setEnabled(False)
            if not self._retry_timer.isActive():
                self._retry_timer.start()
            return
        self._retry_timer.stop()
        if self._retry is not None and self.name_edit.text().strip() == self._retry[0]:
            self._retry = None  # the wait is over: say so by the button, not by an old refusal
        self.login_button.setText(self.tr("Log in"))
        self.login_button.setEnabled(not self._login_pending)

    def retry_wait_s(self) -> float:
        """How long the log-in button stays disabled for the name in the field (tests read it)."""
        return self._retry_left()

    def _on_login_failed(self, exc: Exception) -> None:
        # A database problem is told to the clerk in its own words.
        log.error("log-in check failed", exc_info=exc)
        self._login_answered()
        self._set_login_error(in_words(exc))
        self.pin_edit.setFocus()

    def _login_answered(self) -> None:
        self._login_pending = False
        self._update_login_button()
        self.pin_edit.clear()

    def log_in(self, name: str, display_name: str = "", role: Role = Role.CLERK) -> None:
        """Start this operator's session (after the PIN check said yes)."""
        self._session.log_in(Login(name, display_name or name, role))
        self._set_login_error("")
        self._retry = None
        self._update_login_button()
        self.login_row.setVisible(False)
        self.entry_row.setVisible(True)
        self._update_no_admin()
        self.status_bar.show_operator(self._session.login)
        self._update_roles()
        self._touch()
        self._show(lambda: banner_idle(True), feedback=None)
        self.entry.setFocus()

    def log_out(self) -> None:
        """Ctrl+L or the button: the operator leaves (audited)."""
        self._log_out("logged out")

    def _log_out(self, reason: str | None) -> None:
        """End the session; `reason` goes to the audit trail (None: the core audited it already, a badge switch)."""
        actor = self._session.actor
        if actor is None:
            return
        receiving = self._worker
        if receiving is not None and reason is not None:
            receiving.op(lambda: receiving.log_out(actor, reason)).failure(_logout_not_audited).run_in_background()
        self._session.log_out()
        self._idle_timer.stop()
        self._doors.close_all()
        self._update_roles()
        self._undo_target = None
        self._update_undo()
        self.photo_door.forget()
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

    # ----- badges ---------------------------------------------------------------------------------------------

    def _badge_typed_as_name(self) -> bool:
        """A badge typed (or wedge-typed) into the name field logs in as a scanned one; True when it was one."""
        secret = badge_secret_of(self.name_edit.text())
        if secret is None:
            return False
        self.name_edit.clear()
        self._on_badge(Scan(raw="", scanner=MANUAL_SCANNER, typed=True), secret)
        return True

    def _on_badge(self, scan: Scan, secret: str) -> None:
        """A badge read by a scanner or typed: it logs its operator in, or switches to them (the same rules)."""
        self._touch()
        receiving = self._worker
        if receiving is None or self._login_pending:
            return
        replacing = self._session.actor
        self._login_pending = True
        self._update_login_button()
        receiving.op(lambda: receiving.check_badge(secret, None, replacing)).success(
            lambda answer: self._on_badge_answer(secret, replacing, answer)
        ).failure(self._on_login_failed).run_in_background()
        receiving.check_admins()

    def _on_badge_answer(self, secret: str, replacing: Actor | None, answer: Login | PinNeeded | Refusal) -> None:
        self._login_answered()
        if isinstance(answer, Refusal):
            if self._session.login is not None:  # whoever is logged in stays: a bad badge logs nobody out
                self.statusBar().showMessage(
                    self.tr("Badge refused: %1").replace("%1", login_refusal_words(answer.words)), 10000
                )
                self.banner_shown.emit(answer)
                return
            self._refused(answer, self.name_edit.text().strip())
            return
        if isinstance(answer, PinNeeded):
            if self._session.login is not None:
                self._log_out(f"badge of {answer.name} scanned")
            self._badge = (secret, answer.name)
            self.name_edit.setText(answer.name)
            self.name_edit.setReadOnly(True)
            self.pin_edit.clear()
            self._set_login_error("")
            self._update_login_message()
            self._update_login_button()
            self.pin_edit.setFocus()
            self.banner_shown.emit(answer)
            return
        if self._session.login is not None:
            # The core audited the switch (LOGOUT of `replacing`, then LOGIN) in one transaction.
            self._log_out(None)
        self._badge = None
        self.name_edit.setReadOnly(False)
        self.log_in(answer.name, answer.display_name, answer.role)

    def cancel_badge(self) -> None:
        """Esc: the badge's PIN prompt is dropped; the name can be typed again."""
        if self._badge is None:
            return
        self._badge = None
        self.name_edit.setReadOnly(False)
        self.name_edit.clear()
        self.pin_edit.clear()
        self._set_login_error("")
        self._update_login_button()
        self.name_edit.setFocus()

    # ----- idle log-out ---------------------------------------------------------------------------------------

    def set_idle_logout(self, minutes: float) -> None:
        """After `minutes` without a key, click or scan the operator is logged out (0: never)."""
        self._idle_min = minutes
        app = qt.QCoreApplication.instance()
        if minutes > 0:
            self._idle_timer.setInterval(max(1, round(minutes * 60_000)))
            self._touch()
            if app is not None:  # every key and click, in this window or one it opened, is activity
                app.installEventFilter(self)  # installed once: Qt moves it to the front, never twice
        else:
            self._idle_timer.stop()
            if app is not None:
                app.removeEventFilter(self)  # off: no Python call on every event of the application

    def idle_left_ms(self) -> int:
        """Milliseconds before the idle log-out; -1 when it is off or nobody is logged in."""
        return self._idle_timer.remainingTime() if self._idle_timer.isActive() else -1

    def _touch(self) -> None:
        if self._idle_min > 0 and self._session.login is not None:
            self._idle_timer.start()

    def _idle_out(self) -> None:
        if self._session.login is not None:
            self._log_out(f"idle for {self._idle_min:g} min")

    def eventFilter(self, watched: qt.QObject, event: qt.QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (qt.QEvent.Type.KeyPress, qt.QEvent.Type.MouseButtonPress):
            self._touch()
        return False

    # ----- the supervisor's and admin's windows --------------------------------------------------------------

    def _update_roles(self) -> None:
        """The Settings, Audit trail and Supervisor's desk buttons for the roles that may use them (checked again)."""
        actor = self._session.actor
        self.status_bar.settings_button.setVisible(actor is not None and actor.may(Act.OPEN_SETTINGS))
        self.status_bar.audit_button.setVisible(actor is not None and actor.may(Act.VIEW_AUDIT))
        self.status_bar.supervisor_button.setVisible(actor is not None and actor.may(Act.RESOLVE_EXCEPTION))

    def open_settings(self) -> None:
        """Ctrl+, or the button: the admin's window, or the core's refusal (audited) in words."""
        actor = self._session.actor
        if actor is not None:
            self._doors.open_settings(actor)

    def open_audit(self) -> None:
        """The audit trail viewer for a supervisor or admin, or the core's refusal (audited) in words."""
        actor = self._session.actor
        if actor is not None:
            self._doors.open_audit(actor)

    def open_supervisor(self) -> None:
        """Ctrl+Shift+S or the button: the supervisor's desk, or the core's refusal (audited) in words."""
        actor = self._session.actor
        if actor is not None:
            self._doors.open_supervisor(actor)

    @property
    def doors(self) -> Doors:
        """The windows opened from this one (settings, audit trail) and the refusals shown."""
        return self._doors

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
        secret = badge_secret_of(text)
        if secret is not None:  # a badge typed in is a log-in, never a parcel: not even handed to the worker
            self._on_badge(Scan(raw="", scanner=MANUAL_SCANNER, typed=True), secret)
            return
        self.submit(Scan(raw=text, scanner=MANUAL_SCANNER, typed=True))

    def _on_verdict(self, verdict: Verdict) -> None:
        self._touch()
        if self._notices and verdict.keys:
            # The clerk took the late-matched parcel off the unknown shelf and scanned it: notice done.
            self._notices = [n for n in self._notices if not (n.keys & verdict.keys)]
            self._update_notice()
        self.counters.add(verdict)
        self.recent.model.add(verdict)
        if verdict.undo_deadline is not None:
            self._undo_target = verdict
            self._update_undo()
        self.photo_door.show_verdict(verdict)
        if self.supervisor_waiting is not None:
            self.supervisor_waiting.scan_seen()
        logged_in = self.operator is not None
        self._show(lambda: banner_for(verdict, logged_in), feedback=str(verdict.outcome), payload=verdict)

    def _on_failed(self, scan: Scan, message: str) -> None:
        self.photo_door.clear()
        self._show(lambda: banner_error(scan.raw, message), feedback="invalid", payload=scan)

    def _on_kept(self, scan: Scan, problem: str) -> None:
        self.photo_door.clear()
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
            self.photo_door.forget(result.scan_id)
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
        self._doors.close_all()
        self.photo_door.forget()
        if self.supervisor_waiting is not None:
            self.supervisor_waiting.stop()
        if self._settings is not None:
            self._settings.setValue("window/geometry", self.saveGeometry())
            self._settings.sync()
        super().closeEvent(event)


def _logout_not_audited(exc: Exception) -> None:
    # The operator is logged out on screen all the same; the database problem is in the log.
    log.error("recording a log-out in the audit trail failed", exc_info=exc)
