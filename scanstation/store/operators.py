"""Operators who log in at the station: roles and PINs kept only as salted scrypt hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, TypeAlias

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from scanstation.domain import Role, utcnow
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import Operator

__all__ = [
    "DISPLAY_NAME_MAX",
    "DUMMY_HASH",
    "NAME_MAX",
    "PIN_MAX",
    "PIN_MIN",
    "ROLES",
    "AddedHook",
    "ChangeHook",
    "LastAdminError",
    "LoginRow",
    "OperatorError",
    "OperatorInfo",
    "OperatorRecord",
    "activate_operator",
    "active_admin_count",
    "add_operator",
    "check_new_operator",
    "check_pin",
    "check_role",
    "clean_display_name",
    "clean_name",
    "clear_badge",
    "deactivate_operator",
    "get_operator",
    "hash_pin",
    "list_operators",
    "login_row",
    "login_row_by_badge",
    "operator_records",
    "pin_matches",
    "record_login",
    "record_wrong_pin",
    "require_operator",
    "set_badge",
    "set_display_name",
    "set_pin",
    "set_role",
    "unlock_operator",
    "verify_pin",
]

ROLES: Final = ("clerk", "supervisor", "admin")
PIN_MIN: Final = 4
PIN_MAX: Final = 12
NAME_MAX: Final = 64
DISPLAY_NAME_MAX: Final = 128
# Besides control characters: line and paragraph separators, and the bidirectional embeddings,
# overrides and isolates, which make a name read differently on screen from what it is.
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# scrypt cost: about 30 ms and 16 MiB per check, which makes guessing a 4-digit PIN from a stolen
# database file slow without making a log-in feel slow.
_N: Final = 2**14
_R: Final = 8
_P: Final = 1
_DKLEN: Final = 32
_SALT_BYTES: Final = 16
# Compared against when the name is unknown, so the answer takes as long as for a known name.
DUMMY_HASH: Final = f"scrypt${_N}${_R}${_P}${'00' * _SALT_BYTES}${'00' * _DKLEN}"


class OperatorError(ValueError):
    """An operator request the station refuses (bad PIN format, unknown role, name taken); says why."""


class LastAdminError(OperatorError):
    """The change would leave no active admin, so nobody could manage the station any more."""


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    name: str
    display_name: str
    role: str
    active: bool

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and admins may resolve unknown parcels and close review items."""
        return self.role in ("supervisor", "admin")


# Called inside the change's own transaction (access.operators writes its audit row there): the operator
# before (None for a new one) and after. Whatever it raises rolls the change back.
ChangeHook: TypeAlias = Callable[[Connection, "OperatorInfo", "OperatorInfo"], None]
AddedHook: TypeAlias = Callable[[Connection, "OperatorInfo"], None]


def check_pin(pin: str) -> None:
    """OperatorError unless `pin` is PIN_MIN to PIN_MAX ASCII digits."""
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise OperatorError(f"a PIN is {PIN_MIN} to {PIN_MAX} digits")


