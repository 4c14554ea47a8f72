"""Push: the outbox drained in commit order, at most 500 events a request, each event's answer recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from scanstation.domain import utcnow
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.outbox import (
    OutboxCounts,
    Rejection,
    due_events,
    mark_failed,
    mark_sent_and_rejected,
    outbox_counts,
)
from scanstation.sync.client import CentralClient, SyncError, redact
from scanstation.sync.contract import MAX_EVENTS_PER_REQUEST, ContractError

__all__ = ["OutboxCounts", "PushResult", "Pusher", "outbox_counts"]

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    sent: int = 0  # accepted now
    duplicate: int = 0  # the server had it already: delivered too
    rejected: int = 0
    requests: int = 0


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
        with self._store.connect() as conn:
            return [(e.id, e.payload) for e in due_events(conn, self._batch, now or utcnow())]

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
        sent: list[str] = []
        rejected: list[Rejection] = []
        for res in answer.results:
            if res.status == "rejected":
                assert res.error is not None  # check_events_answer guarantees it
                error = redact(f"{res.error.code}: {res.error.message}")
                rejected.append(Rejection(res.id, error, res.error.code, redact(res.error.message)))
            else:
                sent.append(res.id)
                if res.status == "accepted":
                    result.sent += 1
                else:
                    result.duplicate += 1
        result.rejected = len(rejected)
        with write_transaction(self._store) as conn:
            mark_sent_and_rejected(conn, sent, rejected, now)
        for item in rejected:
            log.warning("the server rejected event %s: %s", item.event_id, item.error)
        return result

    def _record_failure(self, ids: list[str], error: str) -> None:
        with write_transaction(self._store) as conn:
            mark_failed(conn, ids, error)
