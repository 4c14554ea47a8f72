"""A supervisor's resolutions, recorded through the receiving Recorder, audited, and undoable for the undo window."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import Connection, Table, insert, select, update

from scanstation.access.refusals import check
from scanstation.domain import AT_WAREHOUSE, AWAITING, Act, Actor, AuditKind, Json, Outcome, utcnow
from scanstation.receiving import Receiver
from scanstation.receiving.decide import Decision, decide, decide_late_match
from scanstation.receiving.receiver import UNDO_SAFETY_S
from scanstation.receiving.record import Observed
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.models import EventState, OutboxEvent, Receipt, Resolution, ReviewItem, ScanLog, UnknownParcel
from scanstation.store.outbox import EventBatch, new_id
from scanstation.store.prepared import Row
from scanstation.tracking import ParsedScan

__all__ = ["CLOSE_RESOLUTIONS", "REVIEW_SCANNER", "ResolutionError", "Resolutions", "Resolved"]

# What the scan log's `scanner` says of a recording a supervisor made at the review desk.
REVIEW_SCANNER: Final = "review"
# central-api.md, parcel.unknown_resolved: the resolutions besides `matched`.
CLOSE_RESOLUTIONS: Final = ("returned_to_sender", "disposed", "other")

_res = cast(Table, Resolution.__table__)
_review = cast(Table, ReviewItem.__table__)
_unknown = cast(Table, UnknownParcel.__table__)
_outbox = cast(Table, OutboxEvent.__table__)
_scans = cast(Table, ScanLog.__table__)
_receipts = cast(Table, Receipt.__table__)


class ResolutionError(ValueError):
    """A resolution that cannot be made as asked; its message says why in words."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A committed resolution: its id (for undo), what it was, until when it can be undone, the events queued."""

    id: str
    item_id: str
    action: str
    undo_until: datetime
    events: tuple[str, ...]
    message: str


def _strip(item_id: str, prefix: str) -> str:
    return item_id[len(prefix) :] if item_id.startswith(prefix) else item_id


def _review_number(review_id: str | int) -> int:
    text = _strip(str(review_id), "review:")
    if not text.isdigit():
        raise ResolutionError(f"{review_id!r} is not a review item's id (review:<n>)")
    return int(text)


