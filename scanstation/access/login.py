"""Log-in by PIN or badge: a growing delay after each wrong PIN, a lock-out that survives a restart, all audited."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from scanstation.config import LoginConfig
from scanstation.domain import Actor, AuditKind, LoginAnswer, Role, badge_digest, utcnow
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.operators import (
    DUMMY_HASH,
    LoginRow,
    login_row,
    login_row_by_badge,
    pin_matches,
    record_login,
    record_wrong_pin,
)

__all__ = [
    "BADGE_NOT_VALID",
    "LOCKED_WORDS",
    "WAIT_WORDS",
    "WRONG_NAME_OR_PIN",
    "LoginPolicy",
    "log_in_with_badge",
    "log_in_with_pin",
    "log_out",
]

WRONG_NAME_OR_PIN = "wrong name or PIN"
BADGE_NOT_VALID = "this badge is not valid (revoked or unknown)"
# The two refusals with figures in them; a screen in another language reads the figures back out of them.
WAIT_WORDS = "wait {seconds} s before trying again"
LOCKED_WORDS = "locked until {until} ({wrong} wrong PINs in a row): an admin can unlock"
# Who a failure is audited as when nobody is logged in: the attempt itself, not a person.
_NOBODY = Actor("login", Role.CLERK, "login")


@dataclass(frozen=True)
class LoginPolicy:
    """How PIN guessing is slowed: a delay doubling from `first_delay_s` up to `max_delay_s`, then a lock-out."""

    max_wrong_pins: int = 5
    lockout_s: float = 300
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    badge_pin_for_privileged: bool = True

    @classmethod
    def of(cls, login: LoginConfig) -> LoginPolicy:
        """The policy the config's [login] section sets (the delays are the station's own)."""
        return cls(
            max_wrong_pins=login.max_wrong_pins,
            lockout_s=login.lockout_min * 60.0,
            badge_pin_for_privileged=login.badge_pin_for_privileged,
        )

    def delay_s(self, wrong_in_a_row: int) -> float:
        """How long after the `wrong_in_a_row`th wrong PIN the next attempt is looked at."""
        return min(self.first_delay_s * 2.0 ** max(0, wrong_in_a_row - 1), self.max_delay_s)


def _actor(row: LoginRow) -> Actor:
    return Actor(row.name, Role(row.role), row.display_name or row.name)


def _locked_words(until: datetime, wrong: int) -> str:
    shown = until.astimezone().strftime("%H:%M")  # the station's own clock, as on the wall
    return LOCKED_WORDS.format(until=shown, wrong=wrong)


def _failed(store: Store, *, station: str, target: str, detail: str, now: datetime) -> None:
    with write_transaction(store) as conn:
        audit.append(
            conn, station=station, actor=_NOBODY, kind=AuditKind.LOGIN_FAILED, target=target, detail=detail, at=now
        )


def _not_now(row: LoginRow, now: datetime) -> LoginAnswer | None:
    """The refusal of an attempt made while locked or before the delay ran out: the PIN is not even looked at."""
    if row.locked_until is not None and now < row.locked_until:
        return LoginAnswer(
            refusal=_locked_words(row.locked_until, row.failed_pins),
            locked_until=row.locked_until,
            retry_at=row.locked_until,
        )
    if row.retry_after is not None and now < row.retry_after:
        wait = max(1, math.ceil((row.retry_after - now).total_seconds()))
        return LoginAnswer(refusal=WAIT_WORDS.format(seconds=wait), retry_at=row.retry_after)
    return None


def _check_pin(
    store: Store,
    row: LoginRow | None,
    typed_name: str,
    pin: str,
    policy: LoginPolicy,
    *,
    station: str,
    now: datetime,
    how: str,
) -> LoginAnswer:
    if row is None:
        pin_matches(pin, DUMMY_HASH)  # as long as for a known name: the time tells nobody which names exist
        _failed(store, station=station, target=typed_name.strip(), detail=f"{how}: no such operator", now=now)
        return LoginAnswer(refusal=WRONG_NAME_OR_PIN)
    early = _not_now(row, now)
    if early is not None:
        _failed(store, station=station, target=row.name, detail=f"{how}: refused unchecked: {early.refusal}", now=now)
        return early
    right = pin_matches(pin, row.pin_hash)
    if right and not row.active:
        _failed(store, station=station, target=row.name, detail=f"{how}: deactivated", now=now)
        return LoginAnswer(refusal=WRONG_NAME_OR_PIN)
    if right:
        actor = _actor(row)
        with write_transaction(store) as conn:
            record_login(conn, row.name, now)
            audit.append(conn, station=station, actor=actor, kind=AuditKind.LOGIN, target=row.name, detail=how, at=now)
        return LoginAnswer(actor=actor)
    # A lock-out that has run out starts the count again: five more wrong PINs lock again, not one.
    lapsed = row.locked_until is not None and now >= row.locked_until
    wrong = (0 if lapsed else row.failed_pins) + 1
    retry_at = now + timedelta(seconds=policy.delay_s(wrong))
    locked_until = now + timedelta(seconds=policy.lockout_s) if wrong >= policy.max_wrong_pins else None
    with write_transaction(store) as conn:
        record_wrong_pin(conn, row.name, wrong, max(retry_at, locked_until or retry_at), locked_until)
        audit.append(
            conn,
            station=station,
            actor=_NOBODY,
            kind=AuditKind.LOGIN_FAILED,
            target=row.name,
            detail=f"{how}: wrong PIN ({wrong} in a row)",
            at=now,
        )
        if locked_until is not None:
            audit.append(
                conn,
                station=station,
                actor=_NOBODY,
                kind=AuditKind.LOCKED_OUT,
                target=row.name,
                after={"locked_until": locked_until.isoformat(), "wrong_pins": wrong},
                detail=_locked_words(locked_until, wrong),
                at=now,
            )
    if locked_until is not None:
        return LoginAnswer(refusal=_locked_words(locked_until, wrong), locked_until=locked_until, retry_at=locked_until)
    return LoginAnswer(refusal=WRONG_NAME_OR_PIN, retry_at=retry_at)


def log_in_with_pin(
    store: Store, name: str, pin: str, policy: LoginPolicy, *, station: str, now: datetime | None = None
) -> LoginAnswer:
    """Check `name`'s PIN under `policy`; every failure audited, a success resets the count."""
    now = now or utcnow()
    return _check_pin(store, login_row(store, name), name, pin, policy, station=station, now=now, how="PIN")


