"""Operator changes: a clerk or supervisor is refused each in the core, the refusal audited; each change audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scanstation.access import operators as ops
from scanstation.access.audit import export_audit, read_audit
from scanstation.access.settings import save_settings
from scanstation.config import Config
from scanstation.domain import Act, Actor, AuditKind, NotAllowedError, SettingChange
from scanstation.store.audit import AuditFilter
from scanstation.store.connection import Store
from scanstation.store.operators import OperatorError, get_operator, list_operators, operator_records, verify_pin

from .conftest import ADMIN, CLERK, PIN, STATION, SUPERVISOR, rows


class _NeverSaved:
    """An edit that must never be saved: a refused save_settings stops before it."""

    def save(self) -> Config:
        raise AssertionError("a refused actor's settings were saved")

    def changes(self) -> tuple[SettingChange, ...]:
        return (SettingChange("server.url", "a", "b"),)


# Each privileged operation of access/, as a clerk would call it; the act each needs.
PRIVILEGED: dict[str, tuple[Act, Callable[[Store, Actor, Path], object]]] = {
    "add_operator": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.add_operator(s, a, "zed", PIN, station=STATION)),
    "set_pin": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.set_pin(s, a, "olga", "9999", station=STATION)),
    "set_role": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.set_role(s, a, "anna", "admin", station=STATION)),
    "set_display_name": (
        Act.MANAGE_OPERATORS,
        lambda s, a, _: ops.set_display_name(s, a, "anna", "Queen", station=STATION),
    ),
    "deactivate_operator": (
        Act.MANAGE_OPERATORS,
        lambda s, a, _: ops.deactivate_operator(s, a, "olga", station=STATION),
    ),
    "activate_operator": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.activate_operator(s, a, "olga", station=STATION)),
    "unlock_operator": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.unlock_operator(s, a, "anna", station=STATION)),
    "issue_badge": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.issue_badge(s, a, "anna", station=STATION)),
    "revoke_badge": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.revoke_badge(s, a, "olga", station=STATION)),
    "list_operators": (Act.MANAGE_OPERATORS, lambda s, a, _: ops.list_operators(s, a, station=STATION)),
    "read_audit": (Act.VIEW_AUDIT, lambda s, a, _: read_audit(s, a, AuditFilter(), station=STATION)),
    "export_audit": (
        Act.EXPORT_AUDIT,
        lambda s, a, d: export_audit(s, a, AuditFilter(), d / "audit.csv", station=STATION),
    ),
    "save_settings": (Act.CHANGE_SETTINGS, lambda s, a, _: save_settings(s, a, _NeverSaved(), station=STATION)),
}


@pytest.mark.parametrize("operation", list(PRIVILEGED))
def test_a_clerk_is_refused_in_the_core_and_the_refusal_is_audited(
    people: Store, tmp_path: Path, operation: str
) -> None:
    act, call = PRIVILEGED[operation]
    before = {(o.name, o.role, o.display_name, o.active) for o in list_operators(people, include_inactive=True)}
    with pytest.raises(NotAllowedError, match=r"^Anna is a clerk: ") as refused:
        call(people, CLERK, tmp_path)
    assert refused.value.act is act
    [row] = rows(people, AuditKind.REFUSED)
    assert (row.actor, row.role, row.target, row.detail) == ("anna", "clerk", act.value, str(refused.value))
    assert {(o.name, o.role, o.display_name, o.active) for o in list_operators(people, include_inactive=True)} == before
    assert not (tmp_path / "audit.csv").exists()
    assert [r.has_badge for r in operator_records(people)] == [False, False, False]


@pytest.mark.parametrize("operation", [op for op, (act, _) in PRIVILEGED.items() if act is Act.MANAGE_OPERATORS])
def test_a_supervisor_may_not_manage_operators_either(people: Store, tmp_path: Path, operation: str) -> None:
    with pytest.raises(NotAllowedError, match="needs an admin"):
        PRIVILEGED[operation][1](people, SUPERVISOR, tmp_path)
    assert [r.actor for r in rows(people, AuditKind.REFUSED)] == ["sven"]


def test_every_operator_change_is_audited_with_before_and_after(people: Store) -> None:
    ops.add_operator(people, ADMIN, "zed", PIN, role="clerk", display_name="Zed", station=STATION)
    ops.set_role(people, ADMIN, "zed", "supervisor", station=STATION)
    ops.set_display_name(people, ADMIN, "zed", "Zed Z.", station=STATION)
    ops.set_pin(people, ADMIN, "zed", "7777", station=STATION)
    ops.deactivate_operator(people, ADMIN, "zed", station=STATION)
    ops.activate_operator(people, ADMIN, "zed", station=STATION)
    ops.unlock_operator(people, ADMIN, "zed", station=STATION)
    ops.issue_badge(people, ADMIN, "zed", station=STATION)
    ops.revoke_badge(people, ADMIN, "zed", station=STATION)
    trail = [(r.kind, r.target, r.actor, r.role) for r in rows(people)]
    kinds = [
        AuditKind.OPERATOR_ADDED,
        AuditKind.OPERATOR_CHANGED,
        AuditKind.OPERATOR_CHANGED,
        AuditKind.PIN_SET,
        AuditKind.OPERATOR_CHANGED,
        AuditKind.OPERATOR_CHANGED,
        AuditKind.OPERATOR_UNLOCKED,
        AuditKind.BADGE_ISSUED,
        AuditKind.BADGE_REVOKED,
    ]
    assert trail == [(k.value, "zed", "olga", "admin") for k in kinds]
    added, role, name, pin, off, on = rows(people)[:6]
    assert added.before is None and added.after == {"display_name": "Zed", "role": "clerk", "active": True}
    assert (role.before, role.after) == (
        {"display_name": "Zed", "role": "clerk", "active": True},
        {"display_name": "Zed", "role": "supervisor", "active": True},
    )
    assert name.after == {"display_name": "Zed Z.", "role": "supervisor", "active": True}
    assert (pin.before, pin.after) == (None, None), "nothing of a PIN goes in the trail"
    assert (off.detail, off.after) == ("deactivated", {"display_name": "Zed Z.", "role": "supervisor", "active": False})
    assert on.detail == "activated"
    assert verify_pin(people, "zed", "7777") is not None


def test_a_refused_change_writes_no_change_row(people: Store) -> None:
    with pytest.raises(OperatorError):
        ops.set_role(people, ADMIN, "nobody", "admin", station=STATION)
    assert rows(people) == []


def test_the_shell_account_is_an_admin(people: Store) -> None:
    ops.set_role(people, Actor.shell("root"), "anna", "supervisor", station=STATION)
    changed = get_operator(people, "anna")
    assert changed is not None and changed.role == "supervisor"
    assert rows(people)[-1].actor == "shell:root"


def test_the_list_shows_lock_out_and_badge(people: Store) -> None:
    ops.issue_badge(people, ADMIN, "anna", station=STATION)
    [anna] = [r for r in ops.list_operators(people, ADMIN) if r.name == "anna"]
    assert anna.has_badge and anna.badge_issued_at is not None and anna.failed_pins == 0