def _clean_text(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise OperatorError(f"{what} is {len(value)} characters long; at most {limit} are allowed")
    for char in value:
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _BIDI_CONTROLS:
            raise OperatorError(f"{what} contains the control character U+{ord(char):04X}; use plain text")
    return value


def clean_name(name: str) -> str:
    """The log-in name as stored (surrounding spaces removed); OperatorError when it is empty or unfit."""
    cleaned = _clean_text(name, "an operator's name", NAME_MAX)
    if not cleaned:
        raise OperatorError("an operator needs a name")
    return cleaned


def clean_display_name(display_name: str, name: str) -> str:
    """The name shown on screen: `display_name` stripped, or `name` when it is empty; OperatorError if unfit."""
    return _clean_text(display_name, "a display name", DISPLAY_NAME_MAX) or name


def check_role(role: str) -> None:
    """OperatorError unless `role` is one of ROLES."""
    if role not in ROLES:
        raise OperatorError(f"role {role!r} is not one of {', '.join(ROLES)}")


def hash_pin(pin: str) -> str:
    """`scrypt$N$r$p$salt$hash` (hex) for a PIN, with a fresh random salt."""
    check_pin(pin)
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """Whether `pin` hashes to `stored`; constant-time in the digest comparison."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        digest = hashlib.scrypt(pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(digest, expected)


_COLUMNS: Final = (Operator.name, Operator.display_name, Operator.role, Operator.active)


def add_operator(
    store: Store, name: str, pin: str, role: str = "clerk", display_name: str = "", *, record: AddedHook | None = None
) -> OperatorInfo:
    """Create an operator; OperatorError when the name is taken or the name, PIN or role is not acceptable."""
    name = clean_name(name)
    display_name = clean_display_name(display_name, name)
    check_role(role)
    pin_hash = hash_pin(pin)
    try:
        with write_transaction(store) as conn:
            conn.execute(
                insert(Operator).values(
                    name=name,
                    display_name=display_name,
                    role=role,
                    pin_hash=pin_hash,
                    active=True,
                    created_at=utcnow(),
                )
            )
            added = OperatorInfo(name=name, display_name=display_name, role=role, active=True)
            if record is not None:
                record(conn, added)
    except IntegrityError:
        raise _name_taken(name) from None
    return added


def check_new_operator(store: Store, name: str, role: str, display_name: str = "") -> None:
    """What add_operator would refuse before the PIN (name, display name, role, name taken), as OperatorError."""
    name = clean_name(name)
    clean_display_name(display_name, name)
    check_role(role)
    if get_operator(store, name) is not None:
        raise _name_taken(name)


def _name_taken(name: str) -> OperatorError:
    return OperatorError(f"an operator named {name!r} already exists")


def _unknown(name: str) -> OperatorError:
    return OperatorError(f"there is no operator named {name!r}")


def get_operator(store: Store, name: str) -> OperatorInfo | None:
    with store.connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(Operator.name == name.strip())).one_or_none()
    return None if row is None else OperatorInfo(row.name, row.display_name, row.role, row.active)


def require_operator(store: Store, name: str) -> OperatorInfo:
    """The operator named `name`, active or not; OperatorError when there is none."""
    operator = get_operator(store, name)
    if operator is None:
        raise _unknown(name.strip())
    return operator


def verify_pin(store: Store, name: str, pin: str) -> OperatorInfo | None:
    """The operator when `name` is active and `pin` is theirs; None otherwise (same time either way)."""
    with store.connect() as conn:
        row = conn.execute(select(*_COLUMNS, Operator.pin_hash).where(Operator.name == name.strip())).one_or_none()
    stored = row.pin_hash if row is not None else DUMMY_HASH
    ok = pin_matches(pin, stored)
    if row is None or not ok or not row.active:
        return None
    return OperatorInfo(name=row.name, display_name=row.display_name, role=row.role, active=row.active)


def list_operators(store: Store, *, include_inactive: bool = False) -> list[OperatorInfo]:
    query = select(*_COLUMNS).order_by(Operator.name)
    if not include_inactive:
        query = query.where(Operator.active.is_(True))
    with store.connect() as conn:
        return [OperatorInfo(r.name, r.display_name, r.role, r.active) for r in conn.execute(query)]


def _change(
    store: Store,
    name: str,
    values: dict[str, object],
    *,
    removes_admin: str | None = None,
    force: bool = False,
    record: ChangeHook | None = None,
) -> OperatorInfo:
    """Update `name`'s row; `removes_admin` says how the change would take an admin away (None: it does not)."""
    name = name.strip()
    with write_transaction(store) as conn:
        # FOR UPDATE (PostgreSQL; SQLite's write transaction already excludes other writers) so two
        # admins demoting each other at once cannot both pass the last-admin check below.
        row = conn.execute(select(*_COLUMNS).where(Operator.name == name).with_for_update()).one_or_none()
        if row is None:
            raise _unknown(name)
        takes_an_admin = removes_admin is not None and row.active and row.role == "admin"
        if takes_an_admin and not force and _lock_active_admins(conn) <= 1:
            raise LastAdminError(
                f"{name!r} is the only active admin: {removes_admin} would leave nobody who can set up "
                "this station; make another operator admin first"
            )
        conn.execute(update(Operator).where(Operator.name == name).values(**values))
        row_after = conn.execute(select(*_COLUMNS).where(Operator.name == name)).one()
        changed = OperatorInfo(row_after.name, row_after.display_name, row_after.role, row_after.active)
        if record is not None:
            record(conn, OperatorInfo(row.name, row.display_name, row.role, row.active), changed)
    return changed


def _lock_active_admins(conn: Connection) -> int:
    query = select(Operator.name).where(Operator.active.is_(True), Operator.role == "admin").with_for_update()
    return len(conn.execute(query).all())


def deactivate_operator(
    store: Store, name: str, *, force: bool = False, record: ChangeHook | None = None
) -> OperatorInfo:
    """Stop `name` from logging in (the row stays: scans keep naming who made them).

    OperatorError when there is no such operator; LastAdminError when `name` is the only active admin,
    unless `force`.
    """
    return _change(store, name, {"active": False}, removes_admin="deactivating them", force=force, record=record)


def activate_operator(store: Store, name: str, *, record: ChangeHook | None = None) -> OperatorInfo:
    """Let a deactivated operator log in again; OperatorError when there is no such operator."""
    return _change(store, name, {"active": True}, record=record)


def set_role(
    store: Store, name: str, role: str, *, force: bool = False, record: ChangeHook | None = None
) -> OperatorInfo:
    """Give `name` another role; OperatorError for an unknown operator or role.

    LastAdminError when this takes the admin role from the only active admin, unless `force`.
    """
    check_role(role)
    removes_admin = None if role == "admin" else f"making them {role}"
    return _change(store, name, {"role": role}, removes_admin=removes_admin, force=force, record=record)


def set_pin(store: Store, name: str, pin: str, *, record: ChangeHook | None = None) -> OperatorInfo:
    """Give `name` a new PIN; OperatorError when the PIN is not acceptable or there is no such operator."""
    return _change(store, name, {"pin_hash": hash_pin(pin)}, record=record)


def set_display_name(store: Store, name: str, display_name: str, *, record: ChangeHook | None = None) -> OperatorInfo:
    """Show `name` on screen as `display_name` (empty: the log-in name); OperatorError when unfit or unknown."""
    shown = clean_display_name(display_name, name.strip())
    return _change(store, name, {"display_name": shown}, record=record)


def unlock_operator(store: Store, name: str, *, record: ChangeHook | None = None) -> OperatorInfo:
    """Lift a lock-out and forget the wrong PINs so far; OperatorError when there is no such operator."""
    return _change(store, name, {"failed_pins": 0, "retry_after": None, "locked_until": None}, record=record)


def set_badge(store: Store, name: str, digest: str, *, record: ChangeHook | None = None) -> OperatorInfo:
    """Make `digest` the operator's only badge (an earlier one stops working); OperatorError when unknown."""
    return _change(store, name, {"badge_digest": digest, "badge_issued_at": utcnow()}, record=record)


def clear_badge(store: Store, name: str, *, record: ChangeHook | None = None) -> OperatorInfo:
    """Revoke the operator's badge; OperatorError when there is no such operator."""
    return _change(store, name, {"badge_digest": None, "badge_issued_at": None}, record=record)


def active_admin_count(store: Store) -> int:
    """How many active admins can log in: zero means a fresh station that nobody can set up yet."""
    query = select(func.count()).select_from(Operator).where(Operator.active.is_(True), Operator.role == "admin")
    with store.connect() as conn:
        return int(conn.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class OperatorRecord:
    """An operator as an admin sees them: besides who they are, their lock-out, badge and last log-in."""

    name: str
    display_name: str
    role: Role
    active: bool
    locked_until: datetime | None
    failed_pins: int
    has_badge: bool
    badge_issued_at: datetime | None
    last_login_at: datetime | None


def operator_records(store: Store, *, include_inactive: bool = False) -> list[OperatorRecord]:
    query = select(Operator.__table__).order_by(Operator.name)
    if not include_inactive:
        query = query.where(Operator.active.is_(True))
    with store.connect() as conn:
        rows = conn.execute(query).all()
    return [
        OperatorRecord(
            name=r.name,
            display_name=r.display_name,
            role=Role(r.role),
            active=r.active,
            locked_until=r.locked_until,
            failed_pins=r.failed_pins,
            has_badge=r.badge_digest is not None,
            badge_issued_at=r.badge_issued_at,
            last_login_at=r.last_login_at,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class LoginRow:
    """What a log-in attempt needs of an operator's row."""

    name: str
    display_name: str
    role: str
    active: bool
    pin_hash: str
    failed_pins: int
    retry_after: datetime | None
    locked_until: datetime | None


_LOGIN_COLUMNS: Final = (
    *_COLUMNS,
    Operator.pin_hash,
    Operator.failed_pins,
    Operator.retry_after,
    Operator.locked_until,
)


def _login_row(conn: Connection, condition: ColumnElement[bool]) -> LoginRow | None:
    row = conn.execute(select(*_LOGIN_COLUMNS).where(condition)).one_or_none()
    if row is None:
        return None
    return LoginRow(
        row.name,
        row.display_name,
        row.role,
        row.active,
        row.pin_hash,
        row.failed_pins,
        row.retry_after,
        row.locked_until,
    )


def login_row(store: Store, name: str) -> LoginRow | None:
    """The operator `name`'s log-in state (read without a write lock: the PIN is checked outside one)."""
    with store.connect() as conn:
        return _login_row(conn, Operator.name == name.strip())


def login_row_by_badge(store: Store, digest: str) -> LoginRow | None:
    """The operator whose badge has `digest`, or None (no such badge, or it was revoked)."""
    with store.connect() as conn:
        return _login_row(conn, Operator.badge_digest == digest)


def record_wrong_pin(
    conn: Connection, name: str, failed_pins: int, retry_after: datetime, locked_until: datetime | None
) -> None:
    """Keep a wrong PIN's consequences in the row, so a restart forgets neither the delay nor the lock-out."""
    conn.execute(
        update(Operator)
        .where(Operator.name == name)
        .values(failed_pins=failed_pins, retry_after=retry_after, locked_until=locked_until)
    )


def record_login(conn: Connection, name: str, at: datetime) -> None:
    """A successful log-in: the wrong PINs before it are forgotten."""
    conn.execute(
        update(Operator)
        .where(Operator.name == name)
        .values(failed_pins=0, retry_after=None, locked_until=None, last_login_at=at)
    )
