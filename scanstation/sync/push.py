"""Push: the outbox drained in commit order, at most 500 events a request, each event's answer recorded."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final, cast

from sqlalchemy import Table, bindparam, case, func, insert, select, update

from scanstation.domain import utcnow
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import EventState, OutboxEvent, ReviewItem
from scanstation.sync.client import CentralClient, SyncError, redact
from scanstation.sync.contract import MAX_EVENTS_PER_REQUEST, ContractError

__all__ = ["OutboxCounts", "PushResult", "Pusher", "outbox_counts"]

log = logging.getLogger(__name__)

_outbox = cast(Table, OutboxEvent.__table__)
_review = cast(Table, ReviewItem.__table__)
_PENDING: Final = EventState.PENDING.value

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


@dataclass
class PushResult:
    sent: int = 0  # accepted now
    duplicate: int = 0  # the server had it already: delivered too
    rejected: int = 0
    requests: int = 0


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


class Pusher:
    """Sends due events in `seq` order; an event inside its undo window holds back every later one.

    Holding back keeps the server's view in commit order: e.g. `parcel.unknown_resolved` written by
    a later sync must not arrive before the `parcel.unknown` still inside its undo window.
    """

    def __init__(self, store: Store, client: CentralClient, *, batch_size: int = MAX_EVENTS_PER_REQUEST) -> None:
        self._store = store
        self._client = client
        self._batch = max(1, min(batch_size, MAX_EVENTS_PER_REQUEST))

    def due_batch(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """(id, payload) of the next request: the longest due prefix of the pending events."""
        now = now or utcnow()
        with self._store.connect() as conn:
            rows = conn.execute(_SELECT_BATCH, {"n": self._batch}).all()
        batch: list[tuple[str, str]] = []
        for row in rows:
            if row.not_before > now:
                break
            batch.append((row.id, row.payload))
        return batch

    def push_once(self) -> PushResult:
        """One request (if anything is due). Raises SyncError when the server gave no usable answer."""
        result = PushResult()
        batch = self.due_batch()
        if not batch:
            return result
        ids = [event_id for event_id, _ in batch]
        try:
            answer = self._client.post_events([payload for _, payload in batch], ids)
        except (SyncError, ContractError) as err:
            self._record_failure(ids, str(err))
            raise
        result.requests = 1
        now = utcnow()
        sent: list[dict[str, object]] = []
        rejected: list[dict[str, object]] = []
        reviews: list[dict[str, object]] = []
        for res in answer.results:
            if res.status == "rejected":
                assert res.error is not None  # check_events_answer guarantees it
                error = redact(f"{res.error.code}: {res.error.message}")
                rejected.append({"b_id": res.id, "b_error": error})
                reviews.append(
                    {
                        "kind": "rejected_event",
                        "created_at": now,
                        "event_id": res.id,
                        "detail": json.dumps(
                            {"code": res.error.code, "message": redact(res.error.message)}, ensure_ascii=False
                        ),
                    }
                )
            else:
                sent.append({"b_id": res.id, "b_at": now})
                if res.status == "accepted":
                    result.sent += 1
                else:
                    result.duplicate += 1
        result.rejected = len(rejected)
        with write_transaction(self._store) as conn:
            if sent:
                conn.execute(_MARK_SENT, sent)
            if rejected:
                conn.execute(_MARK_REJECTED, rejected)
                conn.execute(insert(_review), reviews)
        for item in rejected:
            log.warning("the server rejected event %s: %s", item["b_id"], item["b_error"])
        return result

    def _record_failure(self, ids: list[str], error: str) -> None:
        with write_transaction(self._store) as conn:
            conn.execute(_MARK_FAILED, {"ids": ids, "error": error[:2000]})
