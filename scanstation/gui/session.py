"""Who is logged in at the station: the one owner, read by the GUI and by every thread that takes a scan."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from scanstation.domain import Actor, Role


@dataclass(frozen=True, slots=True)
class Login:
    """An operator the PIN check let in: the canonical name scans are logged under, the name shown, the role."""

    name: str
    display_name: str
    role: Role = Role.CLERK  # the least a log-in can be: a window that never said otherwise may only scan

    @property
    def actor(self) -> Actor:
        """Who the core's role checks see acting."""
        return Actor(self.name, self.role, self.display_name)


@dataclass(frozen=True, slots=True)
class PinNeeded:
    """A supervisor's or admin's badge was scanned: their PIN is asked before they are let in."""

    name: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A log-in the core refused: its words, and when the next attempt is looked at (None: any time)."""

    words: str
    retry_at: datetime | None = None


class Session:
    """The logged-in operator; safe to read from any thread (scanner readers, the wedge, the typed entry).

    A scan is bound to `current_operator()` when it is read, whatever its source; a scan read while nobody
    is logged in is still recorded (a scan read is a scan decided), under `nobody`, the configured operator.
    """

    def __init__(self, nobody: str = "conveyor") -> None:
        self._nobody = nobody
        self._login: Login | None = None
        self._lock = threading.Lock()

    @property
    def login(self) -> Login | None:
        with self._lock:
            return self._login

    @property
    def operator(self) -> str | None:
        login = self.login
        return login.name if login is not None else None

    @property
    def actor(self) -> Actor | None:
        login = self.login
        return login.actor if login is not None else None

    def current_operator(self) -> str:
        """Who a scan read now is recorded under (any thread)."""
        return self.operator or self._nobody

    def log_in(self, login: Login) -> None:
        with self._lock:
            self._login = login

    def log_out(self) -> None:
        with self._lock:
            self._login = None


__all__ = ["Login", "PinNeeded", "Refusal", "Session"]
