"""Who may do what: the three roles, the acting operator, the privileged acts, and what the audit trail records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from scanstation.domain.json_form import Json

__all__ = [
    "ACT_WORDS",
    "MINIMUM_ROLE",
    "Act",
    "Actor",
    "AuditEntry",
    "AuditKind",
    "LoginAnswer",
    "NotAllowedError",
    "Role",
    "SettingChange",
    "require",
]


class Role(StrEnum):
    """An operator's role; each one may do everything the ones before it may."""

    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANKS: Final = {Role.CLERK: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


class Act(StrEnum):
    """A privileged act: checked where it runs (`require`), whoever asks and from wherever."""

    UNDO_OTHERS_SCAN = "scan.undo_other"  # another operator's scan, or one past its undo window
    CORRECT_SCAN = "scan.correct"
    RESOLVE_EXCEPTION = "review.resolve"
    VIEW_AUDIT = "audit.view"
    EXPORT_AUDIT = "audit.export"
    READ_REPORTS = "reports.read"
    EXPORT_REPORT = "reports.export"
    MANAGE_OPERATORS = "operators.manage"
    OPEN_SETTINGS = "settings.open"
    CHANGE_SETTINGS = "settings.change"
    REMOVE_PHOTO = "photos.remove"


MINIMUM_ROLE: Final[dict[Act, Role]] = {
    Act.UNDO_OTHERS_SCAN: Role.SUPERVISOR,
    Act.CORRECT_SCAN: Role.SUPERVISOR,
    Act.RESOLVE_EXCEPTION: Role.SUPERVISOR,
    Act.VIEW_AUDIT: Role.SUPERVISOR,
    Act.EXPORT_AUDIT: Role.SUPERVISOR,
    Act.READ_REPORTS: Role.SUPERVISOR,
    Act.EXPORT_REPORT: Role.SUPERVISOR,
    Act.MANAGE_OPERATORS: Role.ADMIN,
    Act.OPEN_SETTINGS: Role.ADMIN,
    Act.CHANGE_SETTINGS: Role.ADMIN,
    Act.REMOVE_PHOTO: Role.SUPERVISOR,
}

# What each act is, in words, for a refusal: "<who> is a clerk: <words> needs a supervisor".
ACT_WORDS: Final[dict[Act, str]] = {
    Act.UNDO_OTHERS_SCAN: "undoing another operator's scan, or a scan past its undo window,",
    Act.CORRECT_SCAN: "correcting a scan",
    Act.RESOLVE_EXCEPTION: "resolving an exception",
    Act.VIEW_AUDIT: "reading the audit trail",
    Act.EXPORT_AUDIT: "exporting the audit trail",
    Act.READ_REPORTS: "reading a shift report",
    Act.EXPORT_REPORT: "exporting a shift report",
    Act.MANAGE_OPERATORS: "managing operators",
    Act.OPEN_SETTINGS: "opening the station's settings",
    Act.CHANGE_SETTINGS: "changing the station's settings",
    Act.REMOVE_PHOTO: "removing a parcel's photo",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a logged-in operator with their role, or the shell account running a command."""

    name: str
    role: Role
    display_name: str = ""

    @classmethod
    def shell(cls, user: str) -> Actor:
        """Whoever runs `scanstation ...` commands on this machine: they can read the database file anyway."""
        return cls(f"shell:{user}", Role.ADMIN, f"shell:{user}")

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    def may(self, act: Act) -> bool:
        return self.role.at_least(MINIMUM_ROLE[act])


class NotAllowedError(PermissionError):
    """A privileged act refused for the actor's role; its message is the refusal in words."""

    def __init__(self, actor: Actor, act: Act) -> None:
        self.actor = actor
        self.act = act
        needed = MINIMUM_ROLE[act]
        article = "an" if needed is Role.ADMIN else "a"
        own = "an" if actor.role is Role.ADMIN else "a"
        super().__init__(f"{actor.shown_name} is {own} {actor.role}: {ACT_WORDS[act]} needs {article} {needed}")


def require(actor: Actor, act: Act) -> None:
    """Raise NotAllowedError unless `actor`'s role may do `act`."""
    if not actor.may(act):
        raise NotAllowedError(actor, act)


class AuditKind(StrEnum):
    """What an audit entry records; stored by value."""

    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOCKED_OUT = "login.locked"
    LOGOUT = "logout"
    REFUSED = "refused"  # a privileged act refused for the actor's role
    OPERATOR_ADDED = "operator.added"
    OPERATOR_CHANGED = "operator.changed"  # role, display name, active
    PIN_SET = "operator.pin_set"
    OPERATOR_UNLOCKED = "operator.unlocked"
    BADGE_ISSUED = "badge.issued"
    BADGE_REVOKED = "badge.revoked"
    SETTINGS_CHANGED = "settings.changed"
    SCAN_UNDONE = "scan.undone"  # by a supervisor: another's scan, or past the window
    SCAN_CORRECTED = "scan.corrected"
    EXCEPTION_RESOLVED = "review.resolved"
    RESOLUTION_UNDONE = "review.undone"
    EXPORTED = "export"
    PHOTO_ADDED = "photo.added"
    PHOTO_REMOVED = "photo.removed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the append-only audit trail, as it reads back."""

    id: int
    at: datetime
    station: str
    actor: str
    role: str
    kind: str  # an AuditKind value; a kind a newer station wrote reads back as it is
    target: str  # what it was done to: an operator's name, a setting's key, a scan id, "" for none
    before: Json
    after: Json
    detail: str  # words: why refused, which file exported, ...


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One setting changed by a save; a secret's values are never kept, only that it changed."""

    key: str  # "server.url", "scanners[dock-1].baudrate", "scanners[dock-1]" for a whole scanner
    before: Json
    after: Json
    secret: bool = False
    needs_restart: bool = False


@dataclass(frozen=True, slots=True)
class LoginAnswer:
    """What a log-in attempt (PIN or badge) came to; exactly one of `actor`, `refusal` or `pin_needed_for`."""

    actor: Actor | None = None
    refusal: str = ""  # in words: "wrong name or PIN", "locked until 14:05 after 5 wrong PINs: an admin can unlock"
    retry_at: datetime | None = None  # no attempt for this name is checked before then (growing delay)
    locked_until: datetime | None = None
    pin_needed_for: str | None = None  # a supervisor's or admin's badge: their name, and the PIN is asked

    @property
    def ok(self) -> bool:
        return self.actor is not None
