"""The Operators tab: who may log in, with their lock-outs and badges, and every change through the core."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from scanstation.access import operators as access
from scanstation.access.operators import OperatorRecord
from scanstation.domain import utcnow
from scanstation.domain.access import Actor, NotAllowedError, Role
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.badge_print import BadgePrinter, BadgePrintError, QtBadgePrinter, badge_pixmap
from scanstation.gui.bridge import in_words
from scanstation.gui.plain import plain_label
from scanstation.gui.tables import RowsModel
from scanstation.gui.widgets import Retranslated, button_words
from scanstation.store.operators import OperatorError, check_pin

log = logging.getLogger(__name__)

T = TypeVar("T")

_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b71c1c; font-weight: bold;"


def role_words(role: str) -> str:
    words = {
        Role.CLERK.value: qt.QCoreApplication.translate("OperatorsTab", "clerk"),
        Role.SUPERVISOR.value: qt.QCoreApplication.translate("OperatorsTab", "supervisor"),
        Role.ADMIN.value: qt.QCoreApplication.translate("OperatorsTab", "admin"),
    }
    return words.get(role, role)


def local_time(at: datetime | None) -> str:
    """A stored (UTC) time as the station's clock shows it; "" for none."""
    return "" if at is None else at.astimezone().strftime("%Y-%m-%d %H:%M")


def refusal_words(exc: Exception) -> str:
    """What the core refused, in its words; anything else is logged as the bug it is and told briefly."""
    if isinstance(exc, NotAllowedError | OperatorError):
        return str(exc)  # LastAdminError is an OperatorError
    log.error("an operator change failed", exc_info=exc)
    return in_words(exc)


class OperatorsModel(RowsModel[OperatorRecord]):
    """The operators as an admin sees them, one row each, in the order the core lists them."""

    def __init__(self) -> None:
        super().__init__()
        self._now = utcnow()

    @property
    def records(self) -> list[OperatorRecord]:
        return self.rows

    def set_rows(self, rows: list[OperatorRecord]) -> None:
        self._now = utcnow()  # "locked until" is read against the time the list was read
        super().set_rows(rows)

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("OperatorsTab", "Name"),
            qt.QCoreApplication.translate("OperatorsTab", "Display name"),
            qt.QCoreApplication.translate("OperatorsTab", "Role"),
            qt.QCoreApplication.translate("OperatorsTab", "Active"),
            qt.QCoreApplication.translate("OperatorsTab", "Locked until"),
            qt.QCoreApplication.translate("OperatorsTab", "Wrong PINs"),
            qt.QCoreApplication.translate("OperatorsTab", "Badge issued"),
            qt.QCoreApplication.translate("OperatorsTab", "Last log-in"),
        ]

    def is_locked(self, record: OperatorRecord) -> bool:
        return record.locked_until is not None and record.locked_until > self._now

    def cell(self, record: OperatorRecord, column: int) -> str:
        if column == 0:
            return record.name
        if column == 1:
            return record.display_name
        if column == 2:
            return role_words(record.role.value)
        if column == 3:
            return (
                qt.QCoreApplication.translate("OperatorsTab", "yes")
                if record.active
                else qt.QCoreApplication.translate("OperatorsTab", "no")
            )
        if column == 4:
            return local_time(record.locked_until) if self.is_locked(record) else ""
        if column == 5:
            return str(record.failed_pins) if record.failed_pins else ""
        if column == 6:
            return local_time(record.badge_issued_at) if record.has_badge else ""
        return local_time(record.last_login_at)

    def foreground(self, row: OperatorRecord, column: int) -> str | None:
        if not row.active:
            return "#757575"
        return "#b71c1c" if column == 4 and self.is_locked(row) else None


def _pin_edit(name: str) -> qt.QLineEdit:
    edit = qt.QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(qt.QLineEdit.EchoMode.Password)
    edit.setMaxLength(12)
    edit.setInputMethodHints(qt.Qt.InputMethodHint.ImhDigitsOnly | qt.Qt.InputMethodHint.ImhSensitiveData)
    return edit


