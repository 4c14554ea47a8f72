"""The status bar: each scanner's state, sync, scans waiting to be recorded, the supervisor's queue, sound, who."""

from __future__ import annotations

from scanstation.domain import ReceivingStatus, ScannerState, ScannerStatus, SyncState, SyncStatus
from scanstation.gui import qt
from scanstation.gui.clerk.waiting import WaitingCount
from scanstation.gui.plain import escape, plain_label, plain_tooltip
from scanstation.gui.session import Login
from scanstation.gui.sound import Sounds
from scanstation.gui.texts import local_time
from scanstation.gui.widgets import font


class StationStatusBar(qt.QStatusBar):
    """Rich text for colour only: every outside part of its labels is escaped (see `escape`)."""

    def __init__(self, scale: float, sounds: Sounds, scanner_names: tuple[str, ...]) -> None:
        super().__init__()
        # As QMainWindow.statusBar() makes its own: the status texts never set the window's minimum width.
        self.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Fixed)
        self._sounds = sounds
        self._scanner_states: dict[str, ScannerStatus | None] = {name: None for name in scanner_names}
        self._sync: SyncStatus | None = None
        self._login: Login | None = None
        self._waiting = 0
        self._supervisor: WaitingCount | None = None
        self.setFont(font(13 * scale))
        self.scanners_label = qt.QLabel()
        self.sync_label = qt.QLabel()
        self.operator_label = qt.QLabel()
        self.sound_label = qt.QLabel()
        self.language_button = qt.QToolButton()
        self.logout_button = qt.QToolButton()
        # Shown by role on every log-in and log-out; the core checks the role again when they are used.
        self.settings_button = qt.QToolButton()
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setVisible(False)
        self.audit_button = qt.QToolButton()
        self.audit_button.setObjectName("auditButton")
        self.audit_button.setVisible(False)
        self.supervisor_button = qt.QToolButton()
        self.supervisor_button.setObjectName("supervisorButton")
        self.supervisor_button.setVisible(False)
        for w in (self.scanners_label, self.sync_label, self.operator_label, self.sound_label):
            w.setFont(font(13 * scale, bold=True))
            w.setTextFormat(qt.Qt.TextFormat.RichText)
        for w in (self.scanners_label, self.sync_label):
            # Long status texts are cut, never allowed to widen the window past the screen.
            w.setSizePolicy(qt.QSizePolicy.Policy.Ignored, qt.QSizePolicy.Policy.Preferred)
            w.setMinimumWidth(round(200 * scale))
        self.addWidget(self.scanners_label, 2)
        self.addWidget(self.sync_label, 2)
        self.waiting_label = plain_label()
        self.waiting_label.setObjectName("scansWaiting")
        self.waiting_label.setFont(font(13 * scale, bold=True))
        self.waiting_label.setStyleSheet("color: #ffffff; background: #b71c1c; padding: 0 6px;")
        self.waiting_label.setVisible(False)
        self.addPermanentWidget(self.waiting_label)
        # How many exceptions wait for a supervisor: information for the clerk, in the bar's own calm colours.
        self.supervisor_label = plain_label()
        self.supervisor_label.setObjectName("supervisorWaiting")
        self.supervisor_label.setFont(font(13 * scale))
        self.supervisor_label.setVisible(False)
        self.addPermanentWidget(self.supervisor_label)
        self.addPermanentWidget(self.sound_label)
        self.addPermanentWidget(self.operator_label)
        self.addPermanentWidget(self.supervisor_button)
        self.addPermanentWidget(self.audit_button)
        self.addPermanentWidget(self.settings_button)
        self.addPermanentWidget(self.logout_button)
        self.addPermanentWidget(self.language_button)
        sounds.availability_changed.connect(lambda _ok: self._update_sound())

    def retranslate(self, language: str) -> None:
        self.logout_button.setText(qt.QCoreApplication.translate("StationWindow", "Log out (Ctrl+L)"))
        self.settings_button.setText(qt.QCoreApplication.translate("StationWindow", "Settings (Ctrl+,)"))
        self.audit_button.setText(qt.QCoreApplication.translate("StationWindow", "Audit trail"))
        self.supervisor_button.setText(
            qt.QCoreApplication.translate("StationWindow", "Supervisor's desk (Ctrl+Shift+S)")
        )
        self.language_button.setText("Русский (F9)" if language == "en" else "English (F9)")
        self._update_operator()
        self._update_scanners()
        self._update_sync()
        self._update_sound()
        self._update_waiting()
        self._update_supervisor()

    def show_scanner(self, status: ScannerStatus) -> None:
        self._scanner_states[status.name] = status
        self._update_scanners()

    def show_sync(self, status: SyncStatus) -> None:
        self._sync = status
        self._update_sync()

    def show_operator(self, login: Login | None) -> None:
        self._login = login
        self._update_operator()

    def show_receiving(self, status: ReceivingStatus) -> None:
        self._waiting = status.waiting
        self._update_waiting()

    def show_supervisor_waiting(self, count: WaitingCount) -> None:
        self._supervisor = count
        self._update_supervisor()

    def _update_supervisor(self) -> None:
        count = self._supervisor
        if count is None:  # not counted yet (or no database to count in)
            return
        shown = f"{count.total}+" if count.more else str(count.total)
        self.supervisor_label.setText(
            qt.QCoreApplication.translate("StationWindow", "waiting for a supervisor: %1").replace("%1", shown)
        )
        self.supervisor_label.setVisible(True)

    def _update_operator(self) -> None:
        if self._login is None:
            self.operator_label.setText(qt.QCoreApplication.translate("StationWindow", "nobody logged in"))
            self.logout_button.setVisible(False)
        else:
            self.operator_label.setText(
                qt.QCoreApplication.translate("StationWindow", "Operator: %1").replace(
                    "%1", escape(self._login.display_name)
                )
            )
            self.logout_button.setVisible(True)

    def _update_waiting(self) -> None:
        self.waiting_label.setText(
            qt.QCoreApplication.translate("StationWindow", "Scans waiting to be recorded: %1").replace(
                "%1", str(self._waiting)
            )
        )
        self.waiting_label.setVisible(self._waiting > 0)

    def _update_scanners(self) -> None:
        if not self._scanner_states:
            self.scanners_label.setText(
                qt.QCoreApplication.translate("StationWindow", "no scanners configured (typed entry only)")
            )
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

    def _update_sync(self) -> None:
        st = self._sync
        if st is None:
            self.sync_label.setText(qt.QCoreApplication.translate("StationWindow", "Sync: starting"))
            return
        state = st.state
        colour = {SyncState.ONLINE: "#1b8a2f", SyncState.DISABLED: "#555"}.get(state, "#c62828")
        words = {
            SyncState.ONLINE: qt.QCoreApplication.translate("StationWindow", "online"),
            SyncState.OFFLINE: qt.QCoreApplication.translate("StationWindow", "OFFLINE"),
            SyncState.TOKEN_REJECTED: qt.QCoreApplication.translate(
                "StationWindow", "TOKEN REJECTED: call the administrator"
            ),
            SyncState.DISABLED: qt.QCoreApplication.translate("StationWindow", "off (no server configured)"),
        }
        parts = [qt.QCoreApplication.translate("StationWindow", "Sync: %1").replace("%1", words[state])]
        parts.append(
            qt.QCoreApplication.translate("StationWindow", "%1 events waiting").replace("%1", str(st.events_waiting))
        )
        if st.rejected_count:
            parts.append(
                qt.QCoreApplication.translate("StationWindow", "%1 rejected").replace("%1", str(st.rejected_count))
            )
        last = max((t for t in (st.last_pull_at, st.last_push_at) if t), default=None)
        parts.append(
            qt.QCoreApplication.translate("StationWindow", "last sync %1").replace(
                "%1", local_time(last) if last else qt.QCoreApplication.translate("StationWindow", "never")
            )
        )
        self.sync_label.setText(f'<span style="color:{colour}">{escape(" · ".join(parts))}</span>')
        self.sync_label.setToolTip(plain_tooltip([st.last_error] if st.last_error else []))  # the server's words

    def _update_sound(self) -> None:
        if self._sounds.available:
            self.sound_label.setText("")
            self.sound_label.setToolTip("")
        else:
            self.sound_label.setText(escape(qt.QCoreApplication.translate("StationWindow", "no sound: flashing")))
            self.sound_label.setToolTip(self._sounds.reason)


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


__all__ = ["StationStatusBar"]
