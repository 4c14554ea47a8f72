"""The receiving thread's entry points: a scan, an undo or a late match decided and recorded in one transaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from scanstation.domain import (
    AT_WAREHOUSE,
    AWAITING,
    Act,
    Actor,
    AuditKind,
    NotAllowedError,
    Outcome,
    Scan,
    UndoResult,
    Verdict,
    storable_text,
    utcnow,
)
from scanstation.receiving.decide import Candidate, Decision, OpenUnknown, decide, decide_late_match, needs_open_unknown
from scanstation.receiving.record import Observed, Recorder, verdict
from scanstation.receiving.statements import Statements
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import OutboxEvent
from scanstation.store.outbox import EventBatch
from scanstation.store.prepared import Row
from scanstation.tracking import ParsedScan, parse_scan, parse_typed

__all__ = ["SYNC_SCANNER", "UNDONE", "UNDONE_CORRECTED", "UNDONE_NOTHING_SENT", "UNDO_SAFETY_S", "Receiver"]

log = logging.getLogger(__name__)

SYNC_SCANNER = "sync"
# What an undo answers, named once so the clerk's screen can say it in its language (gui/texts.undo_words).
UNDONE_NOTHING_SENT = "undone; nothing was sent"
UNDONE = "undone"
UNDONE_CORRECTED = "undone after the window: a correction is sent to the server"

# Undo must not race a push that is about to pick the event up: refuse it this close to the deadline.
UNDO_SAFETY_S = 0.25

# A receipt lost to another station is looked up again once: the second look sees it (a duplicate).
_RECEIPT_RACES = 2


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
        self._sql = Statements(store.dialect)
        self._recorder = Recorder(self._sql, station_id)
        self._held = threading.local()

    @property
    def statements(self) -> Statements:
        """The compiled statements of the rules, for code that records through `recorder` (review)."""
        return self._sql

    @property
    def recorder(self) -> Recorder:
        """The one Recorder: a supervisor's resolution is recorded through it like a scan."""
        return self._recorder

    def transaction(self) -> AbstractContextManager[Connection]:
        """A write transaction on this thread's held connection (or a pooled one): what `receive` uses."""
        return self._transaction()

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
        observed = Observed.of_scan(scan, parsed, operator)
        now = utcnow()
        hold_until = now + timedelta(seconds=self.undo_window_s)
        with self._transaction() as conn:
            for _ in range(_RECEIPT_RACES):
                decision = self._decide(conn, scan, parsed)
                events = EventBatch(scan.at, operator, observed.scan_id, hold_until)
                recorded = self._recorder.record(conn, observed, decision, events, now=now, started=started)
                if recorded is not None:
                    break
                # Another station on the same PostgreSQL database received it a moment ago: look again.
            else:
                raise RuntimeError(f"scan {observed.scan_id}: the parcel's receipt kept changing under it")
        undoable = decision.outcome in (Outcome.MATCHED, Outcome.UNKNOWN)
        result = verdict(
            observed,
            decision,
            recorded,
            station_id=self.station_id,
            latency_ms=(time.perf_counter() - started) * 1000,
            undo_deadline=hold_until if undoable else None,
        )
        if decision.outcome is Outcome.INVALID:
            log.info("invalid scan from %s: %r", scan.scanner, storable_text(scan.raw, 200))
        return result

    def _decide(self, conn: Connection, scan: Scan, parsed: ParsedScan) -> Decision:
        """The decision on what the database says now about the scan's keys."""
        if scan.incomplete or not parsed.keys:
            return decide(parsed, (), None, incomplete=scan.incomplete)
        keys = sorted(parsed.keys)
        candidates = self._sql.candidates(conn, keys)
        flagged = self._sql.open_unknown(conn, keys) if needs_open_unknown(candidates) else None
        return decide(parsed, candidates, flagged)

    # --------------------------------------------------------------------- undo

    def undo(self, scan_id: str, actor: Actor) -> UndoResult:
        """Revert a scan: silently inside its window, with a compensating event after it.

        A clerk may undo their own scan inside its window; another's scan, or one past the window, needs
        Act.UNDO_OTHERS_SCAN (NotAllowedError, the refusal audited), and such an undo is audited.
        """
        now = utcnow()
        sql = self._sql
        refused: NotAllowedError | None = None
        with self._transaction() as conn:
            row = sql.scan.first(conn, {"sid": scan_id})
            if row is None:
                return UndoResult(scan_id, False, False, "no such scan")
            if row["undone_at"] is not None:
                return UndoResult(scan_id, False, False, "this scan was already undone")
            own = row["operator"] == actor.name
            privileged = not own or now >= self._undo_deadline(conn, row)
            if privileged and not actor.may(Act.UNDO_OTHERS_SCAN):
                refused = NotAllowedError(actor, Act.UNDO_OTHERS_SCAN)
                # Recorded in this transaction, which commits (nothing else is written): the refusal stays.
                self._audit(conn, actor, AuditKind.REFUSED, Act.UNDO_OTHERS_SCAN.value, str(refused), now)
            else:
                result = self._undo(conn, row, actor.name, now)
                if privileged:
                    whose = "another operator's scan" if not own else "past its undo window"
                    self._audit(conn, actor, AuditKind.SCAN_UNDONE, scan_id, f"{whose}: {result.message}", now)
                return result
        raise refused

    def _undo_deadline(self, conn: Connection, row: Row) -> datetime:
        """The end of a scan's undo window: when its held events were due to go (else read + window)."""
        due = conn.execute(select(func.min(OutboxEvent.not_before)).where(OutboxEvent.scan_id == row["id"])).scalar()
        if isinstance(due, datetime):
            return due if due.tzinfo is not None else due.replace(tzinfo=UTC)
        scanned: datetime = row["scanned_at"]
        return scanned + timedelta(seconds=self.undo_window_s)

    def _audit(self, conn: Connection, actor: Actor, kind: AuditKind, target: str, detail: str, now: datetime) -> None:
        audit.append(conn, station=self.station_id, actor=actor, kind=kind, target=target, detail=detail, at=now)

    def _undo(self, conn: Connection, row: Row, operator: str, now: datetime) -> UndoResult:
        sql = self._sql
        scan_id = row["id"]
        sql.mark_undone.execute(conn, {"sid": scan_id, "at": now, "who": operator})
        held = sql.outbox.cancel_held(conn, scan_id, now + timedelta(seconds=UNDO_SAFETY_S))
        in_window = sql.outbox.live_of_scan(conn, scan_id) == 0
        outcome = Outcome(row["outcome"])
        if outcome is Outcome.MATCHED and row["registration_id"]:
            self._unreceive(conn, row, operator, now, compensate=not in_window)
        elif outcome is Outcome.UNKNOWN and row["unknown_id"]:
            self._unflag(conn, row, operator, now, compensate=not in_window)
        if held and in_window:
            return UndoResult(scan_id, True, False, UNDONE_NOTHING_SENT)
        if in_window:
            return UndoResult(scan_id, True, False, UNDONE)
        return UndoResult(scan_id, True, True, UNDONE_CORRECTED)

    def _unreceive(self, conn: Connection, row: Row, operator: str, now: datetime, *, compensate: bool) -> None:
        rid = row["registration_id"]
        if self._sql.unreceive.execute(conn, {"rid": rid, "sid": row["id"]}) == 0:
            return  # received again since: nothing of this scan is left to revert
        if compensate:
            reg = self._sql.registration.first(conn, {"rid": rid})
            events = EventBatch(now, operator, row["id"], now)
            events.add(
                "parcel.status_changed",
                parcel_id=rid,
                tracking_number=(reg["tracking_number"] if reg else None) or row["tracking_number"],
                status=AWAITING,
                previous_status=AT_WAREHOUSE,
            )
            self._sql.outbox.enqueue(conn, events)

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
        events = EventBatch(now, operator, row["id"], now)
        events.add("parcel.unknown_resolved", local_id=unknown_id, resolution="other", note=note)
        self._sql.outbox.enqueue(conn, events)

    # ----------------------------------------------------------- late matches

    def resolve_unknowns(self, registration_ids: Sequence[str] | None = None) -> list[Verdict]:
        """Receive open unknown parcels whose keys now match exactly one live `awaiting` registration.

        Called by sync after each feed page; `registration_ids` narrows the search to that page.
        """
        now = utcnow()
        verdicts: list[Verdict] = []
        with write_transaction(self.engine) as conn:
            claimed: set[str] = set()
            for unknown, candidates in self._late_matches(conn, registration_ids):
                decision = decide_late_match(unknown, candidates)
                if decision is None or decision.registration is None or decision.registration.id in claimed:
                    continue
                claimed.add(decision.registration.id)
                observed = Observed.of_unknown(unknown, SYNC_SCANNER, now)
                events = EventBatch(now, observed.operator, observed.scan_id, now)
                recorded = self._recorder.record(conn, observed, decision, events, now=now)
                if recorded is not None:  # None: another station's receipt got there first
                    verdicts.append(verdict(observed, decision, recorded, station_id=self.station_id))
        for late in verdicts:
            log.info("unknown parcel %s matched %s after arrival", late.unknown_id, late.parcel_id)
        return verdicts

    def _late_matches(
        self, conn: Connection, registration_ids: Sequence[str] | None
    ) -> list[tuple[OpenUnknown, list[Candidate]]]:
        open_unknowns = self._sql.all_open_unknowns(conn)
        if not open_unknowns:
            return []
        wanted = set(registration_ids) if registration_ids is not None else None
        result: list[tuple[OpenUnknown, list[Candidate]]] = []
        for unknown in open_unknowns:
            if not unknown.keys:
                continue
            candidates = self._sql.candidates(conn, sorted(unknown.keys))
            if not candidates or (wanted is not None and not any(c.id in wanted for c in candidates)):
                continue
            result.append((unknown, candidates))
        return result