class OperatorDialog(qt.QDialog):
    """Add an operator (name, display name, role, PIN twice) or give one a new PIN or role; checks before OK."""

    def __init__(self, parent: qt.QWidget, *, name: bool, role: bool, pin: bool, current_role: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("operatorDialog")
        self.setModal(True)
        form = qt.QFormLayout()
        self.name_edit: qt.QLineEdit | None = None
        self.display_edit: qt.QLineEdit | None = None
        self.role_combo: qt.QComboBox | None = None
        self.pin_edit: qt.QLineEdit | None = None
        self.pin_again: qt.QLineEdit | None = None
        if name:
            self.name_edit = qt.QLineEdit()
            self.name_edit.setObjectName("newName")
            self.name_edit.setMaxLength(64)
            form.addRow(self.tr("Log-in &name"), self.name_edit)
            self.display_edit = qt.QLineEdit()
            self.display_edit.setObjectName("newDisplayName")
            self.display_edit.setMaxLength(128)
            self.display_edit.setPlaceholderText(self.tr("as the screens show them; empty: the log-in name"))
            form.addRow(self.tr("&Display name"), self.display_edit)
        if role:
            self.role_combo = qt.QComboBox()
            self.role_combo.setObjectName("newRole")
            for value in Role:
                self.role_combo.addItem(role_words(value.value), value.value)
            self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(current_role or Role.CLERK.value)))
            form.addRow(self.tr("&Role"), self.role_combo)
        if pin:
            self.pin_edit = _pin_edit("newPin")
            self.pin_again = _pin_edit("newPinAgain")
            form.addRow(self.tr("&PIN"), self.pin_edit)
            form.addRow(self.tr("PIN &again"), self.pin_again)
        self.error = plain_label()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(_BAD_STYLE)
        self.buttons = qt.QDialogButtonBox(
            qt.QDialogButtonBox.StandardButton.Ok | qt.QDialogButtonBox.StandardButton.Cancel
        )
        button_words(self.buttons)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = qt.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def name(self) -> str:
        return self.name_edit.text().strip() if self.name_edit is not None else ""

    def display_name(self) -> str:
        return self.display_edit.text().strip() if self.display_edit is not None else ""

    def role(self) -> str:
        return str(self.role_combo.currentData()) if self.role_combo is not None else ""

    def pin(self) -> str:
        return self.pin_edit.text() if self.pin_edit is not None else ""

    def _check(self) -> None:
        """Mistakes a person can fix here are told here; the core checks everything again."""
        problem = ""
        if self.name_edit is not None and not self.name():
            problem = self.tr("Type the name the operator logs in with.")
        elif self.pin_edit is not None and self.pin_again is not None:
            try:
                check_pin(self.pin_edit.text())
            except OperatorError as exc:
                problem = str(exc)
            else:
                if self.pin_edit.text() != self.pin_again.text():
                    problem = self.tr("The two PINs differ: type the same PIN twice.")
        self.error.setText(problem)
        if not problem:
            self.accept()


class BadgeDialog(qt.QDialog):
    """A badge just issued: its barcode on screen (never the secret as text), to print or save as PDF once."""

    def __init__(self, parent: qt.QWidget, display_name: str, secret: str, printer: BadgePrinter) -> None:
        super().__init__(parent)
        self.setObjectName("badgeDialog")
        self.setModal(True)
        self._display_name = display_name
        self._secret = secret
        self._printer = printer
        self.picture = qt.QLabel()
        self.picture.setObjectName("badgePicture")
        self.picture.setPixmap(badge_pixmap(display_name, secret, 560))
        self.picture.setAlignment(qt.Qt.AlignmentFlag.AlignCenter)
        self.note = plain_label()
        self.note.setObjectName("badgeNote")
        self.note.setWordWrap(True)
        self.result_line = plain_label()
        self.result_line.setObjectName("badgeResult")
        self.result_line.setWordWrap(True)
        self.print_button = qt.QPushButton()
        self.print_button.setObjectName("printBadge")
        self.print_button.clicked.connect(self.print_badge)
        self.pdf_button = qt.QPushButton()
        self.pdf_button.setObjectName("saveBadgePdf")
        self.pdf_button.clicked.connect(self.save_pdf)
        self.close_button = qt.QPushButton()
        self.close_button.setObjectName("closeBadge")
        self.close_button.clicked.connect(self.accept)
        buttons = qt.QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = qt.QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.result_line)
        layout.addLayout(buttons)
        self.setWindowTitle(self.tr("A new badge for %1").replace("%1", display_name))
        self.note.setText(
            self.tr(
                "This badge is shown only now: print it or save it as PDF before closing. "
                "Any earlier badge of %1 no longer logs in."
            ).replace("%1", display_name)
        )
        self.print_button.setText(self.tr("&Print…"))
        self.pdf_button.setText(self.tr("Save as P&DF…"))
        self.close_button.setText(self.tr("&Close"))
        self.finished.connect(self._forget)

    def _run(self, action: Callable[[str, str, qt.QWidget | None], str | None]) -> None:
        try:
            words = action(self._display_name, self._secret, self)
        except BadgePrintError as exc:
            self.result_line.setText(str(exc))
            self.result_line.setStyleSheet(_BAD_STYLE)
            return
        if words is not None:
            self.result_line.setText(words)
            self.result_line.setStyleSheet(_OK_STYLE)

    def print_badge(self) -> None:
        self._run(self._printer.print_badge)

    def save_pdf(self) -> None:
        self._run(self._printer.save_pdf)

    def _forget(self) -> None:
        # Once closed, the secret is nowhere on this station: a lost badge is replaced by issuing a new one.
        self._secret = ""
        self.picture.clear()


