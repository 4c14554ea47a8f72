"""The audit trail viewer for supervisors and admins: filters, the newest entries first, and an audited CSV export."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final

from scanstation.access.audit import export_audit, read_audit
from scanstation.domain import Json
from scanstation.domain.access import Act, Actor, AuditEntry, AuditKind, NotAllowedError, Role, require
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.admin.operators_tab import role_words
from scanstation.gui.bridge import in_words
from scanstation.gui.plain import plain_label
from scanstation.gui.tables import RowsModel, table_of
from scanstation.gui.widgets import Retranslated, warning_box
from scanstation.store.audit import AuditFilter

log = logging.getLogger(__name__)

_OK_STYLE = "color: #1b5e20;"
_BAD_STYLE = "color: #b71c1c; font-weight: bold;"
LIMITS = (100, 500, 1000, 5000)
_WIDEST_COLUMN_PX = 380
# QDateEdit cannot be empty: its lowest date stands for "no limit" and shows the special text instead.
_NO_DATE = qt.QDate(2000, 1, 1)

# Asks where the CSV goes: (parent, suggested file name) -> the path, or None when cancelled.
ChooseFile = Callable[[qt.QWidget | None, str], Path | None]


def kind_words(kind: str) -> str:
    """An AuditKind value in words; a kind a newer station wrote is shown as it is."""
    words = {
        AuditKind.LOGIN: qt.QCoreApplication.translate("AuditView", "logged in"),
        AuditKind.LOGIN_FAILED: qt.QCoreApplication.translate("AuditView", "log-in failed"),
        AuditKind.LOCKED_OUT: qt.QCoreApplication.translate("AuditView", "locked out"),
        AuditKind.LOGOUT: qt.QCoreApplication.translate("AuditView", "logged out"),
        AuditKind.REFUSED: qt.QCoreApplication.translate("AuditView", "refused"),
        AuditKind.OPERATOR_ADDED: qt.QCoreApplication.translate("AuditView", "operator added"),
        AuditKind.OPERATOR_CHANGED: qt.QCoreApplication.translate("AuditView", "operator changed"),
        AuditKind.PIN_SET: qt.QCoreApplication.translate("AuditView", "PIN set"),
        AuditKind.OPERATOR_UNLOCKED: qt.QCoreApplication.translate("AuditView", "operator unlocked"),
        AuditKind.BADGE_ISSUED: qt.QCoreApplication.translate("AuditView", "badge issued"),
        AuditKind.BADGE_REVOKED: qt.QCoreApplication.translate("AuditView", "badge revoked"),
        AuditKind.SETTINGS_CHANGED: qt.QCoreApplication.translate("AuditView", "settings changed"),
        AuditKind.SCAN_UNDONE: qt.QCoreApplication.translate("AuditView", "scan undone"),
        AuditKind.SCAN_CORRECTED: qt.QCoreApplication.translate("AuditView", "scan corrected"),
        AuditKind.EXCEPTION_RESOLVED: qt.QCoreApplication.translate("AuditView", "exception resolved"),
        AuditKind.RESOLUTION_UNDONE: qt.QCoreApplication.translate("AuditView", "resolution undone"),
        AuditKind.EXPORTED: qt.QCoreApplication.translate("AuditView", "exported"),
        AuditKind.PHOTO_ADDED: qt.QCoreApplication.translate("AuditView", "photo added"),
        AuditKind.PHOTO_REMOVED: qt.QCoreApplication.translate("AuditView", "photo removed"),
    }
    try:
        return words[AuditKind(kind)]
    except ValueError:
        return kind


def compact(value: Json) -> str:
    """A before or after value as one short line of JSON; "" for none."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def change_words(entry: AuditEntry, *, whole: bool = False) -> str:
    """Before → after; of two objects only the keys that changed, unless `whole`."""
    old, new = entry.before, entry.after
    if not whole and isinstance(old, dict) and isinstance(new, dict):
        changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
        if changed:
            old = {key: old[key] for key in changed if key in old}
            new = {key: new[key] for key in changed if key in new}
    before, after = compact(old), compact(new)
    if before and after:
        return f"{before} → {after}"
    return after or before


# The core's details of a log-in or a setting's change (access/login.py, access/settings.py), read back to be put
# in the screen's words; any other detail (a note, a file's path) is shown as it was recorded.
_WRONG_PIN: Final = re.compile(r"(PIN|badge and PIN): wrong PIN \((\d+) in a row\)")
_NO_SUCH: Final = re.compile(r"(PIN|badge and PIN): no such operator")
_DEACTIVATED: Final = re.compile(r"(PIN|badge and PIN): deactivated")
_BADGE_OF: Final = re.compile(r"badge of (.+) scanned")


