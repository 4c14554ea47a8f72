"""Settings fields built from the declarations in config/settings.py, checked by the loader's own parse_config."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from scanstation.config import SECTIONS, Config, ConfigError, parse_config
from scanstation.config.settings import SectionSpec, Setting
from scanstation.gui import qt
from scanstation.gui.admin.setting_words import setting_title, setting_tooltip
from scanstation.gui.plain import plain_label, plain_tooltip

# What the running station cannot take on; Setting.restart says so once part B's declarations are merged.
# Choices shown in words; the value written is the code.


def choice_words(name: str) -> dict[str, str]:
    """A choice's words in the screen's language (the value the file takes stays the item's data)."""
    translate = qt.QCoreApplication.translate
    words = {
        "language": {"ru": "Русский (ru)", "en": "English (en)"},  # each language in its own words
        "type": {
            "serial": translate("Setting", "serial port or USB"),
            "socket": translate("Setting", "network (TCP)"),
            "wedge": translate("Setting", "keyboard (wedge)"),
        },
        "parity": {
            "none": translate("Setting", "none"),
            "even": translate("Setting", "even"),
            "odd": translate("Setting", "odd"),
            "mark": translate("Setting", "mark"),
            "space": translate("Setting", "space"),
        },
        "terminator": {"NONE": translate("Setting", "none: a pause ends the scan")},
    }
    return words.get(name, {})


_ERROR_STYLE: Final = "color: #b71c1c; font-weight: bold;"


def needs_restart(section: str, setting: Setting) -> bool:
    """True when a change of this setting waits for the next start."""
    return setting.restart


_UNITS: Final = (("_s", " (seconds)"), ("_ms", " (milliseconds)"), ("_min", " (minutes)"))
_WORDS: Final = {"url": "URL", "id": "ID", "tls": "TLS", "http": "HTTP", "env": "variable", "usb": "USB"}


def title_of(setting: Setting) -> str:
    """A row's label: the declaration's own, else its name in words with the unit spelled out."""
    if setting.label:
        return setting.label
    name, unit = setting.name, ""
    for suffix, words in _UNITS:
        if name.endswith(suffix):
            name, unit = name.removesuffix(suffix), words
    text = " ".join(_WORDS.get(word, word) for word in name.split("_"))
    return text[:1].upper() + text[1:] + unit


def find_setting(section: str, name: str) -> Setting | None:
    """The declaration of `section.name`, or None when this version of the station does not have it."""
    for spec in SECTIONS:
        if spec.name == section:
            return next((s for s in spec.settings if s.name == name), None)
    return None


def section_spec(section: str) -> SectionSpec:
    return next(spec for spec in SECTIONS if spec.name == section)


@dataclass(frozen=True, slots=True)
class Edit:
    """One value to write: a setting of a [section], or the token (kept apart: it is never shown back)."""

    section: str
    name: str
    value: object  # the TOML value; None removes the line (the default applies)
    secret: bool = False

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"


def with_edits(data: Mapping[str, Any], edits: Iterable[Edit]) -> dict[str, Any]:
    """The parsed file with `edits` applied, as the saved file will read back."""
    new = copy.deepcopy(dict(data))
    for edit in edits:
        table = new.setdefault(edit.section, {})
        if not isinstance(table, dict):
            continue  # the loader names this mistake itself
        if edit.value is None:
            table.pop(edit.name, None)
        else:
            table[edit.name] = edit.value
    return new


def check_edits(
    data: Mapping[str, Any], source: str, edits: Iterable[Edit]
) -> tuple[Config | None, tuple[ConfigError, ...]]:
    """The config the edits make, or the loader's mistakes with them (the same parse_config, the same words)."""
    try:
        return parse_config(with_edits(data, edits), source), ()
    except ConfigError as exc:
        return None, exc.errors


def error_words(error: ConfigError) -> str:
    """A mistake as shown beside its field: the loader's problem and fix (the key is the field's label)."""
    return f"{error.problem}. Fix: {error.fix}"


class SettingField(qt.QWidget):
    """One setting's editor with its mistake below it; `value()` is what would be written to the file."""

    changed = qt.Signal()

    def __init__(self, section: str, setting: Setting, value: object) -> None:
        super().__init__()
        self.section = section
        self.setting = setting
        self.setObjectName(f"field-{section}.{setting.name}")
        layout = qt.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.editor = self._build_editor()
        self.editor.setObjectName(f"{section}.{setting.name}")
        self.editor.setToolTip(plain_tooltip([setting.description, *setting.notes]))
        layout.addWidget(self.editor)
        self.error_label = plain_label()
        self.error_label.setObjectName(f"error-{section}.{setting.name}")
        self.error_label.setStyleSheet(_ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)
        self.set_value(value)
        self._saved = self.value()

    # ----- building -----------------------------------------------------------------------------------------

    def _build_editor(self) -> qt.QWidget:
        s = self.setting
        editor: qt.QWidget
        if s.kind == "flag":
            box = qt.QCheckBox()
            box.toggled.connect(lambda _on: self._edited())
            editor = box
        elif s.kind == "integer" and s.lo is not None and s.hi is not None:
            spin = qt.QSpinBox()
            spin.setRange(int(s.lo), int(s.hi))
            spin.valueChanged.connect(lambda _v: self._edited())
            editor = spin
        elif s.kind == "number" and s.lo is not None and s.hi is not None:
            number = qt.QDoubleSpinBox()
            number.setDecimals(2)
            number.setRange(s.lo, s.hi)
            number.valueChanged.connect(lambda _v: self._edited())
            editor = number
        elif s.choices is not None:
            combo = qt.QComboBox()
            words = choice_words(s.name)
            for choice in s.choices:
                combo.addItem(words.get(choice, choice), choice)
            combo.currentIndexChanged.connect(lambda _i: self._edited())
            editor = combo
        elif s.kind == "tls":
            tls = qt.QComboBox()
            tls.setEditable(True)  # true, false, or the path of a CA bundle typed in
            tls.addItems(["true", "false"])
            tls.currentTextChanged.connect(lambda _t: self._edited())
            editor = tls
        else:
            line = qt.QLineEdit()
            if s.secret:
                line.setEchoMode(qt.QLineEdit.EchoMode.Password)
            if s.kind == "usb_id":
                line.setValidator(qt.QRegularExpressionValidator(qt.QRegularExpression("[0-9A-Fa-f]{0,4}"), line))
            line.textEdited.connect(lambda _t: self._edited())
            editor = line
        # A wheel over a form scrolls the form: only a focused spin box or combo takes it.
        editor.setFocusPolicy(qt.Qt.FocusPolicy.StrongFocus)
        return editor

    def _edited(self) -> None:
        self.show_error("")
        self.changed.emit()

    # ----- values -------------------------------------------------------------------------------------------

    def set_value(self, value: object) -> None:
        """Show `value` as read from the file (None: unset). A secret is never shown: its field stays empty."""
        s, editor = self.setting, self.editor
        blocked = editor.blockSignals(True)
        try:
            if isinstance(editor, qt.QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, qt.QSpinBox):
                editor.setValue(int(value) if isinstance(value, int | float) else int(s.lo or 0))
            elif isinstance(editor, qt.QDoubleSpinBox):
                editor.setValue(float(value) if isinstance(value, int | float) else float(s.lo or 0))
            elif isinstance(editor, qt.QComboBox) and not editor.isEditable():
                index = editor.findData(value)
                editor.setCurrentIndex(max(index, 0))
            elif isinstance(editor, qt.QComboBox):
                editor.setCurrentText(("true" if value else "false") if isinstance(value, bool) else str(value))
            elif isinstance(editor, qt.QLineEdit):
                if s.secret:
                    editor.clear()
                elif s.kind == "list" and isinstance(value, list | tuple):
                    editor.setText(", ".join(str(item) for item in value))
                elif s.kind == "usb_id" and isinstance(value, int):
                    editor.setText(f"{value:04x}")
                else:
                    editor.setText("" if value is None else str(value))
        finally:
            editor.blockSignals(blocked)
        self.show_error("")

    def value(self) -> object:
        """The TOML value to write; None for an empty optional field (the line is removed, the default applies)."""
        s, editor = self.setting, self.editor
        if isinstance(editor, qt.QCheckBox):
            return editor.isChecked()
        if isinstance(editor, qt.QSpinBox):
            return editor.value()
        if isinstance(editor, qt.QDoubleSpinBox):
            return editor.value()
        if isinstance(editor, qt.QComboBox) and not editor.isEditable():
            return editor.currentData()
        if isinstance(editor, qt.QComboBox):
            text = editor.currentText().strip()
            return {"true": True, "false": False}.get(text, text)
        assert isinstance(editor, qt.QLineEdit)
        text = editor.text()
        if s.kind == "list":
            return [item.strip() for item in text.split(",") if item.strip()]
        if not text.strip():
            # An optional setting left empty is unset; a required one stays empty so the loader names it.
            return None if s.default is None else ""
        return text

    def mark_saved(self) -> None:
        """The value shown is the file's now: it no longer counts as a change."""
        self._saved = self.value()
        if self.setting.secret:
            assert isinstance(self.editor, qt.QLineEdit)
            self.editor.clear()

    @property
    def is_changed(self) -> bool:
        if self.setting.secret:
            assert isinstance(self.editor, qt.QLineEdit)
            return bool(self.editor.text())  # typing a token replaces it; an empty field keeps the old one
        return self.value() != self._saved

    def edit(self) -> Edit:
        return Edit(self.section, self.setting.name, self.value(), secret=self.setting.secret)

    def show_error(self, words: str) -> None:
        self.error_label.setText(words)
        self.error_label.setVisible(bool(words))

    @property
    def error(self) -> str:
        return self.error_label.text()


class SettingsPage(qt.QScrollArea):
    """Groups of settings fields, each row labelled in words, with a "needs restart" mark where it applies.

    The rows come from the declarations, so a setting added to settings.py shows up here by its name;
    one this version does not declare is left out.
    """

    changed = qt.Signal()

    def __init__(
        self, groups: Sequence[tuple[Callable[[], str], Sequence[tuple[str, str]]]], data: Mapping[str, Any]
    ) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(qt.QFrame.Shape.NoFrame)
        self.fields: dict[str, SettingField] = {}
        self._group_boxes: list[tuple[qt.QGroupBox, Callable[[], str]]] = []
        self._row_labels: list[tuple[qt.QLabel, SettingField]] = []
        inner = qt.QWidget()
        self.page_layout = qt.QVBoxLayout(inner)
        for title, keys in groups:
            box = qt.QGroupBox()
            self._group_boxes.append((box, title))
            form = qt.QFormLayout(box)
            form.setFieldGrowthPolicy(qt.QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            form.setLabelAlignment(qt.Qt.AlignmentFlag.AlignRight | qt.Qt.AlignmentFlag.AlignTop)
            for section, name in keys:
                setting = find_setting(section, name)
                if setting is None:
                    continue
                table = data.get(section, {})
                value = table.get(name, setting.default_value()) if isinstance(table, dict) else None
                field = SettingField(section, setting, value)
                field.changed.connect(self.changed.emit)
                label = plain_label()
                label.setBuddy(field.editor)
                label.setToolTip(field.editor.toolTip())
                self._row_labels.append((label, field))
                form.addRow(label, field)
                self.fields[field.editor.objectName()] = field
            box.setVisible(form.rowCount() > 0)  # a group of settings this version does not declare yet
            self.page_layout.addWidget(box)
        self.page_layout.addStretch(1)
        self.setWidget(inner)

    def retranslate(self) -> None:
        for box, title in self._group_boxes:
            box.setTitle(title())
        for label, field in self._row_labels:
            mark = self.tr(" (after a restart)") if needs_restart(field.section, field.setting) else ""
            label.setText(setting_title(field.section, field.setting, title_of(field.setting)) + mark)
            tip = plain_tooltip(setting_tooltip(field.section, field.setting))
            field.editor.setToolTip(tip)
            label.setToolTip(tip)

    def field(self, key: str) -> SettingField:
        return self.fields[key]

    def edits(self) -> list[Edit]:
        return [field.edit() for field in self.fields.values() if field.is_changed]

    def all_edits(self) -> list[Edit]:
        """Every field as it stands (a secret only when typed): what the station would run with."""
        return [field.edit() for field in self.fields.values() if not field.setting.secret or field.is_changed]

    def show_errors(self, errors: Iterable[ConfigError]) -> list[ConfigError]:
        """Each mistake beside its field; the ones about settings not on this page are returned."""
        for field in self.fields.values():
            field.show_error("")
        rest: list[ConfigError] = []
        for error in errors:
            shown = self.fields.get(error.key)
            if shown is None:
                rest.append(error)
            elif not shown.error:
                shown.show_error(error_words(error))
        return rest

    def load(self, data: Mapping[str, Any]) -> None:
        """Show the file's values again (after a save or a revert)."""
        for field in self.fields.values():
            table = data.get(field.section, {})
            value = table.get(field.setting.name, field.setting.default_value()) if isinstance(table, dict) else None
            field.set_value(value)
            field.mark_saved()


__all__ = [
    "Edit",
    "SettingField",
    "SettingsPage",
    "check_edits",
    "error_words",
    "find_setting",
    "needs_restart",
    "with_edits",
]
