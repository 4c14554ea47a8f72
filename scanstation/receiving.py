"""The warehouse rules: a scan becomes a verdict, committed with its status change and events."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from scanstation.domain import (
    AT_WAREHOUSE,
    AWAITING,
    NOTE_RESOLVED_LATER,
    FirstReceipt,
    Outcome,
    Scan,
    UndoResult,
    Verdict,
    rfc3339,
    storable_text,
    utcnow,
)
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import (
    EventState,
    OutboxEvent,
    Receipt,
    Registration,
    RegistrationKey,
    ReviewItem,
    ScanLog,
    UnknownKey,
    UnknownParcel,
)
from scanstation.store.prepared import ByArity, Prepared, Row, in_params
from scanstation.tracking import ParsedScan, parse_scan, parse_typed

__all__ = ["Receiver", "parcel_status"]

log = logging.getLogger(__name__)

NOTE_DELETED = "the customer deleted this registration"
NOTE_ALREADY_FLAGGED = "already on the unknown shelf"
NOTE_INCOMPLETE = "the scanner's read was cut off (no terminator): scan again"
SYNC_SCANNER = "sync"

# Undo must not race a push that is about to pick the event up: refuse it this close to the deadline.
UNDO_SAFETY_S = 0.25

_reg = cast("Table", Registration.__table__)
_keys = cast("Table", RegistrationKey.__table__)
_scans = cast("Table", ScanLog.__table__)
_unknown = cast("Table", UnknownParcel.__table__)
_unknown_keys = cast("Table", UnknownKey.__table__)
_outbox = cast("Table", OutboxEvent.__table__)
_review = cast("Table", ReviewItem.__table__)
_receipts = cast("Table", Receipt.__table__)


def _new_id() -> str:
    return str(uuid.uuid4())


class _Events:
    """Outbox rows of one verdict, built in contract form and inserted together."""

    def __init__(self, occurred_at: datetime, operator: str, scan_id: str, not_before: datetime) -> None:
        self._base = {"occurred_at": rfc3339(occurred_at), "operator": operator}
        self._scan_id = scan_id
        self._not_before = not_before
        self.rows: list[dict[str, Any]] = []

    def add(self, event_type: str, **fields: Any) -> str:
        event_id = _new_id()
        payload = {"id": event_id, "type": event_type, **self._base, **fields}
        self.rows.append(
            {
                "id": event_id,
                "type": event_type,
                "payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                "scan_id": self._scan_id,
                "state": EventState.PENDING.value,
                "not_before": self._not_before,
                "created_at": utcnow(),
                "attempts": 0,
            }
        )
        return event_id

    def arrived(self, reg: Row, tracking_number: str | None) -> None:
        """The pair a `matched` parcel sends: status change and the customer's notification."""
        self.add(
            "parcel.status_changed",
            parcel_id=reg["id"],
            tracking_number=reg["tracking_number"] or tracking_number,
            status=AT_WAREHOUSE,
            previous_status=reg["status"],
        )
        self.add("notification.requested", parcel_id=reg["id"], kind="parcel_arrived")

    def write(self, conn: Connection, statement: Prepared) -> tuple[str, ...]:
        statement.execute_many(conn, self.rows)
        return tuple(row["id"] for row in self.rows)


_SCAN_COLUMNS = (
    "id", "scanned_at", "raw", "keys", "tracking_number", "carrier", "symbology", "scanner", "station_id",
    "operator", "typed", "outcome", "registration_id", "unknown_id", "note", "latency_ms",
)  # fmt: skip
_OUTBOX_COLUMNS = ("id", "type", "payload", "scan_id", "state", "not_before", "created_at", "attempts")
_UNKNOWN_COLUMNS = (
    "id", "tracking_number", "carrier", "raw_scan", "keys", "first_scan_id", "first_seen_at", "station_id",
    "operator", "note",
)  # fmt: skip


def _key_list(column: Any, arity: int) -> Any:
    return column.in_([bindparam(f"k{i}") for i in range(arity)])


def _with_receipt(reg: Any, receipt: Any) -> Any:
    """Registrations with this station's receipt for each, when there is one."""
    return reg.outerjoin(receipt, receipt.c.registration_id == reg.c.id)


def _effective_status(reg: Any, receipt: Any) -> ColumnElement[Any]:
    """A parcel's status: the feed's, except that this station's receipt makes `awaiting` at_warehouse."""
    received_here = and_(receipt.c.registration_id.is_not(None), reg.c.status == AWAITING)
    return case((received_here, AT_WAREHOUSE), else_=reg.c.status)