def detail_words(detail: str) -> str:
    """An audit entry's detail in the screen's language where the core's wording is known."""
    translate = qt.QCoreApplication.translate
    how = {"PIN": "PIN", "badge and PIN": translate("AuditView", "badge and PIN")}
    fixed = {
        "badge": translate("AuditView", "badge"),
        "badge: not valid": translate("AuditView", "badge: not valid"),
        "token changed": translate("AuditView", "token changed"),
        "needs a restart": translate("AuditView", "needs a restart"),
    }
    if detail in fixed:
        return fixed[detail]
    if (wrong := _WRONG_PIN.fullmatch(detail)) is not None:
        words = translate("AuditView", "%1: wrong PIN (%2 in a row)")
        return words.replace("%1", how[wrong[1]]).replace("%2", wrong[2])
    if (nobody := _NO_SUCH.fullmatch(detail)) is not None:
        return translate("AuditView", "%1: no such operator").replace("%1", how[nobody[1]])
    if (off := _DEACTIVATED.fullmatch(detail)) is not None:
        return translate("AuditView", "%1: deactivated").replace("%1", how[off[1]])
    if (badge := _BADGE_OF.fullmatch(detail)) is not None:
        return translate("AuditView", "badge of %1 scanned").replace("%1", badge[1])
    return detail


def one_line(text: str) -> str:
    """A table cell shows one line; the detail pane below shows the whole text."""
    return " ".join(text.split())


def local_when(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def day_of(qdate: qt.QDate) -> date:
    return date(qdate.year(), qdate.month(), qdate.day())


def local_midnight(day: date) -> datetime:
    """The start of `day` on this station's clock, as an aware time (the trail compares in UTC)."""
    return datetime.combine(day, time()).astimezone()


class AuditModel(RowsModel[AuditEntry]):
    """Audit entries as read, newest first: when, station, who, role, what, on what, before → after, detail."""

    @property
    def entries(self) -> list[AuditEntry]:
        return self.rows

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("AuditView", "When"),
            qt.QCoreApplication.translate("AuditView", "Station"),
            qt.QCoreApplication.translate("AuditView", "Who"),
            qt.QCoreApplication.translate("AuditView", "Role"),
            qt.QCoreApplication.translate("AuditView", "What"),
            qt.QCoreApplication.translate("AuditView", "On what"),
            qt.QCoreApplication.translate("AuditView", "Before → after"),
            qt.QCoreApplication.translate("AuditView", "Detail"),
        ]

    def cell(self, row: AuditEntry, column: int) -> str:
        values = (
            local_when(row.at),
            row.station,
            row.actor,
            role_words(row.role),
            kind_words(row.kind),
            row.target,
            change_words(row),
            detail_words(row.detail),
        )
        return one_line(values[column])

    def foreground(self, row: AuditEntry, column: int) -> str | None:
        return "#b71c1c" if row.kind in (AuditKind.REFUSED, AuditKind.LOGIN_FAILED, AuditKind.LOCKED_OUT) else None


def _ask_file(parent: qt.QWidget | None, suggested: str) -> Path | None:
    chosen, _ = qt.QFileDialog.getSaveFileName(
        parent,
        qt.QCoreApplication.translate("AuditView", "Export the audit trail"),
        suggested,
        qt.QCoreApplication.translate("AuditView", "CSV files (*.csv)"),
    )
    return Path(chosen) if chosen else None


def _date_edit(name: str) -> qt.QDateEdit:
    edit = qt.QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setDate(_NO_DATE)
    return edit


