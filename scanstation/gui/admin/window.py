"""The admin's window: tabs Scanners | Server | Station | Operators | Audit, and one Save for the settings."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from typing import Any

from scanstation.config import Config, ConfigError
from scanstation.config.reader import MAX_FILE_BYTES, read_regular_file
from scanstation.domain.access import Act, Actor, NotAllowedError, Role, SettingChange, require
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import AuditView
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.admin.form import Edit, SettingsPage, check_edits, error_words
from scanstation.gui.admin.operators_tab import OperatorsTab
from scanstation.gui.admin.scanners_tab import ScannersTab
from scanstation.gui.admin.server_tab import ServerTab
from scanstation.gui.admin.station_tab import StationTab
from scanstation.gui.bridge import in_words
from scanstation.gui.plain import plain_label
from scanstation.gui.widgets import Retranslated, message_bar, warning_box

log = logging.getLogger(__name__)


def read_config_data(context: AdminContext) -> dict[str, Any]:
    """The config file as parsed TOML: what the forms show and what their edits are checked against."""
    return tomllib.loads(read_regular_file(context.config_path, MAX_FILE_BYTES).decode("utf-8"))


def refusal(actor: Actor | None) -> str | None:
    """Why `actor` may not open the settings, in words; None when they may."""
    if actor is None:
        return qt.QCoreApplication.translate("AdminWindow", "Log in as an administrator to open the settings.")
    try:
        require(actor, Act.OPEN_SETTINGS)
    except NotAllowedError as exc:
        return str(exc)
    return None


class AdminWindow(Retranslated, qt.QMainWindow):
    """The station's settings for an administrator; Save writes the file, applies what it can and says the rest.

    Raises NotAllowedError (the core's refusal, in words) when the acting operator is not an admin; use
    `open_admin` to show the refusal instead.
    """

    saved = qt.Signal(object, object)  # the new Config and its SettingChange tuple, after apply (tests wait)
    save_failed = qt.Signal(str)

    def __init__(self, context: AdminContext, parent: qt.QWidget | None = None) -> None:
        super().__init__(parent)
        actor = context.actor()
        if actor is None:
            raise NotAllowedError(Actor("nobody", Role.CLERK), Act.OPEN_SETTINGS)
        require(actor, Act.OPEN_SETTINGS)
        self._context = context
        self._data = read_config_data(context)
        self._saving = False
        self._message = ""
        self._message_bad = False
        self.setObjectName("adminWindow")

        self.tabs = qt.QTabWidget()
        self.tabs.setObjectName("adminTabs")
        self.server_tab = ServerTab(context, self._data)
        self.station_tab = StationTab(context, self._data)
        self.pages: list[SettingsPage] = [self.server_tab.page, self.station_tab.page]
        self._tab_titles: list[tuple[qt.QWidget, Callable[[], str]]] = []
        self.scanners_tab = ScannersTab(context)
        self.operators_tab = OperatorsTab(context)
        self.audit_tab = AuditView(context)
        self._add_tab(self.scanners_tab, lambda: self.tr("&Scanners"))
        self._add_tab(self.server_tab, lambda: self.tr("Se&rver"))
        self._add_tab(self.station_tab, lambda: self.tr("S&tation"))
        self._add_tab(self.operators_tab, lambda: self.tr("&Operators"))
        self._add_tab(self.audit_tab, lambda: self.tr("&Audit"))
        for page in self.pages:
            page.changed.connect(self._update_buttons)

        self.errors_bar = message_bar("settingsErrors", 12, "background: #ffebee; color: #b71c1c; padding: 6px;")
        self.result_line = plain_label()
        self.result_line.setObjectName("saveResult")
        self.result_line.setWordWrap(True)
        self.save_button = qt.QPushButton()
        self.save_button.setObjectName("saveSettings")
        # A window shortcut, so Ctrl+S saves from whichever field has the focus.
        self.save_shortcut = qt.QShortcut(qt.QKeySequence(qt.QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save)
        self.save_button.clicked.connect(self.save)
        self.revert_button = qt.QPushButton()
        self.revert_button.setObjectName("revertSettings")
        self.revert_button.clicked.connect(self.revert)
        buttons = qt.QHBoxLayout()
        buttons.addWidget(self.result_line, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        central = qt.QWidget()
        layout = qt.QVBoxLayout(central)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.errors_bar)
        layout.addLayout(buttons)
        self.setCentralWidget(central)
        self.resize(1000, 760)
        self.retranslate()
        self._update_buttons()

    def _add_tab(self, widget: qt.QWidget, title: Callable[[], str]) -> None:
        self.tabs.addTab(widget, "")
        self._tab_titles.append((widget, title))

    # ----- texts ----------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings of station %1").replace("%1", self._context.station_id))
        for widget, title in self._tab_titles:
            self.tabs.setTabText(self.tabs.indexOf(widget), title())
        self.save_button.setText(self.tr("&Save"))
        self.save_button.setToolTip(
            self.tr("Write the changes to %1 (Ctrl+S)").replace("%1", str(self._context.config_path))
        )
        self.revert_button.setText(self.tr("Re&vert"))
        self.revert_button.setToolTip(self.tr("Show the values of the file again, dropping the changes"))
        self.result_line.setText(self._message)

    # ----- saving ---------------------------------------------------------------------------------------------

    def edits(self) -> list[Edit]:
        return [edit for page in self.pages for edit in page.edits()]

    def _update_buttons(self) -> None:
        pending = bool(self.edits())
        self.save_button.setEnabled(pending and not self._saving)
        self.revert_button.setEnabled(pending and not self._saving)

    def _say(self, text: str, bad: bool = False) -> None:
        self._message = text
        self.result_line.setText(text)
        self.result_line.setStyleSheet("color: #b71c1c; font-weight: bold;" if bad else "color: #1b5e20;")

    def _show_errors(self, errors: tuple[ConfigError, ...]) -> None:
        rest = list(errors)
        for page in self.pages:
            rest = page.show_errors(rest)
        self.errors_bar.setText("\n".join(f"{e.key}: {error_words(e)}" for e in rest))
        self.errors_bar.setVisible(bool(rest))
        first = next((f for page in self.pages for f in page.fields.values() if f.error), None)
        if first is not None:
            tab = self.server_tab if first.section == "server" else self.station_tab
            self.tabs.setCurrentWidget(tab)
            first.editor.setFocus()

    def save(self) -> None:
        """Check the changes as the loader would, then save them on the receiving thread (role checked, audited)."""
        edits = self.edits()
        if not edits or self._saving:
            return
        _, errors = check_edits(self._data, str(self._context.config_path), edits)
        self._show_errors(errors)
        if errors:
            self._say(self.tr("Nothing was saved: correct the settings marked in red."), bad=True)
            self.save_failed.emit(self._message)
            return
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Nothing was saved: nobody is logged in."), bad=True)
            self.save_failed.emit(self._message)
            return
        context = self._context

        def work() -> tuple[Config, tuple[SettingChange, ...]]:
            edit = context.open_edit(context.config_path)
            for change in edits:
                if change.secret:
                    assert isinstance(change.value, str)
                    edit.set_token(change.value)
                else:
                    edit.set(change.section, change.name, change.value)
            changes = edit.changes()
            return context.save(actor, edit), changes

        self._saving = True
        self._update_buttons()
        self._say(self.tr("Saving ..."))
        context.runner.op(work).success(self._on_saved).failure(self._on_save_failed).run_in_background()

    def _on_saved(self, answer: tuple[Config, tuple[SettingChange, ...]]) -> None:
        config, changes = answer
        self._saving = False
        try:
            self._context.apply(config, changes)
        except Exception as exc:  # the file is saved; what could not be applied now is applied at the next start
            log.exception("applying the saved settings failed")
            self._say(
                self.tr("Saved, but not applied now (%1): restart the station.").replace("%1", in_words(exc)), bad=True
            )
        else:
            self._say(saved_words(changes))
        self._data = read_config_data(self._context)
        self.server_tab.reload(self._data)
        self.station_tab.page.load(self._data)
        self._update_buttons()
        self.saved.emit(config, changes)

    def _on_save_failed(self, exc: Exception) -> None:
        self._saving = False
        if isinstance(exc, ConfigError):
            self._show_errors(exc.errors)
            self._say(self.tr("Nothing was saved: correct the settings marked in red."), bad=True)
        elif isinstance(exc, NotAllowedError):
            self._say(self.tr("Nothing was saved: %1").replace("%1", str(exc)), bad=True)
        else:
            log.error("saving the settings failed", exc_info=exc)
            self._say(self.tr("Nothing was saved: %1").replace("%1", in_words(exc)), bad=True)
        self._update_buttons()
        self.save_failed.emit(self._message)

    def revert(self) -> None:
        for page in self.pages:
            page.load(self._data)
        self._show_errors(())
        self._say("")
        self._update_buttons()


def saved_words(changes: tuple[SettingChange, ...]) -> str:
    """Which saved changes apply now and which wait for a restart, in words."""
    now = [change.key for change in changes if not change.needs_restart]
    later = [change.key for change in changes if change.needs_restart]
    parts = [qt.QCoreApplication.translate("AdminWindow", "Saved.")]
    if now:
        parts.append(qt.QCoreApplication.translate("AdminWindow", "Applied now: %1.").replace("%1", ", ".join(now)))
    if later:
        parts.append(
            qt.QCoreApplication.translate("AdminWindow", "After a restart of the station: %1.").replace(
                "%1", ", ".join(later)
            )
        )
    return " ".join(parts)


def open_admin(context: AdminContext, parent: qt.QWidget | None = None) -> AdminWindow | qt.QMessageBox:
    """The admin's window, shown; or, shown instead, the refusal in words when the acting operator may not open it.

    The caller keeps what it gets (a window without a parent lives as long as its Python reference).
    """
    words = refusal(context.actor())
    if words is not None:
        return warning_box(parent, qt.QCoreApplication.translate("AdminWindow", "Settings"), words, "adminRefused")
    window = AdminWindow(context, parent)
    if parent is not None:
        window.setWindowFlag(qt.Qt.WindowType.Window)
    window.show()
    return window


__all__ = ["AdminWindow", "open_admin", "read_config_data", "refusal", "saved_words"]
