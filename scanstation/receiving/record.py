"""A decision recorded in one place: receipt, unknown parcel, review item, outbox events and scan log row."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from scanstation.domain import AT_WAREHOUSE, Outcome, Scan, Verdict, storable_text
from scanstation.receiving.decide import Candidate, Decision, OpenUnknown
from scanstation.receiving.statements import Statements
from scanstation.store.outbox import EventBatch, new_id
from scanstation.tracking import ParsedScan

__all__ = ["Observed", "Recorded", "Recorder", "verdict"]


@dataclass(frozen=True, slots=True)
class Observed:
    """What the decision is about: a scan as read, or the first scan of an unknown parcel matched later."""

    scan_id: str
    at: datetime  # when it was read (the scan log's scanned_at)
    raw: str  # as read, for the verdict
    stored_raw: str  # as the database keeps it
    scanner: str
    operator: str
    typed: bool
    tracking_number: str | None
    carrier: str | None
    symbology: str | None
    keys: frozenset[str]
    resolver: str | None = None  # who resolves the unknown parcel it matches: a supervisor; else the scanner (sync)

    @classmethod
    def of_scan(cls, scan: Scan, parsed: ParsedScan, operator: str) -> Observed:
        return cls(
            new_id(), scan.at, scan.raw, storable_text(scan.raw), scan.scanner, operator, scan.typed,
            parsed.tracking_number, parsed.carrier, parsed.symbology, parsed.keys,
        )  # fmt: skip

    @classmethod
    def of_unknown(cls, unknown: OpenUnknown, scanner: str, at: datetime) -> Observed:
        """A late match recorded as a scan by `scanner` at `at`, in the name of whoever shelved the parcel."""
        return cls(
            new_id(), at, unknown.raw_scan, unknown.raw_scan, scanner, unknown.operator, False,
            unknown.tracking_number, unknown.carrier, None, unknown.keys,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording added to the decision: the unknown parcel it concerns and the events queued."""

    unknown_id: str | None
    events: tuple[str, ...]