def _registrations_by_keys(arity: int) -> Select[Any]:
    """Registrations with any of `arity` keys, their receipt, and their order's progress ("2 of 3")."""
    other = _reg.alias("same_order")
    other_receipt = _receipts.alias("same_order_receipt")
    same_order = (
        other.c.customer_id == _reg.c.customer_id,
        other.c.order_number == _reg.c.order_number,
        other.c.deleted.is_(False),
    )
    total = select(func.count()).select_from(other).where(*same_order).scalar_subquery()
    here = (
        select(func.count())
        .select_from(_with_receipt(other, other_receipt))
        .where(*same_order, _effective_status(other, other_receipt) == AT_WAREHOUSE)
        .scalar_subquery()
    )
    return (
        select(
            *(c for c in _reg.c if c.key != "status"),
            _effective_status(_reg, _receipts).label("status"),
            _receipts.c.received_at,
            _receipts.c.received_by,
            _receipts.c.received_station,
            total.label("order_total"),
            here.label("order_here"),
        )
        .select_from(_with_receipt(_reg, _receipts))
        .where(_reg.c.id.in_(select(_keys.c.registration_id).where(_key_list(_keys.c.key, arity))))
    )


def parcel_status(conn: Connection, registration_id: str) -> str | None:
    """The status a registration has at this station (None when the feed has no such registration)."""
    query = (
        select(_effective_status(_reg, _receipts))
        .select_from(_with_receipt(_reg, _receipts))
        .where(_reg.c.id == registration_id)
    )
    return conn.execute(query).scalar_one_or_none()


def _insert_receipt(dialect: Dialect) -> Any:
    """A receipt, or nothing when one exists (another station sharing a PostgreSQL database got there first)."""
    columns: dict[str, Any] = {
        "registration_id": bindparam("rid"),
        "scan_id": bindparam("sid"),
        "received_at": bindparam("at"),
        "received_by": bindparam("who"),
        "received_station": bindparam("station"),
    }
    dialect_insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(_receipts).values(columns).on_conflict_do_nothing(index_elements=["registration_id"])


def _open_unknown_by_keys(arity: int) -> Select[Any]:
    return (
        select(_unknown)
        .where(
            _unknown.c.resolution.is_(None),
            _unknown.c.id.in_(select(_unknown_keys.c.unknown_id).where(_key_list(_unknown_keys.c.key, arity))),
        )
        .order_by(_unknown.c.first_seen_at)
        .limit(1)
    )


class _Statements:
    """Every statement of the rules, compiled once for the engine's dialect (see store.prepared)."""

    def __init__(self, dialect: Dialect) -> None:
        def prepared(statement: Any, columns: Sequence[str] | None = None) -> Prepared:
            return Prepared(statement, dialect, column_keys=columns)

        self.registrations_by_keys = ByArity(_registrations_by_keys, dialect)
        self.open_unknown_by_keys = ByArity(_open_unknown_by_keys, dialect)
        self.mark_received = prepared(_insert_receipt(dialect), ("rid", "sid", "at", "who", "station"))
        self.unreceive = prepared(
            delete(_receipts).where(
                _receipts.c.registration_id == bindparam("rid"), _receipts.c.scan_id == bindparam("sid")
            )
        )
        self.registration = prepared(select(_reg).where(_reg.c.id == bindparam("rid")))
        self.insert_scan = prepared(insert(_scans), _SCAN_COLUMNS)
        self.insert_events = prepared(insert(_outbox), _OUTBOX_COLUMNS)
        self.insert_unknown = prepared(insert(_unknown), _UNKNOWN_COLUMNS)
        self.insert_unknown_keys = prepared(insert(_unknown_keys), ("key", "unknown_id"))
        self.open_review = prepared(
            select(_review.c.id).where(
                _review.c.kind == bindparam("kind"),
                _review.c.detail == bindparam("detail"),
                _review.c.closed_at.is_(None),
            )
        )
        self.insert_review = prepared(insert(_review), ("kind", "created_at", "scan_id", "detail"))
        self.scan = prepared(select(_scans).where(_scans.c.id == bindparam("sid")))
        self.mark_undone = prepared(
            update(_scans)
            .where(_scans.c.id == bindparam("sid"))
            .values(undone_at=bindparam("at"), undone_by=bindparam("who"))
        )
        self.cancel_held = prepared(
            update(_outbox)
            .where(
                _outbox.c.scan_id == bindparam("sid"),
                _outbox.c.state == EventState.PENDING.value,
                _outbox.c.not_before > bindparam("cutoff"),
            )
            .values(state=EventState.CANCELLED.value)
        )
        self.live_events_of_scan = prepared(
            select(func.count().label("n"))
            .select_from(_outbox)
            .where(_outbox.c.scan_id == bindparam("sid"), _outbox.c.state != EventState.CANCELLED.value)
        )
        self.forget_unknown_keys = prepared(delete(_unknown_keys).where(_unknown_keys.c.unknown_id == bindparam("uid")))
        self.forget_unknown = prepared(delete(_unknown).where(_unknown.c.id == bindparam("uid")))
        self.resolve_unknown = prepared(
            update(_unknown)
            .where(_unknown.c.id == bindparam("uid"), _unknown.c.resolution.is_(None))
            .values(
                resolution=bindparam("resolution"),
                resolved_registration_id=bindparam("rid"),
                resolved_at=bindparam("at"),
                resolved_by=bindparam("who"),
                note=bindparam("note"),
            )
        )
        self.open_unknowns = prepared(select(_unknown).where(_unknown.c.resolution.is_(None)))


