"""Edits of the config file that keep its comments and order (tomlkit), checked by the loader, saved atomically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import tomlkit
from tomlkit.items import AoT

from scanstation.config.load import parse_config_text, read_config_text, read_toml
from scanstation.config.model import Config, ConfigError
from scanstation.config.reader import REQUIRED
from scanstation.config.settings import SCANNERS, SECTIONS, SectionSpec
from scanstation.domain import Json, SettingChange
from scanstation.private import write_private_atomically

__all__ = ["SettingsEdit"]

_SPECS: Final = {spec.name: spec for spec in SECTIONS}
_SCANNERS: Final = SCANNERS.name


class SettingsEdit:
    """Changes to one config file: kept as a tomlkit document, so what is not changed stays as it was written.

    Nothing is checked as it is set: validate() and save() put the whole new text through the loader,
    so every mistake is named in the loader's own words.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self._before = read_toml(text, str(path))  # first: a file that is not TOML is named in the loader's words
        self._document = tomlkit.parse(text)
        self._on_disk = text  # what save() expects to replace: another writer's edit is not overwritten
        # For each scanner block now in the document, the index of the block it was in the file (None: added).
        blocks = self._before.get(_SCANNERS, [])
        self._origins: list[int | None] = list(range(len(blocks))) if isinstance(blocks, list) else []

    @classmethod
    def open(cls, path: Path) -> SettingsEdit:
        """The file at `path`, ready to edit; ConfigError in the loader's words when it cannot be read as TOML."""
        return cls(path, read_config_text(path))

    # ------------------------------------------------------------------ changes

    def set(self, section: str, name: str, value: object) -> None:
        """Write `name = value` under [section]; None removes the line, so the setting takes its default."""
        if section == _SCANNERS:
            raise ValueError("scanners are changed with set_scanner and remove_scanner")
        table = self._document.get(section)
        if value is None:
            if table is not None and name in table:
                del table[name]
            return
        if table is None:
            table = tomlkit.table()
            self._separate()
            self._document.append(section, table)
        table[name] = _toml(value)

    def set_token(self, token: str) -> None:
        """Write the server's token into the file ("" removes it); the variable token_env names still wins."""
        self.set("server", "token", token or None)

    def set_scanner(self, name: str | None, values: Mapping[str, object]) -> None:
        """Add a [[scanners]] block (`name` None) or change the one named `name` (its name too); None removes a key."""
        blocks = self._scanner_blocks(create=name is None)
        if name is None:
            block = tomlkit.table()
            for key, value in values.items():
                if value is not None:
                    block[key] = _toml(value)
            # A blank line between blocks, as people write them, and before the table that follows.
            if len(blocks) and blocks[-1].as_string().endswith("\n\n"):
                block.add(tomlkit.nl())
            elif len(blocks):
                blocks[-1].add(tomlkit.nl())
            blocks.append(block)
            self._origins.append(None)
            return
        block = blocks[self._scanner_index(blocks, name)]
        for key, value in values.items():
            if value is None:
                if key in block:
                    del block[key]
            else:
                block[key] = _toml(value)

    def remove_scanner(self, name: str) -> None:
        """Remove the [[scanners]] block named `name` (KeyError when there is none)."""
        blocks = self._scanner_blocks(create=False)
        index = self._scanner_index(blocks, name)
        del blocks[index]
        del self._origins[index]
        if not len(blocks):
            # An empty array of tables would be written as `scanners = []` at the top of the file.
            del self._document[_SCANNERS]

    def _separate(self) -> None:
        """A blank line before a table added at the end, unless the file ends with one."""
        text = tomlkit.dumps(self._document)
        if text and not text.endswith("\n\n"):
            self._document.add(tomlkit.nl())

    def _scanner_blocks(self, *, create: bool) -> AoT:
        blocks = self._document.get(_SCANNERS)
        if blocks is None and create:
            blocks = tomlkit.aot()
            self._separate()
            self._document.append(_SCANNERS, blocks)
        if blocks is None:
            blocks = tomlkit.aot()
        if not isinstance(blocks, AoT):
            fix = "write each scanner as a [[scanners]] block"
            raise ConfigError(_SCANNERS, "must be an array of tables", fix, str(self.path))
        return blocks

    @staticmethod
    def _scanner_index(blocks: AoT, name: str) -> int:
        for index, block in enumerate(blocks):
            if block.get("name") == name:
                return index
        raise KeyError(f"no scanner named {name!r} in the file")

    # ------------------------------------------------------------------ results

    def text(self) -> str:
        """The file's new text."""
        return tomlkit.dumps(self._document)

    def validate(self) -> Config:
        """The Config the new text makes, read by the loader itself (ConfigError or ConfigErrors with its words)."""
        return parse_config_text(self.text(), str(self.path))

    def save(self) -> Config:
        """Validate, then replace the file atomically, owner-only (0600); the Config it now makes."""
        config = self.validate()
        text = self.text()
        if read_config_text(self.path) != self._on_disk:
            raise ConfigError(
                "(file)",
                f"{self.path} was changed by someone else since the settings were opened",
                "open the settings again and make the change there: nothing was saved",
                str(self.path),
            )
        write_private_atomically(self.path, text.encode("utf-8"))
        self._on_disk = text
        return config

    def changes(self) -> tuple[SettingChange, ...]:
        """Every setting whose value differs from the file as opened (a secret only says that it changed)."""
        after = self._document.unwrap()
        found: list[SettingChange] = []
        for section in _section_names(self._before, after):
            spec = _SPECS.get(section)
            found += _table_changes(section, spec, _table(self._before, section), _table(after, section))
        found += self._scanner_changes(after)
        return tuple(found)

    def _scanner_changes(self, after: Mapping[str, Any]) -> list[SettingChange]:
        before_blocks = _blocks(self._before)
        after_blocks = _blocks(after)
        found: list[SettingChange] = []
        for block, origin in zip(after_blocks, self._origins, strict=True):
            if origin is None:
                found.append(SettingChange(f"{_SCANNERS}[{_block_name(block)}]", None, _json(block)))
                continue
            old = before_blocks[origin]
            found += _table_changes(f"{_SCANNERS}[{_block_name(old)}]", SCANNERS, old, block)
        for index in sorted(set(range(len(before_blocks))) - set(self._origins) - {None}):
            old = before_blocks[index]
            found.append(SettingChange(f"{_SCANNERS}[{_block_name(old)}]", _json(old), None))
        return found


