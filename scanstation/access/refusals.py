"""A privileged act refused for the actor's role: audited, then raised with its words."""

from __future__ import annotations

from typing import NoReturn

from scanstation.domain import Act, Actor, AuditKind, NotAllowedError
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction

__all__ = ["check", "refuse"]


def refuse(store: Store, actor: Actor, act: Act, *, station: str) -> NoReturn:
    """Audit `actor`'s refused `act` (in its own transaction: the refusal stays recorded) and raise it."""
    error = NotAllowedError(actor, act)
    with write_transaction(store) as conn:
        audit.append(conn, station=station, actor=actor, kind=AuditKind.REFUSED, target=act.value, detail=str(error))
    raise error


def check(store: Store, actor: Actor, act: Act, *, station: str) -> None:
    """Nothing when `actor` may do `act`; else the refusal audited and raised (NotAllowedError)."""
    if not actor.may(act):
        refuse(store, actor, act, station=station)