class Receiver:
    """Decides verdicts. One instance per station; call `receive`/`undo` from one writer thread.

    That thread keeps one connection open between scans (no pool check-out per scan); `resolve_unknowns`
    may run on another thread (sync) and takes its own short transaction.
    """

    def __init__(
        self,
        store: Store,
        *,
        station_id: str,
        undo_window_s: float = 10.0,
        fnc1_substitutes: tuple[str, ...] = (),
    ) -> None:
        self.engine = store.engine
        self.station_id = station_id
        self.undo_window_s = undo_window_s
        self.fnc1_substitutes = fnc1_substitutes
        self._sql = _Statements(store.dialect)
        self._held = threading.local()

    def hold_connection(self) -> None:
        """Keep one connection open for this thread's scans (the receiving thread): no pool check-out per scan.

        The thread must call `close()` when it ends. Threads that never call this use a pooled connection.
        """
        self._held.wanted = True

    def close(self) -> None:
        """Give back this thread's held connection."""
        conn: Connection | None = getattr(self._held, "conn", None)
        self._held.wanted = False
        self._held.conn = None
        if conn is not None:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        conn: Connection | None = getattr(self._held, "conn", None)
        if conn is None and getattr(self._held, "wanted", False):
            conn = self._held.conn = self.engine.connect()
        if conn is None:
            with write_transaction(self.engine) as tx:
                yield tx
            return
        try:
            with write_transaction(conn) as tx:
                yield tx
        except BaseException:
            if conn.invalidated or conn.closed:
                # The server went away under it: the next scan opens a fresh one.
                self._held.conn = None
                conn.close()
            raise

    # ------------------------------------------------------------------ receive

    def parse(self, scan: Scan) -> ParsedScan:
        """A hand-typed number is read like the web form; a scanner read like a barcode."""
        if scan.typed:
            return parse_typed(scan.raw)
        return parse_scan(scan.raw, fnc1_substitutes=self.fnc1_substitutes)

    def receive(self, scan: Scan, operator: str) -> Verdict:
        """Decide and record one scan in one transaction; the verdict exists only once committed."""
        started = time.perf_counter()
        parsed = self.parse(scan)
        scan_id = _new_id()
        now = utcnow()
        hold_until = now + timedelta(seconds=self.undo_window_s)
        events = _Events(scan.at, operator, scan_id, hold_until)
        base: dict[str, Any] = {
            "scan_id": scan_id,
            "raw": scan.raw,
            "scanner": scan.scanner,
            "operator": operator,
            "station_id": self.station_id,
            "at": scan.at,
            "typed": scan.typed,
            "tracking_number": parsed.tracking_number,
            "carrier": parsed.carrier,
            "symbology": parsed.symbology,
            "keys": parsed.keys,
        }
        with self._transaction() as conn:
            if scan.incomplete:
                fields: dict[str, Any] = {"outcome": Outcome.INVALID, "note": NOTE_INCOMPLETE}
            elif not parsed.keys:
                fields = {"outcome": Outcome.INVALID, "note": parsed.note}
            else:
                fields = self._decide(conn, parsed, base, events, now)
            event_ids = events.write(conn, self._sql.insert_events)
            outcome: Outcome = fields["outcome"]
            self._sql.insert_scan.execute(
                conn,
                {
                    "id": scan_id,
                    "scanned_at": scan.at,
                    "raw": storable_text(scan.raw),
                    "keys": " ".join(sorted(parsed.keys)),
                    "tracking_number": parsed.tracking_number,
                    "carrier": parsed.carrier,
                    "symbology": parsed.symbology,
                    "scanner": scan.scanner,
                    "station_id": self.station_id,
                    "operator": operator,
                    "typed": scan.typed,
                    "outcome": outcome.value,
                    "registration_id": fields.get("parcel_id"),
                    "unknown_id": fields.get("unknown_id"),
                    "note": fields.get("note"),
                    "latency_ms": (time.perf_counter() - started) * 1000,
                },
            )
        if outcome in (Outcome.MATCHED, Outcome.UNKNOWN):
            fields["undo_deadline"] = hold_until
        verdict = Verdict(**base, **fields, events=event_ids, latency_ms=(time.perf_counter() - started) * 1000)
        if outcome is Outcome.INVALID:
            log.info("invalid scan from %s: %r", scan.scanner, storable_text(scan.raw, 200))
        return verdict

    def _decide(
        self,
        conn: Connection,
        parsed: ParsedScan,
        base: dict[str, Any],
        events: _Events,
        now: datetime,
        *,
        retried: bool = False,
    ) -> dict[str, Any]:
        keys = sorted(parsed.keys)
        regs = self._sql.registrations_by_keys(len(keys)).all(conn, in_params("k", keys))
        live = [r for r in regs if not r["deleted"]]
        if not live:
            return self._unknown(conn, parsed, base, events, deleted=bool(regs))
        if len(live) > 1:
            candidates = tuple(sorted(r["id"] for r in live))
            self._review(
                conn, "ambiguous", base["scan_id"], now, tracking_number=parsed.tracking_number,
                candidates=list(candidates),
            )  # fmt: skip
            return {
                "outcome": Outcome.AMBIGUOUS,
                "candidates": candidates,
                "note": f"{len(candidates)} registrations share this number",
            }
        reg = live[0]
        fields = _registration_fields(reg)
        status = reg["status"]
        if status == AWAITING:
            inserted = self._sql.mark_received.execute(
                conn,
                {"rid": reg["id"], "at": base["at"], "who": base["operator"], "station": self.station_id,
                 "sid": base["scan_id"]},
            )  # fmt: skip
            if inserted == 0 and not retried:
                # Another station on the same PostgreSQL database received it a moment ago: look again.
                return self._decide(conn, parsed, base, events, now, retried=True)
            events.arrived(reg, parsed.tracking_number)
            fields.update(_order_progress(reg, received_now=True))
            fields.update(outcome=Outcome.MATCHED, status=AT_WAREHOUSE, previous_status=AWAITING)
            return fields
        if status == AT_WAREHOUSE:
            fields.update(_order_progress(reg))
            fields.update(
                outcome=Outcome.DUPLICATE,
                first_receipt=FirstReceipt(
                    at=reg["received_at"] or reg["updated_at"],
                    station_id=reg["received_station"],
                    operator=reg["received_by"],
                ),
            )
            if reg["received_station"] is None:
                fields["note"] = "received by another station"
            return fields
        self._review(
            conn, "not_expected", base["scan_id"], now, tracking_number=parsed.tracking_number,
            parcel_id=reg["id"], status=status,
        )  # fmt: skip
        fields.update(outcome=Outcome.NOT_EXPECTED, note=f"status is {status}")
        return fields

    def _unknown(
        self, conn: Connection, parsed: ParsedScan, base: dict[str, Any], events: _Events, *, deleted: bool
    ) -> dict[str, Any]:
        keys = sorted(parsed.keys)
        note = NOTE_DELETED if deleted else None
        flagged = self._sql.open_unknown_by_keys(len(keys)).first(conn, in_params("k", keys))
        if flagged is not None:
            return {
                "outcome": Outcome.DUPLICATE,
                "unknown_id": flagged["id"],
                "first_receipt": FirstReceipt(flagged["first_seen_at"], flagged["station_id"], flagged["operator"]),
                "note": NOTE_ALREADY_FLAGGED,
            }
        unknown_id = _new_id()
        number = parsed.tracking_number or keys[0]
        raw = storable_text(base["raw"])
        self._sql.insert_unknown.execute(
            conn,
            {
                "id": unknown_id,
                "tracking_number": number,
                "carrier": parsed.carrier,
                "raw_scan": raw,
                "keys": " ".join(keys),
                "first_scan_id": base["scan_id"],
                "first_seen_at": base["at"],
                "station_id": self.station_id,
                "operator": base["operator"],
                "note": note,
            },
        )
        self._sql.insert_unknown_keys.execute_many(conn, [{"key": k, "unknown_id": unknown_id} for k in keys])
        events.add("parcel.unknown", local_id=unknown_id, tracking_number=number, raw_scan=raw, carrier=parsed.carrier)
        return {"outcome": Outcome.UNKNOWN, "unknown_id": unknown_id, "note": note}

    def _review(self, conn: Connection, kind: str, scan_id: str, now: datetime, **detail: Any) -> None:
        """Put a case before a supervisor once, however often the parcel is scanned."""
        text = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        if self._sql.open_review.first(conn, {"kind": kind, "detail": text}) is None:
            self._sql.insert_review.execute(conn, {"kind": kind, "created_at": now, "scan_id": scan_id, "detail": text})

    # --------------------------------------------------------------------- undo

    def undo(self, scan_id: str, operator: str) -> UndoResult:
        """Revert a scan: silently inside its window, with a compensating event after it."""
        now = utcnow()
        sql = self._sql
        with self._transaction() as conn:
            row = sql.scan.first(conn, {"sid": scan_id})
            if row is None:
                return UndoResult(scan_id, False, False, "no such scan")
            if row["undone_at"] is not None:
                return UndoResult(scan_id, False, False, "this scan was already undone")
            sql.mark_undone.execute(conn, {"sid": scan_id, "at": now, "who": operator})
            held = sql.cancel_held.execute(conn, {"sid": scan_id, "cutoff": now + timedelta(seconds=UNDO_SAFETY_S)})
            first = sql.live_events_of_scan.first(conn, {"sid": scan_id})
            in_window = first is None or first["n"] == 0
            outcome = Outcome(row["outcome"])
            if outcome is Outcome.MATCHED and row["registration_id"]:
                self._unreceive(conn, row, operator, now, compensate=not in_window)
            elif outcome is Outcome.UNKNOWN and row["unknown_id"]:
                self._unflag(conn, row, operator, now, compensate=not in_window)
            if held and in_window:
                return UndoResult(scan_id, True, False, "undone; nothing was sent")
            if in_window:
                return UndoResult(scan_id, True, False, "undone")
            return UndoResult(scan_id, True, True, "undone after the window: a correction is sent to the server")

    def _unreceive(self, conn: Connection, row: Row, operator: str, now: datetime, *, compensate: bool) -> None:
        rid = row["registration_id"]
        if self._sql.unreceive.execute(conn, {"rid": rid, "sid": row["id"]}) == 0:
            return  # received again since: nothing of this scan is left to revert
        if compensate:
            reg = self._sql.registration.first(conn, {"rid": rid})
            events = _Events(now, operator, row["id"], now)
            events.add(
                "parcel.status_changed",
                parcel_id=rid,
                tracking_number=(reg["tracking_number"] if reg else None) or row["tracking_number"],
                status=AWAITING,
                previous_status=AT_WAREHOUSE,
            )
            events.write(conn, self._sql.insert_events)

    def _unflag(self, conn: Connection, row: Row, operator: str, now: datetime, *, compensate: bool) -> None:
        unknown_id = row["unknown_id"]
        if not compensate:
            # Nothing left the station: the unknown parcel never existed for anyone else.
            self._sql.forget_unknown_keys.execute(conn, {"uid": unknown_id})
            self._sql.forget_unknown.execute(conn, {"uid": unknown_id})
            return
        note = "scan undone at the station"
        self._sql.resolve_unknown.execute(
            conn, {"uid": unknown_id, "resolution": "other", "rid": None, "at": now, "who": operator, "note": note}
        )
        events = _Events(now, operator, row["id"], now)
        events.add("parcel.unknown_resolved", local_id=unknown_id, resolution="other", note=note)
        events.write(conn, self._sql.insert_events)

    # ----------------------------------------------------------- late matches

    def resolve_unknowns(self, registration_ids: Sequence[str] | None = None) -> list[Verdict]:
        """Receive open unknown parcels whose keys now match exactly one live `awaiting` registration.

        Called by sync after each feed page; `registration_ids` narrows the search to that page.
        """
        now = utcnow()
        verdicts: list[Verdict] = []
        with write_transaction(self.engine) as conn:
            claimed: set[str] = set()
            for unknown, regs in self._late_matches(conn, registration_ids):
                live = [r for r in regs if not r["deleted"]]
                if len(live) != 1 or live[0]["status"] != AWAITING or live[0]["id"] in claimed:
                    continue
                reg = live[0]
                claimed.add(reg["id"])
                verdict = self._resolve_one(conn, unknown, reg, now)
                if verdict is not None:
                    verdicts.append(verdict)
        for verdict in verdicts:
            log.info("unknown parcel %s matched %s after arrival", verdict.unknown_id, verdict.parcel_id)
        return verdicts

    def _late_matches(self, conn: Connection, registration_ids: Sequence[str] | None) -> list[tuple[Row, list[Row]]]:
        open_unknowns = self._sql.open_unknowns.all(conn)
        if not open_unknowns:
            return []
        wanted = set(registration_ids) if registration_ids is not None else None
        result: list[tuple[Row, list[Row]]] = []
        for unknown in open_unknowns:
            keys = unknown["keys"].split()
            if not keys:
                continue
            regs = self._sql.registrations_by_keys(len(keys)).all(conn, in_params("k", keys))
            if not regs or (wanted is not None and not any(r["id"] in wanted for r in regs)):
                continue
            result.append((unknown, regs))
        return result

    def _resolve_one(self, conn: Connection, unknown: Row, reg: Row, now: datetime) -> Verdict | None:
        """Receive `reg` for the unknown parcel; None when another station's receipt got there first."""
        scan_id = _new_id()
        operator = unknown["operator"]
        inserted = self._sql.mark_received.execute(
            conn,
            {"rid": reg["id"], "at": unknown["first_seen_at"], "who": operator, "station": unknown["station_id"],
             "sid": scan_id},
        )  # fmt: skip
        if inserted == 0:
            return None
        self._sql.resolve_unknown.execute(
            conn,
            {"uid": unknown["id"], "resolution": "matched", "rid": reg["id"], "at": now, "who": SYNC_SCANNER,
             "note": NOTE_RESOLVED_LATER},
        )  # fmt: skip
        events = _Events(now, operator, scan_id, now)
        events.arrived(reg, unknown["tracking_number"])
        events.add(
            "parcel.unknown_resolved",
            local_id=unknown["id"],
            resolution="matched",
            parcel_id=reg["id"],
            note=NOTE_RESOLVED_LATER,
        )
        event_ids = events.write(conn, self._sql.insert_events)
        self._sql.insert_scan.execute(
            conn,
            {
                "id": scan_id,
                "scanned_at": now,
                "raw": unknown["raw_scan"],
                "keys": unknown["keys"],
                "tracking_number": unknown["tracking_number"],
                "carrier": unknown["carrier"],
                "symbology": None,
                "scanner": SYNC_SCANNER,
                "station_id": self.station_id,
                "operator": operator,
                "typed": False,
                "outcome": Outcome.MATCHED.value,
                "registration_id": reg["id"],
                "unknown_id": unknown["id"],
                "note": NOTE_RESOLVED_LATER,
                "latency_ms": None,
            },
        )
        fields = _registration_fields(reg)
        fields.update(_order_progress(reg, received_now=True), status=AT_WAREHOUSE)
        return Verdict(
            scan_id=scan_id,
            outcome=Outcome.MATCHED,
            raw=unknown["raw_scan"],
            scanner=SYNC_SCANNER,
            operator=operator,
            station_id=self.station_id,
            at=now,
            tracking_number=unknown["tracking_number"],
            carrier=unknown["carrier"],
            keys=frozenset(unknown["keys"].split()),
            previous_status=AWAITING,
            unknown_id=unknown["id"],
            note=NOTE_RESOLVED_LATER,
            resolved_later=True,
            events=event_ids,
            **fields,
        )


def _registration_fields(reg: Row) -> dict[str, Any]:
    return {
        "parcel_id": reg["id"],
        "status": reg["status"],
        "customer_suite": reg["customer_suite"],
        "customer_name": reg["customer_name"],
        "store": reg["store"],
        "order_number": reg["order_number"],
        "services": tuple(reg["services"].split()),
    }


def _order_progress(reg: Row, *, received_now: bool = False) -> dict[str, Any]:
    """How many parcels of the registration's order are here ("2 of 3"), from the lookup's own counts."""
    if not reg["order_number"]:
        return {"order_parcels_here": None, "order_parcels_total": None}
    here = int(reg["order_here"]) + (1 if received_now else 0)
    return {"order_parcels_here": here, "order_parcels_total": int(reg["order_total"])}
