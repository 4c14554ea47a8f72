"""Searching registrations by anything a supervisor may hold: part of a number, suite, name, order, store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, or_, select

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor
from scanstation.store.connection import Store
from scanstation.store.models import Registration

__all__ = ["RegistrationHit", "search_for", "search_registrations"]

_reg = cast(Table, Registration.__table__)


@dataclass(frozen=True, slots=True)
class RegistrationHit:
    """One registration a search found, and which of its fields matched (`matched_on`)."""

    registration_id: str
    tracking_number: str | None
    tracking_typed: str
    customer_suite: str
    customer_name: str
    store: str
    order_number: str
    status: str
    deleted: bool
    matched_on: str  # tracking, suite, name, order, store


def search_for(store: Store, text: str, *, limit: int = 50) -> list[RegistrationHit]:
    """The registrations `text` names, best first; no role check.

    Interface placeholder: LIKE over the table, replaced by the indexed search.
    """
    needle = text.strip()
    if not needle:
        return []
    pattern = f"%{needle}%"
    fields = {
        "tracking": _reg.c.tracking_number,
        "suite": _reg.c.customer_suite,
        "name": _reg.c.customer_name,
        "order": _reg.c.order_number,
        "store": _reg.c.store,
    }
    query = select(_reg).where(or_(*(column.ilike(pattern) for column in fields.values()))).limit(limit)
    hits = []
    with store.connect() as conn:
        for row in conn.execute(query):
            matched = next(name for name, c in fields.items() if needle.lower() in (row._mapping[c.name] or "").lower())
            hits.append(
                RegistrationHit(
                    row.id,
                    row.tracking_number,
                    row.tracking_typed,
                    row.customer_suite,
                    row.customer_name,
                    row.store,
                    row.order_number,
                    row.status,
                    row.deleted,
                    matched,
                )
            )
    return hits


def search_registrations(
    store: Store, actor: Actor, text: str, *, limit: int = 50, station: str = ""
) -> list[RegistrationHit]:
    """search_for, for a supervisor (a clerk's refusal is audited)."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    return search_for(store, text, limit=limit)
