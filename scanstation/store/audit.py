"""The append-only audit trail: a row appended inside the caller's transaction, and read back with filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from scanstation.domain import Actor, AuditEntry, AuditKind, Json, storable_text, utcnow
from scanstation.store.connection import Store
from scanstation.store.models import AuditLog

__all__ = ["AuditFilter", "append", "kinds_present", "read"]

# The columns' own limits: a longer name or target is cut, never refused (the act must still be recorded).
_STATION_MAX = 64
_ACTOR_MAX = 128
_TARGET_MAX = 256


def _json(value: Json) -> str | None:
    return None if value is None else storable_text(json.dumps(value, ensure_ascii=False, sort_keys=True), 100_000)


def _cut(text: str, limit: int) -> str:
    text = storable_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def append(
    conn: Connection,
    *,
    station: str,
    actor: Actor,
    kind: AuditKind,
    target: str = "",
    before: Json = None,
    after: Json = None,
    detail: str = "",
    at: datetime | None = None,
) -> None:
    """Append one row inside the caller's transaction: it is committed with the act it records, or not at all."""
    conn.execute(
        insert(AuditLog).values(
            at=at or utcnow(),
            station=_cut(station, _STATION_MAX),
            actor=_cut(actor.name, _ACTOR_MAX),
            role=actor.role.value,
            kind=kind.value,
            target=_cut(target, _TARGET_MAX),
            before=_json(before),
            after=_json(after),
            detail=storable_text(detail),
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which rows to read: an operator (as actor or as target), kinds, a time range, a target (or a piece of it)."""

    operator: str | None = None
    kinds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    target: str | None = None
    target_contains: str | None = None  # a piece of the target, any case: what a viewer's search box asks
    limit: int = 1000


def _loaded(text: str | None) -> Json:
    if text is None:
        return None
    try:
        value: Json = json.loads(text)
    except ValueError:
        return text  # written by hand or by a newer station: shown as it is
    return value


def read(store: Store, flt: AuditFilter) -> list[AuditEntry]:
    """The rows `flt` selects, newest first."""
    query = select(AuditLog.__table__).order_by(AuditLog.id.desc()).limit(max(0, flt.limit))
    if flt.operator is not None:
        query = query.where((AuditLog.actor == flt.operator) | (AuditLog.target == flt.operator))
    if flt.kinds:
        query = query.where(AuditLog.kind.in_(flt.kinds))
    if flt.since is not None:
        query = query.where(AuditLog.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditLog.at < flt.until)
    if flt.target is not None:
        query = query.where(AuditLog.target == flt.target)
    if flt.target_contains:
        query = query.where(func.lower(AuditLog.target).contains(flt.target_contains.lower(), autoescape=True))
    with store.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AuditEntry(
            id=row.id,
            at=row.at,
            station=row.station,
            actor=row.actor,
            role=row.role,
            kind=row.kind,
            target=row.target,
            before=_loaded(row.before),
            after=_loaded(row.after),
            detail=row.detail,
        )
        for row in rows
    ]


def kinds_present(store: Store) -> list[str]:
    """The kinds the trail holds, sorted: what a viewer's kind filter offers."""
    with store.connect() as conn:
        return sorted(conn.execute(select(AuditLog.kind).distinct()).scalars())
