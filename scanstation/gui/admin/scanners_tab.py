"""The Scanners tab: the machine's serial ports, each scanner's state and last error, add/edit/remove, live views."""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from scanstation.config import Config, ConfigError, ScannerConfig
from scanstation.config.reader import MAX_FILE_BYTES, REQUIRED, read_regular_file
from scanstation.config.settings import SCANNERS, Setting
from scanstation.config.write import SettingsEdit
from scanstation.domain import ScannerState, ScannerStatus
from scanstation.domain.access import NotAllowedError, SettingChange
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.admin.form import SettingField, error_words
from scanstation.gui.admin.live_view import LiveView, watch_port, watch_source, watch_wedge
from scanstation.gui.admin.setting_words import setting_title, setting_tooltip
from scanstation.gui.bridge import in_words
from scanstation.gui.plain import plain_label, plain_tooltip
from scanstation.gui.widgets import Retranslated, button_words
from scanstation.scanners import StreamSource, visible_controls
from scanstation.scanners.ports import PortRow, PortWatcher, usb_match_text, uses_usb_match

log = logging.getLogger(__name__)

_SECTION: Final = SCANNERS.name
_ERROR_STYLE: Final = "color: #b71c1c; font-weight: bold;"
_GOOD_STYLE: Final = "color: #1b5e20;"
_USB_FIELDS: Final = ("usb_vid", "usb_pid", "usb_serial", "usb_location")
_BLOCK_KEY: Final = re.compile(r"^scanners\[(\d+)\](?:\.(\w+))?$")


def read_blocks(context: AdminContext) -> list[dict[str, Any]]:
    """The [[scanners]] blocks as written in the config file (what the dialog shows and edits)."""
    data = tomllib.loads(read_regular_file(context.config_path, MAX_FILE_BYTES).decode("utf-8"))
    blocks = data.get(_SECTION, [])
    return [dict(block) for block in blocks if isinstance(block, dict)] if isinstance(blocks, list) else []


def connection_words(config: ScannerConfig) -> str:
    """Where a scanner reads from: its device, USB match, URL, or the keyboard."""
    if config.type == "socket":
        return str(config.url)
    if config.type == "wedge":
        if config.prefix is not None:
            return f"keyboard, prefix {visible_controls(config.prefix)}"
        return f"keyboard, keys within {config.max_key_gap_ms} ms"
    if uses_usb_match(config):
        return usb_match_text(config) + (f" (else {config.port})" if config.port else "")
    return str(config.port)


