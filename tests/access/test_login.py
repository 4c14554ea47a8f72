"""Log-in by PIN and badge: the growing delay, the lock-out that survives a restart, badges and their revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scanstation.access.login import (
    BADGE_NOT_VALID,
    WRONG_NAME_OR_PIN,
    LoginPolicy,
    log_in_with_badge,
    log_in_with_pin,
    log_out,
)
from scanstation.access.operators import issue_badge, revoke_badge, unlock_operator
from scanstation.domain import AuditKind, LoginAnswer, Role, new_badge_secret
from scanstation.store.connection import Store, close_store, open_store
from scanstation.store.operators import get_operator, operator_records

from .conftest import ADMIN, CLERK, PIN, STATION, SUPERVISOR, rows

T0 = datetime(2026, 12, 1, 14, 0, 0, tzinfo=UTC)
POLICY = LoginPolicy(max_wrong_pins=5, lockout_s=300, first_delay_s=1.0, max_delay_s=30.0)


def _pin(store: Store, name: str, pin: str, at: datetime, policy: LoginPolicy = POLICY) -> LoginAnswer:
    return log_in_with_pin(store, name, pin, policy, station=STATION, now=at)


def test_the_right_pin_logs_in_with_the_role_and_is_audited(people: Store) -> None:
    answer = _pin(people, " sven ", PIN, T0)
    assert answer.ok and answer.actor is not None
    assert (answer.actor.name, answer.actor.role, answer.actor.display_name) == ("sven", Role.SUPERVISOR, "Sven")
    [login] = rows(people, AuditKind.LOGIN)
    assert (login.actor, login.role, login.target, login.station) == ("sven", "supervisor", "sven", STATION)
    [record] = [r for r in operator_records(people) if r.name == "sven"]
    assert record.last_login_at == T0


def test_each_wrong_pin_doubles_the_wait_and_an_early_attempt_is_not_even_checked(people: Store) -> None:
    first = _pin(people, "anna", "0000", T0)
    assert (first.refusal, first.retry_at) == (WRONG_NAME_OR_PIN, T0 + timedelta(seconds=1))
    early = _pin(people, "anna", PIN, T0 + timedelta(seconds=0.5))  # the right PIN, too soon: refused unchecked
    assert not early.ok
    assert early.refusal == "wait 1 s before trying again"
    second = _pin(people, "anna", "0000", T0 + timedelta(seconds=1))
    assert second.retry_at == T0 + timedelta(seconds=3)  # 1 s after the first wrong PIN, 2 s after the second
    third = _pin(people, "anna", "0000", T0 + timedelta(seconds=3))
    assert third.retry_at == T0 + timedelta(seconds=7)
    assert _pin(people, "anna", PIN, T0 + timedelta(seconds=3)).refusal == "wait 4 s before trying again"
    ok = _pin(people, "anna", PIN, T0 + timedelta(seconds=7))
    assert ok.ok, "the early attempts were not counted"
    assert [r.failed_pins for r in operator_records(people) if r.name == "anna"] == [0]
    failed = rows(people, AuditKind.LOGIN_FAILED)
    assert [f.target for f in failed] == ["anna"] * 5  # three wrong PINs, two attempts refused unchecked
    assert failed[-2].detail == "PIN: wrong PIN (3 in a row)"
    assert failed[-1].detail == "PIN: refused unchecked: wait 4 s before trying again"


def test_the_delay_stops_growing_at_its_cap(people: Store) -> None:
    policy = LoginPolicy(max_wrong_pins=100, first_delay_s=1.0, max_delay_s=5.0)
    at = T0
    for _ in range(6):
        answer = _pin(people, "anna", "0000", at, policy)
        assert answer.retry_at is not None
        wait = answer.retry_at - at
        at = answer.retry_at
    assert wait == timedelta(seconds=5)


def test_the_lock_out_survives_reopening_the_store_until_an_admin_unlocks(db_url: str) -> None:
    from scanstation.store.operators import add_operator

    store = open_store(db_url)
    at = T0
    try:
        add_operator(store, "anna", PIN)
        add_operator(store, "olga", PIN, role="admin")
        for _ in range(4):
            at = _pin(store, "anna", "0000", at).retry_at or at
        locked = _pin(store, "anna", "0000", at)
    finally:
        close_store(store)
    assert locked.locked_until == at + timedelta(seconds=300)
    shown = locked.locked_until.astimezone().strftime("%H:%M")
    assert locked.refusal == f"locked until {shown} (5 wrong PINs in a row): an admin can unlock"

    store = open_store(db_url)  # the station restarted
    try:
        later = at + timedelta(seconds=120)
        again = _pin(store, "anna", PIN, later)
        assert not again.ok, "a restart forgot the lock-out"
        assert again.refusal == locked.refusal
        [lock] = rows(store, AuditKind.LOCKED_OUT)
        assert lock.target == "anna"
        unlock_operator(store, ADMIN, "anna", station=STATION)
        assert _pin(store, "anna", PIN, later).ok
    finally:
        close_store(store)


def test_a_lock_out_that_ran_out_starts_the_count_again(people: Store) -> None:
    at = T0
    for _ in range(5):
        at = _pin(people, "anna", "0000", at).retry_at or at
    after = at + timedelta(seconds=1)
    answer = _pin(people, "anna", "0000", after)
    assert answer.locked_until is None and answer.retry_at == after + timedelta(seconds=1)
    assert _pin(people, "anna", PIN, after + timedelta(seconds=1)).ok


def test_an_unknown_name_and_a_deactivated_operator_are_refused_alike_and_audited(people: Store) -> None:
    from scanstation.store.operators import deactivate_operator

    assert _pin(people, "nobody", PIN, T0).refusal == WRONG_NAME_OR_PIN
    deactivate_operator(people, "anna")
    assert _pin(people, "anna", PIN, T0).refusal == WRONG_NAME_OR_PIN
    assert [(r.target, r.detail) for r in rows(people, AuditKind.LOGIN_FAILED)] == [
        ("nobody", "PIN: no such operator"),
        ("anna", "PIN: deactivated"),
    ]


def test_a_clerks_badge_logs_in_and_a_revoked_one_does_not(people: Store) -> None:
    secret = issue_badge(people, ADMIN, "anna", station=STATION)
    answer = log_in_with_badge(people, secret, POLICY, station=STATION, now=T0)
    assert answer.actor is not None and answer.actor.name == "anna"
    login = rows(people, AuditKind.LOGIN)[-1]
    assert (login.target, login.detail) == ("anna", "badge")
    revoke_badge(people, ADMIN, "anna", station=STATION)
    refused = log_in_with_badge(people, secret, POLICY, station=STATION, now=T0)
    assert (refused.ok, refused.refusal) == (False, BADGE_NOT_VALID)
    unknown = log_in_with_badge(people, new_badge_secret(), POLICY, station=STATION, now=T0)
    assert unknown.refusal == BADGE_NOT_VALID
    assert all(secret not in f"{r.target} {r.detail} {r.after}" for r in rows(people)), "a secret in the trail"


def test_a_new_badge_replaces_the_earlier_one(people: Store) -> None:
    old = issue_badge(people, ADMIN, "anna", station=STATION)
    new = issue_badge(people, ADMIN, "anna", station=STATION)
    assert log_in_with_badge(people, old, POLICY, station=STATION).refusal == BADGE_NOT_VALID
    assert log_in_with_badge(people, new, POLICY, station=STATION).ok


def test_a_supervisors_badge_asks_the_pin_when_the_policy_says_so(people: Store) -> None:
    secret = issue_badge(people, ADMIN, SUPERVISOR.name, station=STATION)
    asked = log_in_with_badge(people, secret, POLICY, station=STATION, now=T0)
    assert (asked.ok, asked.pin_needed_for) == (False, "sven")
    wrong = log_in_with_badge(people, secret, POLICY, station=STATION, pin="0000", now=T0)
    assert wrong.refusal == WRONG_NAME_OR_PIN
    right = log_in_with_badge(people, secret, POLICY, station=STATION, pin=PIN, now=T0 + timedelta(seconds=1))
    assert right.actor is not None and right.actor.role is Role.SUPERVISOR
    relaxed = LoginPolicy(badge_pin_for_privileged=False)
    assert log_in_with_badge(people, secret, relaxed, station=STATION, now=T0 + timedelta(seconds=2)).ok


def test_a_locked_operators_badge_is_refused(people: Store) -> None:
    secret = issue_badge(people, ADMIN, CLERK.name, station=STATION)
    at = T0
    for _ in range(5):
        at = _pin(people, "anna", "0000", at).retry_at or at
    answer = log_in_with_badge(people, secret, POLICY, station=STATION, now=at - timedelta(seconds=1))
    assert not answer.ok and answer.refusal.startswith("locked until ")
    assert get_operator(people, "anna") is not None


def test_the_policy_is_the_login_section_of_the_config() -> None:
    from scanstation.config import LoginConfig

    policy = LoginPolicy.of(LoginConfig(max_wrong_pins=3, lockout_min=2.5, badge_pin_for_privileged=False))
    assert (policy.max_wrong_pins, policy.lockout_s, policy.badge_pin_for_privileged) == (3, 150.0, False)


def test_a_badge_replacing_someone_audits_their_log_out_first_and_a_refused_one_does_not(people: Store) -> None:
    secret = issue_badge(people, ADMIN, "anna", station=STATION)
    refused = log_in_with_badge(people, new_badge_secret(), POLICY, station=STATION, now=T0, replacing=SUPERVISOR)
    assert not refused.ok and rows(people, AuditKind.LOGOUT) == []
    assert log_in_with_badge(people, secret, POLICY, station=STATION, now=T0, replacing=SUPERVISOR).ok
    switch = [(r.kind, r.actor, r.detail) for r in rows(people, AuditKind.LOGOUT, AuditKind.LOGIN)]
    assert switch == [("logout", "sven", "badge of anna scanned"), ("login", "anna", "badge")]


def test_log_out_is_audited_with_its_reason(people: Store) -> None:
    log_out(people, CLERK, station=STATION, reason="idle for 15 min", now=T0)
    (entry,) = rows(people, AuditKind.LOGOUT)
    assert (entry.actor, entry.role, entry.target, entry.detail, entry.at) == (
        "anna",
        "clerk",
        "anna",
        "idle for 15 min",
        T0,
    )