def _toml(value: object) -> object:
    """A value as tomlkit takes it: a tuple (a declared default) becomes a list."""
    return list(value) if isinstance(value, tuple) else value


def _section_names(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    names = [spec.name for spec in SECTIONS if not spec.many]
    return names + sorted((set(before) | set(after)) - set(names) - {_SCANNERS})


def _table(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = document.get(name, {})
    return table if isinstance(table, Mapping) else {}


def _blocks(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    blocks = document.get(_SCANNERS, [])
    if not isinstance(blocks, list):
        return []
    return [block if isinstance(block, Mapping) else {} for block in blocks]


def _block_name(block: Mapping[str, Any]) -> str:
    name = block.get("name")
    return name if isinstance(name, str) else "?"


def _table_changes(
    prefix: str, spec: SectionSpec | None, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[SettingChange]:
    """The keys of one table whose effective value (written, else the declared default) differs."""
    declared = {setting.name: setting for setting in spec.settings} if spec is not None else {}
    keys = list(declared) + sorted((set(before) | set(after)) - set(declared))
    found: list[SettingChange] = []
    for key in keys:
        setting = declared.get(key)
        default = setting.default_value() if setting is not None else None
        old = before.get(key, default)
        new = after.get(key, default)
        if old == new:
            continue
        restart = setting is not None and setting.restart
        if setting is not None and setting.secret:
            found.append(SettingChange(f"{prefix}.{key}", None, None, secret=True, needs_restart=restart))
        else:
            found.append(SettingChange(f"{prefix}.{key}", _json(old), _json(new), needs_restart=restart))
    return found


def _json(value: object) -> Json:
    """A TOML value (or a declared default) as a JSON value for the audit trail."""
    if value is None or value is REQUIRED:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