class Recorder:
    """Writes a decision inside the caller's transaction; the one place a receipt, an unknown or a review is made."""

    def __init__(self, statements: Statements, station_id: str) -> None:
        self._sql = statements
        self._station_id = station_id

    def record(
        self,
        conn: Connection,
        observed: Observed,
        decision: Decision,
        events: EventBatch,
        *,
        now: datetime,
        started: float | None = None,
    ) -> Recorded | None:
        """Record `decision`; None (nothing written) when another station's receipt got there first.

        `started` (a `perf_counter` reading) gives the scan log its latency; a late match has none.
        """
        reg = decision.registration
        unknown = decision.unknown
        unknown_id = unknown.id if unknown is not None else None
        if decision.outcome is Outcome.MATCHED and reg is not None:
            if not self._receive(conn, observed, reg, unknown):
                return None
            self._arrived(events, reg, observed.tracking_number)
            if unknown is not None:
                self._resolve(conn, observed, unknown, reg, events, now, decision.note)
        elif decision.outcome is Outcome.UNKNOWN:
            unknown_id = self._shelve(conn, observed, events, decision.note)
        elif decision.outcome is Outcome.AMBIGUOUS:
            self._review(
                conn, "ambiguous", observed.scan_id, now, tracking_number=observed.tracking_number,
                candidates=list(decision.candidates),
            )  # fmt: skip
        elif decision.outcome is Outcome.NOT_EXPECTED and reg is not None:
            self._review(
                conn, "not_expected", observed.scan_id, now, tracking_number=observed.tracking_number,
                parcel_id=reg.id, status=reg.status,
            )  # fmt: skip
        event_ids = self._sql.outbox.enqueue(conn, events)
        self._sql.insert_scan.execute(
            conn,
            {
                "id": observed.scan_id,
                "scanned_at": observed.at,
                "raw": observed.stored_raw,
                "keys": " ".join(sorted(observed.keys)),
                "tracking_number": observed.tracking_number,
                "carrier": observed.carrier,
                "symbology": observed.symbology,
                "scanner": observed.scanner,
                "station_id": self._station_id,
                "operator": observed.operator,
                "typed": observed.typed,
                "outcome": decision.outcome.value,
                "registration_id": reg.id if reg is not None else None,
                "unknown_id": unknown_id,
                "note": decision.note,
                "latency_ms": None if started is None else (time.perf_counter() - started) * 1000,
            },
        )
        return Recorded(unknown_id, event_ids)

    def _receive(self, conn: Connection, observed: Observed, reg: Candidate, unknown: OpenUnknown | None) -> bool:
        """This station's receipt: of the scan, or (a late match) of when and where the unknown parcel arrived."""
        at, station = (
            (observed.at, self._station_id) if unknown is None else (unknown.first_seen_at, unknown.station_id)
        )
        inserted = self._sql.mark_received.execute(
            conn, {"rid": reg.id, "at": at, "who": observed.operator, "station": station, "sid": observed.scan_id}
        )
        return inserted != 0

    @staticmethod
    def _arrived(events: EventBatch, reg: Candidate, tracking_number: str | None) -> None:
        """The pair a `matched` parcel sends: status change and the customer's notification."""
        events.add(
            "parcel.status_changed",
            parcel_id=reg.id,
            tracking_number=reg.tracking_number or tracking_number,
            status=AT_WAREHOUSE,
            previous_status=reg.status,
        )
        events.add("notification.requested", parcel_id=reg.id, kind="parcel_arrived")

    def _resolve(
        self,
        conn: Connection,
        observed: Observed,
        unknown: OpenUnknown,
        reg: Candidate,
        events: EventBatch,
        now: datetime,
        note: str | None,
    ) -> None:
        # The one who resolved it: the supervisor who matched it, else the one who recorded it (the sync).
        who = observed.resolver or observed.scanner
        self._sql.resolve_unknown.execute(
            conn, {"uid": unknown.id, "resolution": "matched", "rid": reg.id, "at": now, "who": who, "note": note}
        )
        events.add("parcel.unknown_resolved", local_id=unknown.id, resolution="matched", parcel_id=reg.id, note=note)

    def _shelve(self, conn: Connection, observed: Observed, events: EventBatch, note: str | None) -> str:
        """A new parcel on the unknown shelf, with its keys; its id."""
        keys = sorted(observed.keys)
        unknown_id = new_id()
        number = observed.tracking_number or keys[0]
        self._sql.insert_unknown.execute(
            conn,
            {
                "id": unknown_id,
                "tracking_number": number,
                "carrier": observed.carrier,
                "raw_scan": observed.stored_raw,
                "keys": " ".join(keys),
                "first_scan_id": observed.scan_id,
                "first_seen_at": observed.at,
                "station_id": self._station_id,
                "operator": observed.operator,
                "note": note,
            },
        )
        self._sql.insert_unknown_keys.execute_many(conn, [{"key": k, "unknown_id": unknown_id} for k in keys])
        events.add(
            "parcel.unknown", local_id=unknown_id, tracking_number=number, raw_scan=observed.stored_raw,
            carrier=observed.carrier,
        )  # fmt: skip
        return unknown_id

    def _review(self, conn: Connection, kind: str, scan_id: str, now: datetime, **detail: Any) -> None:
        """Put a case before a supervisor once, however often the parcel is scanned."""
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        if self._sql.open_review.first(conn, {"kind": kind, "detail": text}) is None:
            self._sql.insert_review.execute(conn, {"kind": kind, "created_at": now, "scan_id": scan_id, "detail": text})


def verdict(
    observed: Observed,
    decision: Decision,
    recorded: Recorded,
    *,
    station_id: str,
    latency_ms: float = 0.0,
    undo_deadline: datetime | None = None,
) -> Verdict:
    """The clerk's verdict of a committed decision."""
    reg = decision.registration
    return Verdict(
        scan_id=observed.scan_id,
        outcome=decision.outcome,
        raw=observed.raw,
        scanner=observed.scanner,
        operator=observed.operator,
        parcel_id=reg.id if reg is not None else None,
        station_id=station_id,
        at=observed.at,
        customer_suite=reg.customer_suite if reg is not None else None,
        typed=observed.typed,
        tracking_number=observed.tracking_number,
        carrier=observed.carrier,
        symbology=observed.symbology,
        customer_name=reg.customer_name if reg is not None else None,
        keys=observed.keys,
        status=decision.status,
        store=reg.store if reg is not None else None,
        previous_status=decision.previous_status,
        first_receipt=decision.first_receipt,
        order_parcels_here=decision.order_parcels_here,
        order_number=reg.order_number if reg is not None else None,
        order_parcels_total=decision.order_parcels_total,
        services=reg.services if reg is not None else (),
        candidates=decision.candidates,
        candidate_suites=decision.candidate_suites,
        note=decision.note,
        resolved_later=decision.resolves_unknown,
        unknown_id=recorded.unknown_id,
        latency_ms=latency_ms,
        events=recorded.events,
        undo_deadline=undo_deadline,
    )