def _same_device(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def uses_port(config: ScannerConfig, row: PortRow) -> bool:
    """True when the serial scanner `config` reads the port `row` (by its path, or by its USB identity)."""
    if config.type != "serial":
        return False
    if uses_usb_match(config):
        if config.usb_vid is not None or config.usb_pid is not None:
            vid = f"{config.usb_vid:04x}" if config.usb_vid is not None else None
            pid = f"{config.usb_pid:04x}" if config.usb_pid is not None else None
            found_vid, _, found_pid = (row.vid_pid or ":").partition(":")
            if (vid is not None and vid != found_vid) or (pid is not None and pid != found_pid):
                return False
        if config.usb_serial is not None and config.usb_serial != row.serial_number:
            return False
        return config.usb_location is None or config.usb_location == row.location
    return config.port is not None and _same_device(config.port, row.device)


class _Relay(qt.QObject):
    """The port watcher's thread hands its lists to the GUI thread through this signal (queued)."""

    ports = qt.Signal(object)  # list[PortRow]


class ScannerDialog(qt.QDialog):
    """Add or edit one [[scanners]] block: the settings of the chosen type, from the declarations.

    `check(values)` returns the loader's mistakes with the new block (an empty tuple when it is fine); the
    dialog stays open and shows each beside its field until there are none.
    """

    save_wanted = qt.Signal(object)  # the block's values, checked by the loader

    def __init__(
        self,
        block: Mapping[str, Any] | None,
        check: Callable[[dict[str, object]], tuple[ConfigError, ...]],
        *,
        port: PortRow | None = None,
        parent: qt.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scannerDialog")
        self.original = dict(block or {})
        self._check = check
        self._port = port
        start = dict(self.original)
        if block is None:
            start = {"type": "serial"}
            if port is not None:
                start["port"] = port.device
        self.fields: dict[str, SettingField] = {}
        self._rows: dict[str, int] = {}
        self.form = qt.QFormLayout()
        self.form.setFieldGrowthPolicy(qt.QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._labels: list[tuple[qt.QLabel, Setting]] = []
        # Matching by USB identity comes first: the device path of a USB scanner changes when it is re-plugged.
        self.usb_match = qt.QCheckBox()
        self.usb_match.setObjectName("usbMatch")
        self.usb_match.toggled.connect(self._usb_match_toggled)
        for setting in SCANNERS.settings:
            value = start.get(setting.name, setting.default_value())
            if value is REQUIRED:
                value = None  # a required setting starts empty: the loader names it if it stays so
            field = SettingField(_SECTION, setting, value)
            self.fields[setting.name] = field
            label = plain_label()
            label.setBuddy(field.editor)
            label.setToolTip(field.editor.toolTip())
            self._labels.append((label, setting))
            if setting.name == "port":
                self._rows["usbMatch"] = self.form.rowCount()
                self.form.addRow("", self.usb_match)
            self._rows[setting.name] = self.form.rowCount()
            self.form.addRow(label, field)
        self.fields["type"].changed.connect(self._show_type)
        offered = block is None and port is not None and port.vid_pid is not None
        self.usb_match.setChecked(offered or any(start.get(name) is not None for name in _USB_FIELDS))
        self.errors_line = plain_label()
        self.errors_line.setObjectName("dialogErrors")
        self.errors_line.setStyleSheet(_ERROR_STYLE)
        self.errors_line.setWordWrap(True)
        self.errors_line.setVisible(False)
        self.buttons = qt.QDialogButtonBox(
            qt.QDialogButtonBox.StandardButton.Save | qt.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        inner = qt.QWidget()
        inner.setLayout(self.form)
        scroll = qt.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(qt.QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        layout = qt.QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.errors_line)
        layout.addWidget(self.buttons)
        self.resize(640, 720)
        self.retranslate()
        self._show_type()

    def retranslate(self) -> None:
        name = self.original.get("name")
        if name is None:
            self.setWindowTitle(self.tr("Add a scanner"))
        else:
            self.setWindowTitle(self.tr("Scanner %1").replace("%1", str(name)))
        button_words(self.buttons)
        for label, setting in self._labels:
            label.setText(setting_title("scanners", setting, setting.title))
            tip = plain_tooltip(setting_tooltip("scanners", setting))
            label.setToolTip(tip)
            self.fields[setting.name].editor.setToolTip(tip)
        port = self._port
        if port is not None and port.vid_pid is not None:
            ident = port.vid_pid + (f", serial {port.serial_number}" if port.serial_number else "")
            words = self.tr("Match by USB identity (%1): found again when re-plugged")
            self.usb_match.setText(words.replace("%1", ident))
        else:
            self.usb_match.setText(self.tr("Match by USB identity (the USB fields below)"))

    def field(self, name: str) -> SettingField:
        return self.fields[name]

    @property
    def scanner_type(self) -> str:
        value = self.fields["type"].value()
        return value if isinstance(value, str) else "serial"

    def _applies(self, setting: Setting) -> bool:
        return not setting.scanner_types or self.scanner_type in setting.scanner_types

    def _show_type(self) -> None:
        for setting in SCANNERS.settings:
            self.form.setRowVisible(self._rows[setting.name], self._applies(setting))
        self.form.setRowVisible(self._rows["usbMatch"], self.scanner_type == "serial")

    def _usb_match_toggled(self, on: bool) -> None:
        """Fill the USB identity of the chosen port (and leave the path out), or go back to the path."""
        port = self._port
        if port is None:
            return
        vid, _, pid = (port.vid_pid or ":").partition(":")
        if on and port.vid_pid is not None:
            self.fields["usb_vid"].set_value(vid)
            self.fields["usb_pid"].set_value(pid)
            self.fields["usb_serial"].set_value(port.serial_number)
            self.fields["port"].set_value(None)
        elif not on:
            for name in _USB_FIELDS:
                self.fields[name].set_value(None)
            self.fields["port"].set_value(port.device)

    def values(self) -> dict[str, object]:
        """The block to write: the fields of this type (a default left out unless the file had it), others removed."""
        values: dict[str, object] = {}
        for setting in SCANNERS.settings:
            name = setting.name
            if not self._applies(setting):
                values[name] = None
                continue
            value = self.fields[name].value()
            if name in _USB_FIELDS and not self.usb_match.isChecked():
                value = None
            if value == setting.default_value() and name not in self.original:
                continue
            values[name] = value
        return values

    def show_errors(self, errors: Sequence[ConfigError]) -> None:
        """Each mistake beside its field, in the loader's words; the others below the form."""
        for field in self.fields.values():
            field.show_error("")
        rest: list[str] = []
        for error in errors:
            match = _BLOCK_KEY.match(error.key)
            shown = self.fields.get(match.group(2) or "") if match else None
            if shown is not None and not shown.error:
                shown.show_error(error_words(error))
            else:
                rest.append(f"{error.key}: {error_words(error)}")
        self.errors_line.setText("\n".join(rest))
        self.errors_line.setVisible(bool(rest))

    def try_accept(self) -> None:
        """Check the block as the loader would; when it is fine, ask for it to be saved (the dialog stays till then)."""
        errors = self._check(self.values())
        self.show_errors(errors)
        if not errors:
            self.buttons.setEnabled(False)
            self.save_wanted.emit(self.values())

    def save_failed(self, words: str, errors: Sequence[ConfigError] = ()) -> None:
        """The save did not happen: the mistakes beside their fields, or the words below the form."""
        self.buttons.setEnabled(True)
        self.show_errors(errors)
        if not errors:
            self.errors_line.setText(words)
            self.errors_line.setVisible(True)


class ScannersTab(Retranslated, qt.QWidget):
    """The serial ports the machine has now, the configured scanners with their state, and their live views."""

    saved = qt.Signal(object, object)  # the new Config and its changes, after apply (tests wait)
    save_failed = qt.Signal(str)
    ports_shown = qt.Signal()

    def __init__(self, context: AdminContext) -> None:
        super().__init__()
        self.setObjectName("scannersTab")
        self._context = context
        self._config: Config = context.config()
        self._ports: list[PortRow] = []
        self._statuses: dict[str, ScannerStatus] = {}
        self._errors: dict[str, str] = {}
        self.live_views: list[LiveView] = []
        self.dialog: ScannerDialog | None = None
        self.confirm: qt.QMessageBox | None = None
        self._saving = False
        self._said = False  # until something is said, the result line says how scanners are saved
        self._relay = _Relay(self)
        self._relay.ports.connect(self.show_ports)
        self._watcher: PortWatcher | None = None
        for source in context.live_scanners.sources():
            self._note_status(source.status)
        wedge = context.live_scanners.wedge()
        if wedge is not None:
            self._note_status(wedge.status)
        context.bridge.scanner_status.connect(self.show_status)

        self.ports_box = qt.QGroupBox()
        self.ports_table = self._table("portsTable", 6)
        self.ports_table.itemSelectionChanged.connect(self._update_buttons)
        self.ports_table.itemDoubleClicked.connect(lambda _item: self.watch_port_live())
        self.add_from_port = self._button("addFromPort", self.add_from_selected_port)
        self.watch_port_button = self._button("watchPort", self.watch_port_live)
        self.look_again = self._button("lookAgain", self.look_now)
        self.ports_note = plain_label()
        self.ports_note.setObjectName("portsNote")
        ports_buttons = qt.QHBoxLayout()
        ports_buttons.addWidget(self.ports_note, 1)
        for button in (self.look_again, self.watch_port_button, self.add_from_port):
            ports_buttons.addWidget(button)
        ports_layout = qt.QVBoxLayout(self.ports_box)
        ports_layout.addWidget(self.ports_table, 1)
        ports_layout.addLayout(ports_buttons)

        self.scanners_box = qt.QGroupBox()
        self.scanners_table = self._table("scannersTable", 5)
        self.scanners_table.itemSelectionChanged.connect(self._update_buttons)
        self.scanners_table.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        self.add_button = self._button("addScanner", self.add_scanner)
        self.edit_button = self._button("editScanner", self.edit_selected)
        self.remove_button = self._button("removeScanner", self.remove_selected)
        self.watch_button = self._button("watchScanner", self.watch_scanner_live)
        self.result_line = plain_label()
        self.result_line.setObjectName("scannersResult")
        self.result_line.setWordWrap(True)
        scanner_buttons = qt.QHBoxLayout()
        scanner_buttons.addWidget(self.result_line, 1)
        for button in (self.watch_button, self.add_button, self.edit_button, self.remove_button):
            scanner_buttons.addWidget(button)
        scanners_layout = qt.QVBoxLayout(self.scanners_box)
        scanners_layout.addWidget(self.scanners_table, 1)
        scanners_layout.addLayout(scanner_buttons)

        layout = qt.QVBoxLayout(self)
        layout.addWidget(self.scanners_box, 1)
        layout.addWidget(self.ports_box, 1)
        self.retranslate()
        self.show_scanners()
        self._update_buttons()

    def _table(self, name: str, columns: int) -> qt.QTableWidget:
        table = qt.QTableWidget(0, columns)
        table.setObjectName(name)
        table.setSelectionBehavior(qt.QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(qt.QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(qt.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        for column in range(columns - 1):
            header.setSectionResizeMode(column, qt.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(columns - 1, qt.QHeaderView.ResizeMode.Stretch)
        # The last column takes the room left and wraps (a scanner's last error is a sentence or two).
        table.setWordWrap(True)
        table.verticalHeader().setSectionResizeMode(qt.QHeaderView.ResizeMode.ResizeToContents)
        return table

    def _button(self, name: str, slot: Callable[[], object]) -> qt.QPushButton:
        button = qt.QPushButton()
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # ----- texts ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.ports_box.setTitle(self.tr("Serial ports on this machine now"))
        self.ports_table.setHorizontalHeaderLabels(
            [
                self.tr("Device"),
                self.tr("Description"),
                self.tr("VID:PID"),
                self.tr("Serial number"),
                self.tr("USB location"),
                self.tr("Scanner"),
            ]
        )
        self.scanners_box.setTitle(self.tr("Scanners of this station"))
        self.scanners_table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Type"), self.tr("Reads from"), self.tr("State"), self.tr("Last error")]
        )
        self.add_from_port.setText(self.tr("Add as a &scanner..."))
        self.watch_port_button.setText(self.tr("&Watch live..."))
        self.look_again.setText(self.tr("&Look again"))
        self.add_button.setText(self.tr("&Add..."))
        self.edit_button.setText(self.tr("&Edit..."))
        self.remove_button.setText(self.tr("&Remove..."))
        self.watch_button.setText(self.tr("Watch &live..."))
        self.ports_note.setText(self.tr("The list follows as devices are plugged in and pulled out."))
        if not self._said:
            self.result_line.setText(
                self.tr("A scanner's changes are saved from its dialog, at once; Save below is for the other tabs.")
            )
        self.show_scanners()
        self.show_ports(self._ports)

    # ----- the ports ---------------------------------------------------------------------------------------------

    def showEvent(self, event: qt.QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._watcher is None:
            self._watcher = PortWatcher(self._relay.ports.emit, list_ports=self._context.live_scanners.list_ports)
            self._watcher.start()

    def hideEvent(self, event: qt.QHideEvent) -> None:  # noqa: N802 - Qt override
        self._stop_watcher()
        if not self.window().isVisible():
            self.stop()  # the admin's window closed (not another tab chosen): its live views go with it
        super().hideEvent(event)

    def _stop_watcher(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()

    def stop(self) -> None:
        """Stop watching the ports and close every live view (the window is closing)."""
        self._stop_watcher()
        for view in list(self.live_views):
            view.close()
        self.live_views.clear()

    def look_now(self) -> None:
        if self._watcher is not None:
            self._watcher.look_now()

    def show_ports(self, rows: list[PortRow]) -> None:
        self._ports = list(rows)
        table = self.ports_table
        selected = self.selected_port()
        table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            users = [c.name for c in self._config.scanners if uses_port(c, row)]
            cells = (
                row.device,
                row.description,
                row.vid_pid or "",
                row.serial_number or "",
                row.location or "",
                ", ".join(users),
            )
            for column, text in enumerate(cells):
                table.setItem(index, column, qt.QTableWidgetItem(text))
            if selected is not None and row.device == selected.device:
                table.selectRow(index)
        if not rows:
            self.ports_note.setText(self.tr("No serial ports on this machine now: is the scanner plugged in?"))
        else:
            self.ports_note.setText(self.tr("The list follows as devices are plugged in and pulled out."))
        self._update_buttons()
        self.ports_shown.emit()

    def selected_port(self) -> PortRow | None:
        rows = self.ports_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._ports):
            return None
        return self._ports[rows[0].row()]

    def select_port(self, device: str) -> None:
        for index, row in enumerate(self._ports):
            if row.device == device:
                self.ports_table.selectRow(index)
                return
        raise KeyError(device)

    # ----- the scanners ------------------------------------------------------------------------------------------

    def _note_status(self, status: ScannerStatus) -> None:
        self._statuses[status.name] = status
        if status.state in (ScannerState.ERROR, ScannerState.DISCONNECTED):
            self._errors[status.name] = status.message

    def show_status(self, status: ScannerStatus) -> None:
        """A scanner's new state (the Bridge's scanner_status, GUI thread)."""
        self._note_status(status)
        self.show_scanners()

    def state_words(self, config: ScannerConfig) -> str:
        if not config.enabled:
            return self.tr("off (enabled = false)")
        status = self._statuses.get(config.name)
        if status is None:
            return self.tr("not running")
        words = {
            ScannerState.CONNECTING: self.tr("opening"),
            ScannerState.CONNECTED: self.tr("working"),
            ScannerState.DISCONNECTED: self.tr("unplugged"),
            ScannerState.ERROR: self.tr("error"),
            ScannerState.STOPPED: self.tr("stopped"),
        }[status.state]
        if status.state in (ScannerState.ERROR, ScannerState.DISCONNECTED, ScannerState.STOPPED):
            return words  # the words of a failure are in the Last error column, which has the room
        return f"{words}: {status.message}"

    def show_scanners(self) -> None:
        table = self.scanners_table
        selected = self.selected_scanner()
        scanners = self._config.scanners
        table.setRowCount(len(scanners))
        for index, config in enumerate(scanners):
            bad = config.name in self._errors
            cells = (
                config.name,
                config.type,
                connection_words(config),
                self.state_words(config),
                self._errors.get(config.name, ""),
            )
            for column, text in enumerate(cells):
                item = qt.QTableWidgetItem(text)
                if column == 4 and bad:
                    item.setForeground(qt.QColor("#b71c1c"))
                item.setToolTip("")  # the item's text as it is; a long error is read in the State / Last error cell
                table.setItem(index, column, item)
            if selected is not None and config.name == selected.name:
                table.selectRow(index)
        self._update_buttons()

    def selected_scanner(self) -> ScannerConfig | None:
        rows = self.scanners_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._config.scanners):
            return None
        return self._config.scanners[rows[0].row()]

    def select_scanner(self, name: str) -> None:
        for index, config in enumerate(self._config.scanners):
            if config.name == name:
                self.scanners_table.selectRow(index)
                return
        raise KeyError(name)

    def _update_buttons(self) -> None:
        scanner = self.selected_scanner() is not None
        port = self.selected_port() is not None
        for button in (self.edit_button, self.remove_button, self.watch_button):
            button.setEnabled(scanner and not self._saving)
        self.add_button.setEnabled(not self._saving)
        self.add_from_port.setEnabled(port and not self._saving)
        self.watch_port_button.setEnabled(port)

    # ----- add, edit, remove ----------------------------------------------------------------------------------

    def _say(self, text: str, bad: bool = False) -> None:
        self._said = True
        self.result_line.setText(text)
        self.result_line.setStyleSheet(_ERROR_STYLE if bad else _GOOD_STYLE)

    def _checker(self, name: str | None) -> Callable[[dict[str, object]], tuple[ConfigError, ...]]:
        """The loader's mistakes with the block `name` (None: a new one) set to the dialog's values."""
        path = self._context.config_path

        def check(values: dict[str, object]) -> tuple[ConfigError, ...]:
            try:
                edit = SettingsEdit.open(path)
                edit.set_scanner(name, values)
                edit.validate()
            except ConfigError as exc:
                return exc.errors
            return ()

        return check

    def _open_dialog(self, block: Mapping[str, Any] | None, port: PortRow | None) -> ScannerDialog:
        name = block.get("name") if block is not None else None
        dialog = ScannerDialog(block, self._checker(name if isinstance(name, str) else None), port=port, parent=self)
        self.dialog = dialog

        def save(values: dict[str, object]) -> None:
            new_name = values.get("name") or name
            if block is None:
                words = self.tr("scanner %1 added").replace("%1", repr(new_name))
            else:
                words = self.tr("scanner %1 changed").replace("%1", repr(new_name))
            self._save(words, lambda edit: edit.set_scanner(name if isinstance(name, str) else None, values), dialog)

        dialog.save_wanted.connect(save)
        dialog.open()
        return dialog

    def add_scanner(self) -> ScannerDialog:
        return self._open_dialog(None, self.selected_port())

    def add_from_selected_port(self) -> ScannerDialog | None:
        port = self.selected_port()
        if port is None:
            return None
        return self._open_dialog(None, port)

    def edit_selected(self) -> ScannerDialog | None:
        scanner = self.selected_scanner()
        if scanner is None:
            return None
        block = next((b for b in read_blocks(self._context) if b.get("name") == scanner.name), None)
        if block is None:
            self._say(self.tr("Scanner %1 is not in the config file any more.").replace("%1", repr(scanner.name)), True)
            return None
        port = next((row for row in self._ports if uses_port(scanner, row)), None)
        return self._open_dialog(block, port)

    def remove_selected(self) -> qt.QMessageBox | None:
        scanner = self.selected_scanner()
        if scanner is None:
            return None
        name = scanner.name
        box = qt.QMessageBox(self)
        box.setObjectName("confirmRemove")
        box.setIcon(qt.QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Remove a scanner"))
        box.setTextFormat(qt.Qt.TextFormat.PlainText)
        box.setText(self.tr("Remove scanner %1 from the config file? It stops reading now.").replace("%1", repr(name)))
        box.setStandardButtons(qt.QMessageBox.StandardButton.Yes | qt.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(qt.QMessageBox.StandardButton.Cancel)
        button_words(box)

        def answered(button: qt.QAbstractButton) -> None:
            if box.standardButton(button) == qt.QMessageBox.StandardButton.Yes:
                words = self.tr("scanner %1 removed").replace("%1", repr(name))
                self._save(words, lambda edit: edit.remove_scanner(name))

        box.buttonClicked.connect(answered)
        self.confirm = box
        box.open()
        return box

    def _save(self, words: str, change: Callable[[SettingsEdit], None], dialog: ScannerDialog | None = None) -> None:
        """Write the change to the file on the receiving thread (role checked, audited), then apply it."""
        actor = self._context.actor()
        if actor is None:
            self._failed(self.tr("Nothing was saved: nobody is logged in."), (), dialog)
            return
        context = self._context

        def work() -> tuple[Config, tuple[SettingChange, ...]]:
            edit = SettingsEdit.open(context.config_path)
            change(edit)
            changes = edit.changes()
            return context.save(actor, edit), changes

        self._saving = True
        self._update_buttons()
        self._say(self.tr("Saving ..."))
        context.runner.op(work).success(lambda answer: self._saved(words, answer, dialog)).failure(
            lambda exc: self._save_failed(exc, dialog)
        ).run_in_background()

    def _saved(
        self, words: str, answer: tuple[Config, tuple[SettingChange, ...]], dialog: ScannerDialog | None
    ) -> None:
        config, changes = answer
        self._saving = False
        if dialog is not None:
            dialog.accept()
        self._config = config
        try:
            self._context.apply(config, changes)
        except Exception as exc:  # the file is saved; the next start opens the scanners as it says
            log.exception("applying the saved scanners failed")
            self._say(
                self.tr("Saved (%1), but not applied now (%2): restart the station.")
                .replace("%1", words)
                .replace("%2", in_words(exc)),
                bad=True,
            )
        else:
            self._say(self.tr("Saved: %1. The station uses it now.").replace("%1", words))
        self.show_scanners()
        self.show_ports(self._ports)
        self.saved.emit(config, changes)

    def _save_failed(self, exc: Exception, dialog: ScannerDialog | None) -> None:
        errors: tuple[ConfigError, ...] = ()
        if isinstance(exc, ConfigError):
            errors = exc.errors
            text = "; ".join(f"{e.key}: {error_words(e)}" for e in errors)
        elif isinstance(exc, NotAllowedError):
            text = str(exc)
        else:
            log.error("saving the scanners failed", exc_info=exc)
            text = in_words(exc)
        self._failed(self.tr("Nothing was saved: %1").replace("%1", text), errors, dialog)

    def _failed(self, words: str, errors: tuple[ConfigError, ...], dialog: ScannerDialog | None) -> None:
        self._saving = False
        self._say(words, bad=True)
        if dialog is not None:
            dialog.save_failed(words, errors)
        self._update_buttons()
        self.save_failed.emit(words)

    # ----- live views -------------------------------------------------------------------------------------------

    def _running_source(self, name: str) -> StreamSource | None:
        for source in self._context.live_scanners.sources():
            if source.name == name and isinstance(source, StreamSource):
                return source
        return None

    def _keep(self, view: LiveView) -> LiveView:
        # A window of its own, deleted with the admin's window (its tap or monitor stopped then too).
        view.setParent(self.window(), qt.Qt.WindowType.Window)
        self.live_views.append(view)
        view.show()
        return view

    def watch_scanner_live(self) -> LiveView | None:
        """The live view of the selected scanner: a tap when it runs, else its port opened for the view."""
        scanner = self.selected_scanner()
        if scanner is None:
            return None
        fnc1 = self._config.receiving.fnc1_substitutes
        if scanner.type == "wedge":
            wedge = self._context.live_scanners.wedge()
            if wedge is None:
                self._say(
                    self.tr("No keyboard-wedge scanner is running in this station: save the scanner first."), True
                )
                return None
            return self._keep(watch_wedge(wedge, scanner))
        source = self._running_source(scanner.name)
        if source is not None:
            return self._keep(watch_source(source, scanner, fnc1, bridge=self._context.bridge))
        return self._keep(watch_port(scanner, fnc1, list_ports=self._context.live_scanners.list_ports))

    def watch_port_live(self) -> LiveView | None:
        """The live view of the selected port: through the scanner that reads it, else opened for the view only."""
        port = self.selected_port()
        if port is None:
            return None
        fnc1 = self._config.receiving.fnc1_substitutes
        config = ScannerConfig(name=f"live view of {port.device}", type="serial", port=port.device)
        for scanner in self._config.scanners:
            if not uses_port(scanner, port):
                continue
            source = self._running_source(scanner.name)
            if source is not None:
                return self._keep(watch_source(source, scanner, fnc1, bridge=self._context.bridge))
            config = scanner  # not running: its port opened with its baud rate and framing
        return self._keep(watch_port(config, fnc1, list_ports=self._context.live_scanners.list_ports))


__all__ = ["ScannerDialog", "ScannersTab", "connection_words", "read_blocks", "uses_port"]