class AuditView(Retranslated, qt.QWidget):
    """The trail as the core reads it for the acting operator (supervisors and admins), filtered, newest first.

    Raises NotAllowedError (the core's words) for anyone else; `open_audit_window` shows the refusal instead.
    """

    loaded = qt.Signal()  # the table shows the core's answer to the filters (or says why not)
    exported = qt.Signal(bool, str)  # an export's answer: (ok, the words shown)

    def __init__(self, context: AdminContext, choose_file: ChooseFile = _ask_file) -> None:
        super().__init__()
        actor = context.actor()
        require(actor if actor is not None else Actor("nobody", Role.CLERK), Act.VIEW_AUDIT)
        self.setObjectName("auditView")
        self._context = context
        self._choose_file = choose_file
        self._message = ""
        self._shown_limit = LIMITS[0]

        self.operator_edit = qt.QLineEdit()
        self.operator_edit.setObjectName("auditOperator")
        self.kind_combo = qt.QComboBox()
        self.kind_combo.setObjectName("auditKind")
        self.since_edit = _date_edit("auditSince")
        self.until_edit = _date_edit("auditUntil")
        self.target_edit = qt.QLineEdit()
        self.target_edit.setObjectName("auditTarget")
        self.limit_combo = qt.QComboBox()
        self.limit_combo.setObjectName("auditLimit")
        for limit in LIMITS:
            self.limit_combo.addItem(str(limit), limit)
        self.limit_combo.setCurrentIndex(LIMITS.index(1000))
        self.refresh_button = qt.QPushButton()
        self.refresh_button.setObjectName("auditRefresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = qt.QPushButton()
        self.export_button.setObjectName("auditExport")
        self.export_button.clicked.connect(self.export)
        self.operator_edit.returnPressed.connect(self.refresh)
        self.target_edit.returnPressed.connect(self.refresh)
        self.kind_combo.activated.connect(lambda _: self.refresh())
        self.since_edit.dateChanged.connect(lambda _: self.refresh())
        self.until_edit.dateChanged.connect(lambda _: self.refresh())
        self.limit_combo.activated.connect(lambda _: self.refresh())

        self.filter_labels: dict[str, qt.QLabel] = {}
        filters = qt.QHBoxLayout()
        for key, widget in (
            ("operator", self.operator_edit),
            ("kind", self.kind_combo),
            ("since", self.since_edit),
            ("until", self.until_edit),
            ("target", self.target_edit),
            ("limit", self.limit_combo),
        ):
            label = plain_label()
            label.setBuddy(widget)
            self.filter_labels[key] = label
            filters.addWidget(label)
            filters.addWidget(widget, 2 if isinstance(widget, qt.QLineEdit) else 0)
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.export_button)

        self.model = AuditModel()
        self.table = table_of(self.model, "auditTable")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_entry())
        self.count_line = plain_label()
        self.count_line.setObjectName("auditCount")
        self.entry_line = plain_label()
        self.entry_line.setObjectName("auditEntry")
        self.entry_line.setWordWrap(True)
        self.entry_line.setTextInteractionFlags(qt.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_line = plain_label()
        self.result_line.setObjectName("auditResult")
        self.result_line.setWordWrap(True)

        layout = qt.QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_line)
        layout.addWidget(self.entry_line)
        layout.addWidget(self.result_line)
        self.retranslate()
        self.refresh()

    # ----- texts ----------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Audit trail of station %1").replace("%1", self._context.station_id))
        words = {
            "operator": self.tr("&Operator"),
            "kind": self.tr("&What"),
            "since": self.tr("&From"),
            "until": self.tr("&To"),
            "target": self.tr("On w&hat"),
            "limit": self.tr("At &most"),
        }
        for key, text in words.items():
            self.filter_labels[key].setText(text)
        self.operator_edit.setPlaceholderText(self.tr("log-in name: who acted or was acted on"))
        self.operator_edit.setToolTip(self.tr("The exact log-in name; Enter reads the trail again"))
        self.target_edit.setPlaceholderText(self.tr("part of a name, setting, scan id or file"))
        for edit in (self.since_edit, self.until_edit):
            edit.setSpecialValueText(self.tr("any day"))
        chosen = self.kind_combo.currentData()
        self.kind_combo.clear()
        self.kind_combo.addItem(self.tr("anything"), None)
        for kind in AuditKind:
            self.kind_combo.addItem(kind_words(kind.value), kind.value)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(chosen)))
        self.refresh_button.setText(self.tr("&Read again"))
        self.export_button.setText(self.tr("&Export CSV…"))
        self.export_button.setToolTip(self.tr("Write the entries the filters select to a CSV file (audited)"))
        self.model.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_count()
        self._show_entry()

    # ----- filters and reading --------------------------------------------------------------------------------

    def set_kind(self, kind: AuditKind | None) -> None:
        """Choose `kind` in the filter (what picking it from the list does) and read again."""
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(None if kind is None else kind.value))
        self.refresh()

    def audit_filter(self) -> AuditFilter:
        """The filters as the core takes them; the dates are whole days on this station's clock."""
        operator = self.operator_edit.text().strip()
        kind = self.kind_combo.currentData()
        since = until = None
        if self.since_edit.date() != _NO_DATE:
            since = local_midnight(day_of(self.since_edit.date()))
        if self.until_edit.date() != _NO_DATE:
            until = local_midnight(day_of(self.until_edit.date()) + timedelta(days=1))
        target = self.target_edit.text().strip()
        return AuditFilter(
            operator=operator or None,
            kinds=(str(kind),) if kind else (),
            since=since,
            until=until,
            target_contains=target or None,
            limit=int(self.limit_combo.currentData()),
        )

    def refresh(self) -> None:
        """Read the trail with the filters on the receiving thread, as the acting operator."""
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Log in as a supervisor or administrator to read the audit trail."), bad=True)
            self.loaded.emit()
            return
        flt = self.audit_filter()
        store, station = self._context.store, self._context.station_id

        def shown(entries: list[AuditEntry]) -> None:
            self._shown_limit = flt.limit
            self.model.set_rows(entries)
            self.table.resizeColumnsToContents()
            # A long change would push the detail out of sight; the pane below shows both whole.
            for wide in (5, 6):
                self.table.setColumnWidth(wide, min(self.table.columnWidth(wide), _WIDEST_COLUMN_PX))
            self._show_count()
            self._show_entry()
            self.loaded.emit()

        def failed(exc: Exception) -> None:
            self._say(self._words(exc), bad=True)
            self.model.set_rows([])
            self._show_count()
            self.loaded.emit()

        self._context.runner.op(lambda: read_audit(store, actor, flt, station=station)).success(shown).failure(
            failed
        ).run_in_background()

    def _words(self, exc: Exception) -> str:
        if isinstance(exc, NotAllowedError):
            return str(exc)
        log.error("reading or exporting the audit trail failed", exc_info=exc)
        return in_words(exc)

    def _show_count(self) -> None:
        count = len(self.model.entries)
        if count and count >= self._shown_limit:
            text = self.tr("Showing the newest %1 entries: narrow the filters to see older ones.")
        elif count:
            text = self.tr("%1 entries, newest first.")
        else:
            text = self.tr("No entries match the filters.")
        self.count_line.setText(text.replace("%1", str(count)))

    def selected(self) -> AuditEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.model.entries):
            return None
        return self.model.entries[rows[0].row()]

    def _show_entry(self) -> None:
        entry = self.selected()
        if entry is None:
            self.entry_line.setText(self.tr("Select an entry to read it whole."))
            return
        who = f"{entry.actor} ({role_words(entry.role)})"
        parts = [f"{local_when(entry.at)} · {entry.station} · {who} · {kind_words(entry.kind)}"]
        if entry.target:
            parts.append(self.tr("On what: %1").replace("%1", entry.target))
        change = change_words(entry, whole=True)
        if change:
            parts.append(self.tr("Before → after: %1").replace("%1", change))
        if entry.detail:
            parts.append(self.tr("Detail: %1").replace("%1", detail_words(entry.detail)))
        self.entry_line.setText("\n".join(parts))

    def _say(self, text: str, bad: bool = False) -> None:
        self._message = text
        self.result_line.setText(text)
        self.result_line.setStyleSheet(_BAD_STYLE if bad else _OK_STYLE)

    # ----- export ---------------------------------------------------------------------------------------------

    def export(self) -> None:
        """Write what the filters select to a CSV file through the core (role checked there, and audited)."""
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Log in as a supervisor or administrator to export the audit trail."), bad=True)
            self.exported.emit(False, self._message)
            return
        suggested = f"audit-{self._context.station_id}-{datetime.now().strftime('%Y%m%d-%H%M')}.csv"
        path = self._choose_file(self, suggested)
        if path is None:
            return
        flt = self.audit_filter()
        store, station = self._context.store, self._context.station_id

        def done(rows: int) -> None:
            self._say(self.tr("%1 entries exported to %2.").replace("%1", str(rows)).replace("%2", str(path)))
            self.exported.emit(True, self._message)
            self.refresh()  # the export is in the trail now

        def failed(exc: Exception) -> None:
            self._say(self.tr("Nothing was exported: %1").replace("%1", self._words(exc)), bad=True)
            self.exported.emit(False, self._message)

        self._context.runner.op(lambda: export_audit(store, actor, flt, path, station=station)).success(done).failure(
            failed
        ).run_in_background()


def open_audit_window(context: AdminContext, parent: qt.QWidget | None = None) -> AuditView | qt.QMessageBox:
    """The audit trail in a window of its own, shown; or, shown instead, the core's refusal in words.

    The caller keeps what it gets (a window without a parent lives as long as its Python reference).
    """
    actor = context.actor()
    try:
        require(actor if actor is not None else Actor("nobody", Role.CLERK), Act.VIEW_AUDIT)
    except NotAllowedError as exc:
        words = (
            str(exc)
            if actor is not None
            else qt.QCoreApplication.translate(
                "AuditView", "Log in as a supervisor or administrator to read the audit trail."
            )
        )
        title = qt.QCoreApplication.translate("AuditView", "Audit trail")
        return warning_box(parent, title, words, "auditRefused")
    view = AuditView(context)
    view.setObjectName("auditWindow")
    if parent is not None:
        view.setParent(parent, qt.Qt.WindowType.Window)
    view.setWindowTitle(
        qt.QCoreApplication.translate("AuditView", "Audit trail of station %1").replace("%1", context.station_id)
    )
    view.resize(1400, 900)
    view.show()
    return view


__all__ = ["AuditModel", "AuditView", "ChooseFile", "change_words", "compact", "kind_words", "open_audit_window"]