class Resolutions:
    """Every resolution, on the Receiver's thread (its held connection) or from a command; one per station.

    Each checks the actor's role first (a refusal is audited in its own transaction), then decides and
    records in one transaction with its audit row. Events are held until the undo window ends.
    """

    def __init__(self, store: Store, receiver: Receiver) -> None:
        self._store = store
        self._receiver = receiver
        self._sql = receiver.statements
        self.station_id = receiver.station_id

    def _check(self, actor: Actor, act: Act = Act.RESOLVE_EXCEPTION) -> None:
        check(self._store, actor, act, station=self.station_id)

    def _window(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self._receiver.undo_window_s)

    def _keep(
        self,
        conn: Connection,
        actor: Actor,
        *,
        rid: str,
        item_id: str,
        action: str,
        now: datetime,
        note: str,
        registration_id: str | None = None,
        event_id: str | None = None,
        before: Json = None,
        kind: AuditKind = AuditKind.EXCEPTION_RESOLVED,
        audit_before: Json = None,
        audit_after: Json = None,
    ) -> datetime:
        until = self._window(now)
        conn.execute(
            insert(_res).values(
                id=rid, item_id=item_id, action=action, actor=actor.name, at=now, undo_until=until,
                registration_id=registration_id, event_id=event_id, note=note,
                before=None if before is None else json.dumps(before, ensure_ascii=False),
            )
        )  # fmt: skip
        audit.append(
            conn,
            station=self.station_id,
            actor=actor,
            kind=kind,
            target=item_id,
            before=audit_before,
            after=audit_after if audit_after is not None else {"action": action, "resolution_id": rid, "note": note},
            detail=f"{action}: {note}" if note else action,
            at=now,
        )
        return until

    # ------------------------------------------------------------ unknown parcels

    def match_unknown(self, actor: Actor, unknown_id: str, registration_id: str, note: str = "") -> Resolved:
        """The unknown parcel is `registration_id`'s: what a matched scan records, plus parcel.unknown_resolved."""
        self._check(actor)
        uid = _strip(unknown_id, "unknown:")
        now = utcnow()
        rid = new_id()
        with self._receiver.transaction() as conn:
            unknown = self._sql.unknown(conn, uid)
            if unknown is None:
                raise ResolutionError(f"no open unknown parcel {uid}")
            candidate = self._sql.candidate(conn, registration_id)
            if candidate is None:
                raise ResolutionError(f"no registration {registration_id}")
            late = decide_late_match(unknown, [candidate])
            if late is None:
                why = "the customer deleted it" if candidate.deleted else f"its status is {candidate.status}"
                raise ResolutionError(f"registration {registration_id} cannot take this parcel: {why}")
            decision = replace(late, note=note or None)
            observed = replace(
                Observed.of_unknown(unknown, REVIEW_SCANNER, now), scan_id=rid, operator=actor.name, resolver=actor.name
            )
            events = self._record(conn, observed, decision, now)
            until = self._keep(
                conn, actor, rid=rid, item_id=f"unknown:{uid}", action="matched", now=now, note=note,
                registration_id=registration_id, audit_before={"resolution": None},
                audit_after={"resolution": "matched", "registration_id": registration_id, "resolution_id": rid},
            )  # fmt: skip
        return Resolved(rid, f"unknown:{uid}", "matched", until, events, f"matched to {registration_id}")

    def _record(self, conn: Connection, observed: Observed, decision: Decision, now: datetime) -> tuple[str, ...]:
        events = EventBatch(now, observed.operator, observed.scan_id, self._window(now))
        recorded = self._receiver.recorder.record(conn, observed, decision, events, now=now)
        if recorded is None:
            raise ResolutionError("another station received this parcel a moment ago")
        return recorded.events

    def close_unknown(self, actor: Actor, unknown_id: str, resolution: str, note: str) -> Resolved:
        """Returned to sender, disposed of, or other: the parcel leaves the unknown shelf with a note."""
        self._check(actor)
        if resolution not in CLOSE_RESOLUTIONS:
            raise ResolutionError(f"resolution must be one of {', '.join(CLOSE_RESOLUTIONS)}, not {resolution!r}")
        if not note.strip():
            raise ResolutionError("say in a note what became of the parcel")
        uid = _strip(unknown_id, "unknown:")
        now = utcnow()
        rid = new_id()
        with self._receiver.transaction() as conn:
            closed = self._sql.resolve_unknown.execute(
                conn, {"uid": uid, "resolution": resolution, "rid": None, "at": now, "who": actor.name, "note": note}
            )
            if closed == 0:
                raise ResolutionError(f"no open unknown parcel {uid}")
            events = EventBatch(now, actor.name, rid, self._window(now))
            events.add("parcel.unknown_resolved", local_id=uid, resolution=resolution, note=note)
            ids = self._sql.outbox.enqueue(conn, events)
            until = self._keep(conn, actor, rid=rid, item_id=f"unknown:{uid}", action=resolution, now=now, note=note)
        return Resolved(rid, f"unknown:{uid}", resolution, until, ids, resolution.replace("_", " "))

    # --------------------------------------------------------------- review items

    def _open_review(self, conn: Connection, number: int, kinds: tuple[str, ...]) -> Any:
        row = conn.execute(select(_review).where(_review.c.id == number)).one_or_none()
        if row is None or row.kind not in kinds:
            raise ResolutionError(f"no {' or '.join(kinds)} review item {number}")
        if row.closed_at is not None:
            raise ResolutionError(f"review item {number} was closed by {row.closed_by} ({row.resolution})")
        return row

    @staticmethod
    def _close(conn: Connection, number: int, actor: Actor, now: datetime, resolution: str, note: str) -> None:
        conn.execute(
            update(_review)
            .where(_review.c.id == number, _review.c.closed_at.is_(None))
            .values(closed_at=now, closed_by=actor.name, resolution=resolution, note=note)
        )

    def pick_ambiguous(self, actor: Actor, review_id: str | int, registration_id: str, note: str = "") -> Resolved:
        """The ambiguous scan was `registration_id`'s: the same recording as a matched scan of it."""
        self._check(actor)
        number = _review_number(review_id)
        now = utcnow()
        rid = new_id()
        with self._receiver.transaction() as conn:
            item = self._open_review(conn, number, ("ambiguous",))
            candidates = json.loads(item.detail).get("candidates") or []
            if registration_id not in candidates:
                raise ResolutionError(
                    f"{registration_id} is not one of this scan's candidates ({', '.join(candidates)})"
                )
            scan = self._sql.scan.first(conn, {"sid": item.scan_id})
            candidate = self._sql.candidate(conn, registration_id)
            if scan is None or candidate is None:
                raise ResolutionError(f"review item {number}: its scan or registration is gone")
            observed = self._observed_again(scan, rid, actor)
            decision = decide(
                ParsedScan(scan["raw"], observed.keys, observed.tracking_number, None, None), [candidate], None
            )
            if decision.outcome is not Outcome.MATCHED:
                raise ResolutionError(f"registration {registration_id} cannot take this parcel: {decision.outcome}")
            events = self._record(conn, observed, replace(decision, note=note or None), now)
            self._close(conn, number, actor, now, "picked", note)
            until = self._keep(
                conn, actor, rid=rid, item_id=f"review:{number}", action="picked", now=now, note=note,
                registration_id=registration_id,
            )  # fmt: skip
        return Resolved(rid, f"review:{number}", "picked", until, events, f"received as {registration_id}")

    @staticmethod
    def _observed_again(scan: Row, rid: str, actor: Actor) -> Observed:
        """A logged scan recorded again (with a supervisor's reason) as of when it was read."""
        return Observed(
            rid, scan["scanned_at"], scan["raw"], scan["raw"], REVIEW_SCANNER, actor.name, False,
            scan["tracking_number"], scan["carrier"], scan["symbology"], frozenset(scan["keys"].split()),
        )  # fmt: skip

    def acknowledge(self, actor: Actor, review_id: str | int, note: str) -> Resolved:
        """A not-expected scan seen and explained."""
        return self._close_item(actor, review_id, ("not_expected",), "acknowledged", note)

    def dismiss(self, actor: Actor, review_id: str, note: str) -> Resolved:
        """A rejected event, a refused feed record or a deleted-after-receipt parcel: nothing more to do."""
        if review_id.startswith("registration:"):
            self._check(actor)
            if not note.strip():
                raise ResolutionError("say in a note why it needs nothing more")
            now = utcnow()
            rid = new_id()
            with self._receiver.transaction() as conn:
                until = self._keep(conn, actor, rid=rid, item_id=review_id, action="dismissed", now=now, note=note)
            return Resolved(rid, review_id, "dismissed", until, (), "dismissed")
        return self._close_item(actor, review_id, ("rejected_event", "refused_registration"), "dismissed", note)

    def _close_item(
        self, actor: Actor, review_id: str | int, kinds: tuple[str, ...], action: str, note: str
    ) -> Resolved:
        self._check(actor)
        if not note.strip():
            raise ResolutionError("a note is needed")
        number = _review_number(review_id)
        now = utcnow()
        rid = new_id()
        with self._receiver.transaction() as conn:
            self._open_review(conn, number, kinds)
            self._close(conn, number, actor, now, action, note)
            until = self._keep(conn, actor, rid=rid, item_id=f"review:{number}", action=action, now=now, note=note)
        return Resolved(rid, f"review:{number}", action, until, (), action)

    def retry_event(self, actor: Actor, review_id: str | int, note: str = "") -> Resolved:
        """The rejected event queued again, once, with its own id: the server applies it at most once."""
        self._check(actor)
        number = _review_number(review_id)
        now = utcnow()
        rid = new_id()
        with self._receiver.transaction() as conn:
            item = self._open_review(conn, number, ("rejected_event",))
            again = conn.execute(
                update(_outbox)
                .where(_outbox.c.id == item.event_id, _outbox.c.state == EventState.REJECTED.value)
                .values(state=EventState.PENDING.value, not_before=self._window(now))
            ).rowcount
            if again == 0:
                raise ResolutionError(f"event {item.event_id} is not a rejected event any more")
            self._close(conn, number, actor, now, "retried", note)
            until = self._keep(
                conn, actor, rid=rid, item_id=f"review:{number}", action="retried", now=now, note=note,
                event_id=item.event_id,
            )  # fmt: skip
        return Resolved(rid, f"review:{number}", "retried", until, (item.event_id,), "queued again")

    # -------------------------------------------------------------- corrections

    def correct_scan(self, actor: Actor, scan_id: str, registration_id: str, note: str = "") -> Resolved:
        """A matched scan past its window was the wrong parcel: its receipt reverted and the right one received."""
        self._check(actor, Act.CORRECT_SCAN)
        now = utcnow()
        rid = new_id()
        with self._receiver.transaction() as conn:
            scan = self._sql.scan.first(conn, {"sid": scan_id})
            if scan is None or scan["outcome"] != Outcome.MATCHED.value or scan["undone_at"] is not None:
                raise ResolutionError(f"no matched scan {scan_id} to correct")
            wrong = scan["registration_id"]
            if wrong == registration_id:
                raise ResolutionError(f"scan {scan_id} is already {registration_id}'s")
            receipt = conn.execute(select(_receipts).where(_receipts.c.scan_id == scan_id)).one_or_none()
            candidate = self._sql.candidate(conn, registration_id)
            if candidate is None:
                raise ResolutionError(f"no registration {registration_id}")
            observed = self._observed_again(scan, rid, actor)
            decision = decide(
                ParsedScan(scan["raw"], observed.keys, observed.tracking_number, None, None), [candidate], None
            )
            if decision.outcome is not Outcome.MATCHED:
                raise ResolutionError(f"registration {registration_id} cannot take this parcel: {decision.outcome}")
            self._sql.mark_undone.execute(conn, {"sid": scan_id, "at": now, "who": actor.name})
            compensation = EventBatch(now, actor.name, rid, self._window(now))
            if receipt is not None:
                self._sql.unreceive.execute(conn, {"rid": wrong, "sid": scan_id})
                reg = self._sql.registration.first(conn, {"rid": wrong})
                compensation.add(
                    "parcel.status_changed", parcel_id=wrong,
                    tracking_number=(reg["tracking_number"] if reg else None) or scan["tracking_number"],
                    status=AWAITING, previous_status=AT_WAREHOUSE,
                )  # fmt: skip
            ids = self._sql.outbox.enqueue(conn, compensation)
            ids += self._record(conn, observed, replace(decision, note=note or f"corrects scan {scan_id}"), now)
            before: Json = None
            if receipt is not None:
                before = {
                    "registration_id": wrong, "scan_id": scan_id, "received_at": receipt.received_at.isoformat(),
                    "received_by": receipt.received_by, "received_station": receipt.received_station,
                }  # fmt: skip
            until = self._keep(
                conn, actor, rid=rid, item_id=f"scan:{scan_id}", action="corrected", now=now, note=note,
                registration_id=registration_id, before=before, kind=AuditKind.SCAN_CORRECTED,
                audit_before={"registration_id": wrong}, audit_after={"registration_id": registration_id,
                                                                       "resolution_id": rid},
            )  # fmt: skip
        return Resolved(
            rid, f"scan:{scan_id}", "corrected", until, ids, f"{wrong} reverted, {registration_id} received"
        )

    # --------------------------------------------------------------------- undo

    def undo_resolution(self, actor: Actor, resolution_id: str) -> Resolved:
        """Revert a resolution inside its window: its held events cancelled (nothing sent), the item open again."""
        now = utcnow()
        with self._receiver.transaction() as conn:
            row = conn.execute(select(_res).where(_res.c.id == resolution_id)).one_or_none()
        if row is None:
            raise ResolutionError(f"no resolution {resolution_id}")
        self._check(actor, Act.CORRECT_SCAN if row.action == "corrected" else Act.RESOLVE_EXCEPTION)
        with self._receiver.transaction() as conn:
            row = conn.execute(select(_res).where(_res.c.id == resolution_id)).one()
            if row.undone_at is not None:
                raise ResolutionError("this resolution was already undone")
            if now + timedelta(seconds=UNDO_SAFETY_S) >= row.undo_until:
                raise ResolutionError("past its undo window: correct it instead")
            if row.action == "retried":
                back = conn.execute(
                    update(_outbox)
                    .where(_outbox.c.id == row.event_id, _outbox.c.state == EventState.PENDING.value)
                    .values(state=EventState.REJECTED.value)
                ).rowcount
                if back == 0:
                    raise ResolutionError("the event has gone out already")
            self._sql.outbox.cancel_held(conn, resolution_id, now + timedelta(seconds=UNDO_SAFETY_S))
            self._revert(conn, row, actor, now)
            conn.execute(update(_res).where(_res.c.id == resolution_id).values(undone_at=now, undone_by=actor.name))
            audit.append(
                conn, station=self.station_id, actor=actor, kind=AuditKind.RESOLUTION_UNDONE, target=row.item_id,
                before={"action": row.action, "resolution_id": resolution_id}, after=None,
                detail=f"{row.action} undone; nothing was sent", at=now,
            )  # fmt: skip
        return Resolved(resolution_id, row.item_id, "undone", row.undo_until, (), f"{row.action} undone; nothing sent")

    def _revert(self, conn: Connection, row: Any, actor: Actor, now: datetime) -> None:
        item: str = row.item_id
        if row.action in ("matched", "picked", "corrected"):
            self._sql.mark_undone.execute(conn, {"sid": row.id, "at": now, "who": actor.name})
            self._sql.unreceive.execute(conn, {"rid": row.registration_id, "sid": row.id})
        if item.startswith("unknown:"):
            conn.execute(
                update(_unknown)
                .where(_unknown.c.id == item.removeprefix("unknown:"))
                .values(resolution=None, resolved_registration_id=None, resolved_at=None, resolved_by=None, note=None)
            )
        elif item.startswith("review:"):
            conn.execute(
                update(_review)
                .where(_review.c.id == int(item.removeprefix("review:")))
                .values(closed_at=None, closed_by=None, resolution=None, note=None)
            )
        elif item.startswith("scan:") and row.before is not None:
            before = json.loads(row.before)
            conn.execute(update(_scans).where(_scans.c.id == before["scan_id"]).values(undone_at=None, undone_by=None))
            conn.execute(
                insert(_receipts).values(
                    registration_id=before["registration_id"], scan_id=before["scan_id"],
                    received_at=datetime.fromisoformat(before["received_at"]), received_by=before["received_by"],
                    received_station=before["received_station"],
                )
            )  # fmt: skip
