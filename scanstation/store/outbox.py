"""The outbox's SQL in one place: events enqueued (held for undo), cancelled, found due, and answered."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Connection, Table, bindparam, case, func, insert, select, update
from sqlalchemy.engine import Dialect

from scanstation.domain import rfc3339, utcnow
from scanstation.store.connection import Store
from scanstation.store.models import EventState, OutboxEvent, ReviewItem
from scanstation.store.prepared import Prepared

__all__ = [
    "DueEvent",
    "EventBatch",
    "OutboxCounts",
    "OutboxStatements",
    "Rejection",
    "due_events",
    "mark_failed",
    "mark_sent_and_rejected",
    "new_id",
    "outbox_counts",
]

_outbox = cast(Table, OutboxEvent.__table__)
_review = cast(Table, ReviewItem.__table__)
_PENDING: Final = EventState.PENDING.value
_COLUMNS: Final = ("id", "type", "payload", "scan_id", "state", "not_before", "created_at", "attempts")


def new_id() -> str:
    """A fresh UUID in text form: the id of an event, a scan or an unknown parcel."""
    return str(uuid.uuid4())


class EventBatch:
    """The outbox rows of one recorded decision, in contract form, held until `not_before` (the undo window)."""

    def __init__(self, occurred_at: datetime, operator: str, scan_id: str, not_before: datetime) -> None:
        self._base = {"occurred_at": rfc3339(occurred_at), "operator": operator}
        self._scan_id = scan_id
        self._not_before = not_before
        self.rows: list[dict[str, Any]] = []

    def add(self, event_type: str, **fields: Any) -> str:
        event_id = new_id()
        payload = {"id": event_id, "type": event_type, **self._base, **fields}
        self.rows.append(
            {
                "id": event_id,
                "type": event_type,
                "payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                "scan_id": self._scan_id,
                "state": _PENDING,
                "not_before": self._not_before,
                "created_at": utcnow(),
                "attempts": 0,
            }
        )
        return event_id


class OutboxStatements:
    """The statements the receiving thread runs on the outbox, compiled once for a dialect (store.prepared)."""

    def __init__(self, dialect: Dialect) -> None:
        self._insert = Prepared(insert(_outbox), dialect, column_keys=_COLUMNS)
        self._cancel_held = Prepared(
            update(_outbox)
            .where(
                _outbox.c.scan_id == bindparam("sid"),
                _outbox.c.state == _PENDING,
                _outbox.c.not_before > bindparam("cutoff"),
            )
            .values(state=EventState.CANCELLED.value),
            dialect,
        )
        self._live_of_scan = Prepared(
            select(func.count().label("n"))
            .select_from(_outbox)
            .where(_outbox.c.scan_id == bindparam("sid"), _outbox.c.state != EventState.CANCELLED.value),
            dialect,
        )

    def enqueue(self, conn: Connection, batch: EventBatch) -> tuple[str, ...]:
        """Insert the batch's events; their ids in order."""
        self._insert.execute_many(conn, batch.rows)
        return tuple(row["id"] for row in batch.rows)

    def cancel_held(self, conn: Connection, scan_id: str, cutoff: datetime) -> int:
        """Cancel a scan's events still held past `cutoff` (nothing was sent); how many were cancelled."""
        return self._cancel_held.execute(conn, {"sid": scan_id, "cutoff": cutoff})

    def live_of_scan(self, conn: Connection, scan_id: str) -> int:
        """How many of a scan's events are not cancelled (sent, or due to be)."""
        row = self._live_of_scan.first(conn, {"sid": scan_id})
        return 0 if row is None else int(row["n"])


# ------------------------------------------------------------------ push


@dataclass(frozen=True, slots=True)
class DueEvent:
    id: str
    payload: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """The server's refusal of one event, already redacted for the log and the supervisor's queue."""

    event_id: str
    error: str  # the event's last_error
    code: str
    message: str


_SELECT_BATCH = (
    select(_outbox.c.seq, _outbox.c.id, _outbox.c.payload, _outbox.c.not_before)
    .where(_outbox.c.state == _PENDING)
    .order_by(_outbox.c.seq)
    .limit(bindparam("n"))
)
_MARK_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("b_id"), _outbox.c.state == _PENDING)
    .values(state=EventState.SENT.value, sent_at=bindparam("b_at"), attempts=_outbox.c.attempts + 1, last_error=None)
)
_MARK_REJECTED = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("b_id"), _outbox.c.state == _PENDING)
    .values(state=EventState.REJECTED.value, attempts=_outbox.c.attempts + 1, last_error=bindparam("b_error"))
)
_MARK_FAILED = (
    update(_outbox)
    .where(_outbox.c.id.in_(bindparam("ids", expanding=True)), _outbox.c.state == _PENDING)
    .values(attempts=_outbox.c.attempts + 1, last_error=bindparam("error"))
)


def due_events(conn: Connection, limit: int, now: datetime) -> list[DueEvent]:
    """The longest due prefix of the pending events in commit order: a held event holds back every later one."""
    due: list[DueEvent] = []
    for row in conn.execute(_SELECT_BATCH, {"n": limit}):
        if row.not_before > now:
            break
        due.append(DueEvent(row.id, row.payload))
    return due


def mark_sent_and_rejected(conn: Connection, sent: Sequence[str], rejected: Sequence[Rejection], now: datetime) -> None:
    """Record the server's answers; every rejected event goes before a supervisor too."""
    if sent:
        conn.execute(_MARK_SENT, [{"b_id": event_id, "b_at": now} for event_id in sent])
    if rejected:
        conn.execute(_MARK_REJECTED, [{"b_id": r.event_id, "b_error": r.error} for r in rejected])
        conn.execute(
            insert(_review),
            [
                {
                    "kind": "rejected_event",
                    "created_at": now,
                    "event_id": r.event_id,
                    "detail": json.dumps({"code": r.code, "message": r.message}, ensure_ascii=False),
                }
                for r in rejected
            ],
        )


def mark_failed(conn: Connection, event_ids: Sequence[str], error: str) -> None:
    """A request that got no usable answer: count the attempt, keep the events pending."""
    conn.execute(_MARK_FAILED, {"ids": list(event_ids), "error": error[:2000]})


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    waiting: int  # pending and due: will go with the next push
    held: int  # pending but inside the undo window
    rejected: int


def outbox_counts(store: Store, now: datetime | None = None) -> OutboxCounts:
    now = now or utcnow()
    with store.connect() as conn:
        due = func.sum(case((_outbox.c.not_before <= now, 1), else_=0))
        pending = conn.execute(select(func.count(), due).where(_outbox.c.state == _PENDING)).one()
        rejected = conn.execute(select(func.count()).where(_outbox.c.state == EventState.REJECTED.value)).scalar_one()
    total, waiting = int(pending[0]), int(pending[1] or 0)
    return OutboxCounts(waiting=waiting, held=total - waiting, rejected=int(rejected))
