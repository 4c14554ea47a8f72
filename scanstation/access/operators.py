"""Every operator change, checked against the actor's role and audited in the change's own transaction."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor, AuditKind, Json, new_badge_secret
from scanstation.domain import badge_digest as digest_of
from scanstation.store import audit
from scanstation.store import operators as data
from scanstation.store.connection import Store
from scanstation.store.operators import AddedHook, ChangeHook, OperatorInfo, OperatorRecord

__all__ = [
    "OperatorRecord",
    "activate_operator",
    "add_operator",
    "deactivate_operator",
    "issue_badge",
    "list_operators",
    "revoke_badge",
    "set_display_name",
    "set_pin",
    "set_role",
    "unlock_operator",
]


def _form(info: OperatorInfo) -> dict[str, Json]:
    return {"display_name": info.display_name, "role": info.role, "active": info.active}


def _changed(actor: Actor, station: str, kind: AuditKind, detail: str = "", *, values: bool = True) -> ChangeHook:
    def record(conn: Connection, before: OperatorInfo, after: OperatorInfo) -> None:
        audit.append(
            conn,
            station=station,
            actor=actor,
            kind=kind,
            target=after.name,
            before=_form(before) if values else None,
            after=_form(after) if values else None,
            detail=detail,
        )

    return record


def _manage(store: Store, actor: Actor, station: str) -> None:
    check(store, actor, Act.MANAGE_OPERATORS, station=station)


def add_operator(
    store: Store, actor: Actor, name: str, pin: str, role: str = "clerk", display_name: str = "", *, station: str
) -> OperatorInfo:
    """store.operators.add_operator for an admin; NotAllowedError (audited) for anyone else."""
    _manage(store, actor, station)

    def record(conn: Connection, added: OperatorInfo) -> None:
        audit.append(
            conn, station=station, actor=actor, kind=AuditKind.OPERATOR_ADDED, target=added.name, after=_form(added)
        )

    hook: AddedHook = record
    return data.add_operator(store, name, pin, role=role, display_name=display_name, record=hook)


def set_pin(store: Store, actor: Actor, name: str, pin: str, *, station: str) -> OperatorInfo:
    """A new PIN for `name`; the trail says that it changed, never the PIN or its hash."""
    _manage(store, actor, station)
    return data.set_pin(store, name, pin, record=_changed(actor, station, AuditKind.PIN_SET, values=False))


def set_role(store: Store, actor: Actor, name: str, role: str, *, station: str, force: bool = False) -> OperatorInfo:
    _manage(store, actor, station)
    return data.set_role(store, name, role, force=force, record=_changed(actor, station, AuditKind.OPERATOR_CHANGED))


def set_display_name(store: Store, actor: Actor, name: str, display_name: str, *, station: str) -> OperatorInfo:
    _manage(store, actor, station)
    hook = _changed(actor, station, AuditKind.OPERATOR_CHANGED)
    return data.set_display_name(store, name, display_name, record=hook)


def deactivate_operator(store: Store, actor: Actor, name: str, *, station: str, force: bool = False) -> OperatorInfo:
    _manage(store, actor, station)
    hook = _changed(actor, station, AuditKind.OPERATOR_CHANGED, "deactivated")
    return data.deactivate_operator(store, name, force=force, record=hook)


def activate_operator(store: Store, actor: Actor, name: str, *, station: str) -> OperatorInfo:
    _manage(store, actor, station)
    return data.activate_operator(store, name, record=_changed(actor, station, AuditKind.OPERATOR_CHANGED, "activated"))


def unlock_operator(store: Store, actor: Actor, name: str, *, station: str) -> OperatorInfo:
    """Lift `name`'s lock-out and forget their wrong PINs."""
    _manage(store, actor, station)
    return data.unlock_operator(store, name, record=_changed(actor, station, AuditKind.OPERATOR_UNLOCKED, values=False))


def issue_badge(store: Store, actor: Actor, name: str, *, station: str) -> str:
    """A new badge secret for `name` (shown or printed once, only its digest kept); any earlier badge stops working."""
    _manage(store, actor, station)
    secret = new_badge_secret()
    hook = _changed(actor, station, AuditKind.BADGE_ISSUED, "any earlier badge no longer logs in", values=False)
    data.set_badge(store, name, digest_of(secret), record=hook)
    return secret


def revoke_badge(store: Store, actor: Actor, name: str, *, station: str) -> OperatorInfo:
    """`name`'s badge no longer logs anyone in."""
    _manage(store, actor, station)
    return data.clear_badge(store, name, record=_changed(actor, station, AuditKind.BADGE_REVOKED, values=False))


def list_operators(
    store: Store, actor: Actor, include_inactive: bool = False, *, station: str = ""
) -> list[OperatorRecord]:
    """Every (active) operator with lock-out, badge and last log-in; for admins only."""
    _manage(store, actor, station)
    return data.operator_records(store, include_inactive=include_inactive)