def log_in_with_badge(
    store: Store,
    secret: str,
    policy: LoginPolicy,
    *,
    station: str,
    pin: str | None = None,
    now: datetime | None = None,
    replacing: Actor | None = None,
) -> LoginAnswer:
    """Log in by a scanned badge; a supervisor's or admin's badge also asks the PIN when the policy says so.

    `replacing` is whoever was logged in when the badge was scanned: a badge that logs its operator in
    audits that one's LOGOUT first, in the same transaction (a refused badge leaves them logged in).
    """
    now = now or utcnow()
    row = login_row_by_badge(store, badge_digest(secret))
    if row is None or not row.active:
        # Never the secret itself in the trail: it would log whoever reads the trail in.
        _failed(store, station=station, target=row.name if row else "", detail="badge: not valid", now=now)
        return LoginAnswer(refusal=BADGE_NOT_VALID)
    privileged = Role(row.role).at_least(Role.SUPERVISOR)
    if privileged and policy.badge_pin_for_privileged:
        if pin is None:
            early = _not_now(row, now)
            return early if early is not None else LoginAnswer(pin_needed_for=row.name)
        return _check_pin(store, row, row.name, pin, policy, station=station, now=now, how="badge and PIN")
    early = _not_now(row, now)
    if early is not None:
        _failed(store, station=station, target=row.name, detail=f"badge: refused: {early.refusal}", now=now)
        return early
    actor = _actor(row)
    with write_transaction(store) as conn:
        if replacing is not None:
            audit.append(
                conn,
                station=station,
                actor=replacing,
                kind=AuditKind.LOGOUT,
                target=replacing.name,
                detail=f"badge of {row.name} scanned",
                at=now,
            )
        record_login(conn, row.name, now)
        audit.append(conn, station=station, actor=actor, kind=AuditKind.LOGIN, target=row.name, detail="badge", at=now)
    return LoginAnswer(actor=actor)


def log_out(store: Store, actor: Actor, *, station: str, reason: str, now: datetime | None = None) -> None:
    """Audit `actor`'s log-out and why ("logged out", "idle for 15 min", "badge of sven scanned")."""
    with write_transaction(store) as conn:
        audit.append(
            conn,
            station=station,
            actor=actor,
            kind=AuditKind.LOGOUT,
            target=actor.name,
            detail=reason,
            at=now or utcnow(),
        )
