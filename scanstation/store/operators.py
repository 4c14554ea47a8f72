"""Operators who log in at the station: roles and PINs kept only as salted scrypt hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from scanstation.scan import utcnow
from scanstation.store.engine import write_transaction
from scanstation.store.models import Operator

__all__ = [
    "ROLES",
    "OperatorError",
    "OperatorInfo",
    "active_admin_count",
    "add_operator",
    "deactivate_operator",
    "get_operator",
    "hash_pin",
    "list_operators",
    "pin_matches",
    "set_pin",
    "verify_pin",
]

ROLES: Final = ("clerk", "supervisor", "admin")
PIN_MIN: Final = 4
PIN_MAX: Final = 12
# scrypt cost: about 30 ms and 16 MiB per check, which makes guessing a 4-digit PIN from a stolen
# database file slow without making a log-in feel slow.
_N: Final = 2**14
_R: Final = 8
_P: Final = 1
_DKLEN: Final = 32
_SALT_BYTES: Final = 16
# Compared against when the name is unknown, so the answer takes as long as for a known name.
_DUMMY_HASH: Final = f"scrypt${_N}${_R}${_P}${'00' * _SALT_BYTES}${'00' * _DKLEN}"


class OperatorError(ValueError):
    """An operator request the station refuses (bad PIN format, unknown role, name taken); says why."""


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


def _check_pin(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise OperatorError(f"a PIN is {PIN_MIN} to {PIN_MAX} digits")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise OperatorError(f"role {role!r} is not one of {', '.join(ROLES)}")


def hash_pin(pin: str) -> str:
    """`scrypt$N$r$p$salt$hash` (hex) for a PIN, with a fresh random salt."""
    _check_pin(pin)
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


def add_operator(engine: Engine, name: str, pin: str, role: str = "clerk", display_name: str = "") -> OperatorInfo:
    """Create an operator; OperatorError when the name is taken or the PIN or role is not acceptable."""
    name = name.strip()
    if not name:
        raise OperatorError("an operator needs a name")
    _check_role(role)
    pin_hash = hash_pin(pin)
    try:
        with write_transaction(engine) as conn:
            conn.execute(
                insert(Operator).values(
                    name=name,
                    display_name=display_name or name,
                    role=role,
                    pin_hash=pin_hash,
                    active=True,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        raise OperatorError(f"an operator named {name!r} already exists") from None
    return OperatorInfo(name=name, display_name=display_name or name, role=role, active=True)


def get_operator(engine: Engine, name: str) -> OperatorInfo | None:
    with engine.connect() as conn:
        row = conn.execute(select(*_COLUMNS).where(Operator.name == name)).one_or_none()
    return None if row is None else OperatorInfo(row.name, row.display_name, row.role, row.active)


def verify_pin(engine: Engine, name: str, pin: str) -> OperatorInfo | None:
    """The operator when `name` is active and `pin` is theirs; None otherwise (same time either way)."""
    with engine.connect() as conn:
        row = conn.execute(select(*_COLUMNS, Operator.pin_hash).where(Operator.name == name.strip())).one_or_none()
    stored = row.pin_hash if row is not None else _DUMMY_HASH
    ok = pin_matches(pin, stored)
    if row is None or not ok or not row.active:
        return None
    return OperatorInfo(name=row.name, display_name=row.display_name, role=row.role, active=row.active)


def list_operators(engine: Engine, *, include_inactive: bool = False) -> list[OperatorInfo]:
    query = select(*_COLUMNS).order_by(Operator.name)
    if not include_inactive:
        query = query.where(Operator.active.is_(True))
    with engine.connect() as conn:
        return [OperatorInfo(r.name, r.display_name, r.role, r.active) for r in conn.execute(query)]


def deactivate_operator(engine: Engine, name: str) -> bool:
    """Stop `name` from logging in (the row stays: scans keep naming who made them). False if unknown."""
    with write_transaction(engine) as conn:
        result = conn.execute(update(Operator).where(Operator.name == name).values(active=False))
    return result.rowcount == 1


def set_pin(engine: Engine, name: str, pin: str) -> bool:
    """Give `name` a new PIN; False when there is no such operator."""
    pin_hash = hash_pin(pin)
    with write_transaction(engine) as conn:
        result = conn.execute(update(Operator).where(Operator.name == name).values(pin_hash=pin_hash))
    return result.rowcount == 1


def active_admin_count(engine: Engine) -> int:
    """How many active admins can log in: zero means a fresh station that nobody can set up yet."""
    query = select(func.count()).select_from(Operator).where(Operator.active.is_(True), Operator.role == "admin")
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
