"""Stand-ins for the parts the admin's window is wired to at merge time (config.write, access.settings, sync.probe).

They do what those parts promise, for real: a tomlkit edit of the file written by rename, the role check,
HTTP requests to a real server. Each records the thread it ran on.
"""

from __future__ import annotations

import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import tomlkit

from scanstation.config import Config, ServerConfig, parse_config
from scanstation.domain.access import Act, Actor, Role, SettingChange, require
from scanstation.gui.admin.form import find_setting, needs_restart

ADMIN = Actor("olga", Role.ADMIN, "Olga A.")
CLERK = Actor("anna", Role.CLERK, "Anna K.")
SUPERVISOR = Actor("sam", Role.SUPERVISOR, "Sam S.")
SERVER_TOKEN = "s3cret-admin-token-77"

CONFIG_TEXT = """\
# The receiving dock, by the big door.
[station]
id = "st-admin"   # the id the central server knows
operator = "conveyor"

[database]
url = "sqlite:///{db}"

[server]
url = "{url}"
token = "{token}"
connect_timeout_s = 2.0
read_timeout_s = 2.0

[receiving]
undo_window_s = 10.0  # seconds

[gui]
language = "en"
sound = false

[logging]
file = false
"""


class TomlEdit:
    """config.write.SettingsEdit's promise, small: tomlkit keeps comments; save validates, then renames."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.before = path.read_text(encoding="utf-8")
        self.doc = tomlkit.parse(self.before)
        self.threads: list[str] = []

    @classmethod
    def open(cls, path: Path) -> TomlEdit:
        return cls(path)

    def set(self, section: str, name: str, value: object) -> None:
        table = self.doc.setdefault(section, tomlkit.table())
        if value is None:
            table.pop(name, None)
        else:
            table[name] = value

    def set_token(self, token: str) -> None:
        self.set("server", "token", token)

    def text(self) -> str:
        return tomlkit.dumps(self.doc)

    def changes(self) -> tuple[SettingChange, ...]:
        old, new = tomllib.loads(self.before), tomllib.loads(self.text())
        found = []
        for section in sorted(set(old) | set(new)):
            a, b = old.get(section, {}), new.get(section, {})
            if not isinstance(a, dict) or not isinstance(b, dict):
                continue
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    setting = find_setting(section, name)
                    secret = setting is not None and setting.secret
                    restart = setting is not None and needs_restart(section, setting)
                    found.append(
                        SettingChange(
                            f"{section}.{name}",
                            None if secret else a.get(name),
                            None if secret else b.get(name),
                            secret=secret,
                            needs_restart=restart,
                        )
                    )
        return tuple(found)

    def save(self) -> Config:
        self.threads.append(threading.current_thread().name)
        text = self.text()
        config = parse_config(tomllib.loads(text), str(self.path))
        temp = self.path.with_suffix(".tmp")
        temp.write_text(text, encoding="utf-8")
        os.chmod(temp, 0o600)
        os.replace(temp, self.path)
        return config


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    words: str


@dataclass(frozen=True)
class Report:
    steps: tuple[Step, ...]

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def summary(self) -> str:
        return "the server answers and takes the token" if self.ok else "the server cannot be used as set"


@dataclass
class Parts:
    """The context's stand-ins and what they saw."""

    edits: list[TomlEdit] = field(default_factory=list)
    probe_threads: list[str] = field(default_factory=list)
    applied: list[tuple[Config, tuple[SettingChange, ...]]] = field(default_factory=list)

    def open_edit(self, path: Path) -> TomlEdit:
        edit = TomlEdit.open(path)
        self.edits.append(edit)
        return edit

    @staticmethod
    def save(actor: Actor, edit: Any) -> Config:
        require(actor, Act.CHANGE_SETTINGS)
        config: Config = edit.save()
        return config

    def probe(self, server: ServerConfig, token: str | None, station_id: str) -> Report:
        self.probe_threads.append(threading.current_thread().name)
        assert server.url is not None
        timeout = (server.connect_timeout_s, server.read_timeout_s)
        try:
            requests.get(server.url + "/health", timeout=timeout).raise_for_status()
        except requests.RequestException as exc:
            return Report((Step("reachable", False, f"not reachable: {type(exc).__name__}"),))
        steps = [Step("reachable", True, "the server answers")]
        answer = requests.get(
            server.url + "/parcels", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )
        if answer.status_code == 401:
            steps.append(Step("token", False, f"token rejected (401): check server.token or ${server.token_env}"))
        else:
            steps.append(Step("token", answer.ok, "token accepted" if answer.ok else f"answered {answer.status_code}"))
        return Report(tuple(steps))


__all__ = ["ADMIN", "CLERK", "CONFIG_TEXT", "SERVER_TOKEN", "SUPERVISOR", "Parts", "Report", "Step", "TomlEdit"]