class OperatorsTab(Retranslated, qt.QWidget):
    """The operators, and add / PIN / role / deactivate / activate / unlock / badge / revoke, each in the core.

    Every change runs on the receiving thread as the acting operator (checked and audited there); a refusal
    is shown in the core's words; the table is read again after each.
    """

    refreshed = qt.Signal()  # the table shows what the core listed just now
    done = qt.Signal(bool, str)  # an action's answer (ok, the words shown), after the table was read again

    def __init__(self, context: AdminContext, printer: BadgePrinter | None = None) -> None:
        super().__init__()
        self.setObjectName("operatorsTab")
        self._context = context
        self._printer: BadgePrinter = printer if printer is not None else QtBadgePrinter()
        self._message = ""
        self._message_bad = False
        self.dialog: OperatorDialog | None = None
        self.confirmation: qt.QMessageBox | None = None
        self.badge_dialog: BadgeDialog | None = None

        self.model = OperatorsModel()
        self.table = qt.QTableView()
        self.table.setObjectName("operatorsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(qt.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(qt.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(qt.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.show_inactive = qt.QCheckBox()
        self.show_inactive.setObjectName("showInactive")
        self.show_inactive.toggled.connect(lambda _: self.refresh())
        self.selected_line = plain_label()
        self.selected_line.setObjectName("selectedOperator")
        self.result_line = plain_label()
        self.result_line.setObjectName("operatorsResult")
        self.result_line.setWordWrap(True)

        self.buttons: dict[str, qt.QPushButton] = {}
        actions: list[tuple[str, Callable[[], None]]] = [
            ("add", self.add),
            ("pin", self.set_pin),
            ("role", self.set_role),
            ("deactivate", self.deactivate),
            ("activate", self.activate),
            ("unlock", self.unlock),
            ("badge", self.print_badge),
            ("revoke", self.revoke_badge),
        ]
        row = qt.QHBoxLayout()
        for key, slot in actions:
            button = qt.QPushButton()
            button.setObjectName(f"operator-{key}")
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.show_inactive)

        layout = qt.QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.selected_line)
        layout.addWidget(self.result_line)
        self.retranslate()
        self._update_buttons()
        self.refresh()

    # ----- texts ----------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        texts = {
            "add": (self.tr("&Add…"), self.tr("A new operator: name, display name, role and PIN")),
            "pin": (self.tr("Set &PIN…"), self.tr("Give the selected operator a new PIN")),
            "role": (self.tr("Set &role…"), self.tr("Make the selected operator a clerk, supervisor or admin")),
            "deactivate": (self.tr("&Deactivate"), self.tr("The selected operator can no longer log in")),
            "activate": (self.tr("Ac&tivate"), self.tr("Let a deactivated operator log in again")),
            "unlock": (self.tr("&Unlock"), self.tr("Lift a lock-out after wrong PINs")),
            "badge": (self.tr("Print &badge…"), self.tr("Issue a new log-in badge and print it or save it as PDF")),
            "revoke": (self.tr("Re&voke badge"), self.tr("The selected operator's badge no longer logs in")),
        }
        for key, (text, tip) in texts.items():
            self.buttons[key].setText(text)
            self.buttons[key].setToolTip(tip)
        self.show_inactive.setText(self.tr("Show &inactive operators"))
        self.model.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._update_selected()

    # ----- the table ------------------------------------------------------------------------------------------

    def selected(self) -> OperatorRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.model.records):
            return None
        return self.model.records[rows[0].row()]

    def select(self, name: str) -> None:
        """Select `name`'s row (what a click on it does)."""
        for row, record in enumerate(self.model.records):
            if record.name == name:
                self.table.selectRow(row)
                return
        raise LookupError(name)

    def _update_selected(self) -> None:
        record = self.selected()
        if record is None:
            self.selected_line.setText(self.tr("Select an operator to change them."))
        else:
            self.selected_line.setText(
                self.tr("Selected: %1 (%2)").replace("%1", record.display_name).replace("%2", record.name)
            )

    def _update_buttons(self) -> None:
        record = self.selected()
        chosen = record is not None
        self.buttons["pin"].setEnabled(chosen)
        self.buttons["role"].setEnabled(chosen)
        self.buttons["deactivate"].setEnabled(record is not None and record.active)
        self.buttons["activate"].setEnabled(record is not None and not record.active)
        self.buttons["unlock"].setEnabled(
            record is not None and (self.model.is_locked(record) or record.failed_pins > 0)
        )
        self.buttons["badge"].setEnabled(record is not None and record.active)
        self.buttons["revoke"].setEnabled(record is not None and record.has_badge)
        self._update_selected()

    def refresh(self, then: Callable[[], None] | None = None) -> None:
        """Read the operators again on the receiving thread (as the acting admin: listing is checked too)."""
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Log in as an administrator to manage operators."), bad=True)
            self.refreshed.emit()
            if then is not None:
                then()
            return
        include = self.show_inactive.isChecked()
        store, station = self._context.store, self._context.station_id
        chosen = self.selected()
        keep = chosen.name if chosen is not None else None

        def shown(records: list[OperatorRecord]) -> None:
            self.model.set_rows(records)
            self.table.resizeColumnsToContents()
            if keep is not None and any(r.name == keep for r in records):
                self.select(keep)
            self._update_buttons()
            self.refreshed.emit()
            if then is not None:
                then()

        def failed(exc: Exception) -> None:
            self._say(refusal_words(exc), bad=True)
            self.model.set_rows([])
            self._update_buttons()
            self.refreshed.emit()
            if then is not None:
                then()

        self._context.runner.op(lambda: access.list_operators(store, actor, include, station=station)).success(
            shown
        ).failure(failed).run_in_background()

    def _say(self, text: str, bad: bool = False) -> None:
        self._message, self._message_bad = text, bad
        self.result_line.setText(text)
        self.result_line.setStyleSheet(_BAD_STYLE if bad else _OK_STYLE)

    # ----- acting through the core ----------------------------------------------------------------------------

    def _act(
        self,
        work: Callable[[Actor], T],
        done: Callable[[T], str],
        on_success: Callable[[T], None] | None = None,
    ) -> None:
        """Run `work` as the acting operator on the receiving thread; say how it went; read the table again."""
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Log in as an administrator to manage operators."), bad=True)
            self.done.emit(False, self._message)
            return

        def succeeded(result: T) -> None:
            self._say(done(result))
            if on_success is not None:
                on_success(result)
            self.refresh(lambda: self.done.emit(True, self._message))

        def failed(exc: Exception) -> None:
            self._say(refusal_words(exc), bad=True)
            self.refresh(lambda: self.done.emit(False, self._message))

        self._context.runner.op(lambda: work(actor)).success(succeeded).failure(failed).run_in_background()

    def _confirm(self, text: str, yes: str, then: Callable[[], None]) -> None:
        box = qt.QMessageBox(self)
        box.setObjectName("operatorConfirm")
        box.setIcon(qt.QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Operators"))
        box.setTextFormat(qt.Qt.TextFormat.PlainText)
        box.setText(text)
        box.setStandardButtons(qt.QMessageBox.StandardButton.Yes | qt.QMessageBox.StandardButton.Cancel)
        button_words(box)
        box.button(qt.QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(qt.QMessageBox.StandardButton.Cancel)

        def answered(button: qt.QAbstractButton) -> None:
            if box.standardButton(button) == qt.QMessageBox.StandardButton.Yes:
                then()

        box.buttonClicked.connect(answered)
        self.confirmation = box
        box.open()

    def _open_dialog(self, dialog: OperatorDialog, title: str, then: Callable[[OperatorDialog], None]) -> None:
        dialog.setWindowTitle(title)
        dialog.accepted.connect(lambda: then(dialog))
        self.dialog = dialog
        dialog.open()

    def add(self) -> None:
        store, station = self._context.store, self._context.station_id

        def chosen(d: OperatorDialog) -> None:
            name, display, role, pin = d.name(), d.display_name(), d.role(), d.pin()
            self._act(
                lambda actor: access.add_operator(store, actor, name, pin, role, display, station=station),
                lambda info: (
                    self.tr("%1 was added as %2.").replace("%1", info.display_name).replace("%2", role_words(info.role))
                ),
            )

        self._open_dialog(OperatorDialog(self, name=True, role=True, pin=True), self.tr("Add an operator"), chosen)

    def set_pin(self) -> None:
        record = self.selected()
        if record is None:
            return
        store, station, name = self._context.store, self._context.station_id, record.name

        def chosen(d: OperatorDialog) -> None:
            pin = d.pin()
            self._act(
                lambda actor: access.set_pin(store, actor, name, pin, station=station),
                lambda info: self.tr("%1 has a new PIN.").replace("%1", info.display_name),
            )

        title = self.tr("A new PIN for %1").replace("%1", record.display_name)
        self._open_dialog(OperatorDialog(self, name=False, role=False, pin=True), title, chosen)

    def set_role(self) -> None:
        record = self.selected()
        if record is None:
            return
        store, station, name = self._context.store, self._context.station_id, record.name

        def chosen(d: OperatorDialog) -> None:
            role = d.role()
            self._act(
                lambda actor: access.set_role(store, actor, name, role, station=station),
                lambda info: (
                    self.tr("%1 is now %2.").replace("%1", info.display_name).replace("%2", role_words(info.role))
                ),
            )

        title = self.tr("The role of %1").replace("%1", record.display_name)
        dialog = OperatorDialog(self, name=False, role=True, pin=False, current_role=record.role.value)
        self._open_dialog(dialog, title, chosen)

    def deactivate(self) -> None:
        record = self.selected()
        if record is None:
            return
        store, station, name = self._context.store, self._context.station_id, record.name
        self._confirm(
            self.tr("Deactivate %1? They can no longer log in; their scans keep their name.").replace(
                "%1", record.display_name
            ),
            self.tr("Deactivate"),
            lambda: self._act(
                lambda actor: access.deactivate_operator(store, actor, name, station=station),
                lambda info: self.tr("%1 can no longer log in.").replace("%1", info.display_name),
            ),
        )

    def activate(self) -> None:
        record = self.selected()
        if record is None:
            return
        store, station, name = self._context.store, self._context.station_id, record.name
        self._act(
            lambda actor: access.activate_operator(store, actor, name, station=station),
            lambda info: self.tr("%1 can log in again.").replace("%1", info.display_name),
        )

    def unlock(self) -> None:
        record = self.selected()
        if record is None:
            return
        store, station, name = self._context.store, self._context.station_id, record.name
        self._act(
            lambda actor: access.unlock_operator(store, actor, name, station=station),
            lambda info: self.tr("%1 is unlocked and may try their PIN again.").replace("%1", info.display_name),
        )

    def print_badge(self) -> None:
        record = self.selected()
        if record is None:
            return
        if record.has_badge:
            self._confirm(
                self.tr("%1 has a badge already. Issue a new one? The old badge stops logging in.").replace(
                    "%1", record.display_name
                ),
                self.tr("Issue a new badge"),
                lambda: self._issue(record),
            )
        else:
            self._issue(record)

    def _issue(self, record: OperatorRecord) -> None:
        store, station, name, shown_name = (
            self._context.store,
            self._context.station_id,
            record.name,
            record.display_name,
        )

        def show(secret: str) -> None:
            # The secret goes from the core's answer straight into the dialog; it is never logged or said.
            dialog = BadgeDialog(self, shown_name, secret, self._printer)
            self.badge_dialog = dialog
            dialog.open()

        self._act(
            lambda actor: access.issue_badge(store, actor, name, station=station),
            lambda _: self.tr("A new badge was issued for %1: print it now.").replace("%1", shown_name),
            show,
        )

    def revoke_badge(self) -> None:
        record = self.selected()
        if record is None:
            return
        store, station, name = self._context.store, self._context.station_id, record.name
        self._confirm(
            self.tr("Revoke the badge of %1? It no longer logs in; a new one can be printed.").replace(
                "%1", record.display_name
            ),
            self.tr("Revoke"),
            lambda: self._act(
                lambda actor: access.revoke_badge(store, actor, name, station=station),
                lambda info: self.tr("The badge of %1 no longer logs in.").replace("%1", info.display_name),
            ),
        )


__all__ = ["BadgeDialog", "OperatorDialog", "OperatorsModel", "OperatorsTab", "local_time", "role_words"]
