"""The warehouse rules as a pure function: what the registrations and the unknown shelf say, to a decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from scanstation.domain import AT_WAREHOUSE, AWAITING, NOTE_RESOLVED_LATER, FirstReceipt, Outcome
from scanstation.tracking import ParsedScan

__all__ = [
    "NOTE_ALREADY_FLAGGED",
    "NOTE_DELETED",
    "NOTE_INCOMPLETE",
    "Candidate",
    "Decision",
    "OpenUnknown",
    "decide",
    "decide_late_match",
    "needs_open_unknown",
]

NOTE_DELETED: Final = "the customer deleted this registration"
NOTE_ALREADY_FLAGGED: Final = "already on the unknown shelf"
NOTE_INCOMPLETE: Final = "the scanner's read was cut off (no terminator): scan again"
NOTE_OTHER_STATION: Final = "received by another station"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A registration sharing a key with the scan, with its status at this station and this station's receipt."""

    id: str
    tracking_number: str | None
    status: str  # the feed's, except that this station's receipt makes `awaiting` at_warehouse
    deleted: bool
    updated_at: datetime | None
    receipt: FirstReceipt | None  # this station's receipt, when it has one
    customer_suite: str | None = None
    customer_name: str | None = None
    store: str | None = None
    order_number: str | None = None
    services: tuple[str, ...] = ()
    order_total: int = 0  # live registrations of the same order
    order_here: int = 0  # of which at the warehouse


@dataclass(frozen=True, slots=True)
class OpenUnknown:
    """A parcel on the unknown shelf that nobody has resolved yet."""

    id: str
    tracking_number: str | None
    carrier: str | None
    raw_scan: str
    keys: frozenset[str]
    first_seen_at: datetime
    station_id: str
    operator: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What a scan (or a late match) is, and what recording it takes; the fields each outcome needs.

    matched: `registration` gets a receipt (and `unknown`, for a late match, is resolved by it);
    duplicate: `registration` already here, or `unknown` already on the shelf, with `first_receipt`;
    unknown: a new parcel goes on the shelf; ambiguous: `candidates` go to a supervisor;
    not_expected: `registration`'s status is neither awaiting nor at the warehouse; invalid: no key at all.
    """

    outcome: Outcome
    note: str | None = None
    registration: Candidate | None = None
    unknown: OpenUnknown | None = None
    first_receipt: FirstReceipt | None = None
    candidates: tuple[str, ...] = ()  # registration ids, for ambiguous
    candidate_suites: tuple[str | None, ...] = ()  # their customers' suites, in the same order
    status: str | None = None  # the parcel's status once recorded
    previous_status: str | None = None
    order_parcels_here: int | None = None
    order_parcels_total: int | None = None

    @property
    def resolves_unknown(self) -> bool:
        """A late match: the receipt resolves a parcel that arrived unknown."""
        return self.outcome is Outcome.MATCHED and self.unknown is not None


def _live(candidates: Sequence[Candidate]) -> list[Candidate]:
    return [c for c in candidates if not c.deleted]


def needs_open_unknown(candidates: Sequence[Candidate]) -> bool:
    """Whether the unknown shelf matters to the decision: only when no live registration has the keys."""
    return not _live(candidates)


def _order_progress(reg: Candidate, *, received_now: bool) -> tuple[int | None, int | None]:
    """How many parcels of the registration's order are here ("2 of 3")."""
    if not reg.order_number:
        return None, None
    return reg.order_here + (1 if received_now else 0), reg.order_total


def decide(
    parsed: ParsedScan,
    candidates: Sequence[Candidate],
    open_unknown: OpenUnknown | None,
    *,
    incomplete: bool = False,
) -> Decision:
    """A scan's decision from the registrations sharing its keys and the open unknown parcel with them.

    `open_unknown` is looked at only when no live registration has the keys (`needs_open_unknown`).
    """
    if incomplete:
        return Decision(Outcome.INVALID, note=NOTE_INCOMPLETE)
    if not parsed.keys:
        return Decision(Outcome.INVALID, note=parsed.note)
    live = _live(candidates)
    if not live:
        if open_unknown is not None:
            first = FirstReceipt(open_unknown.first_seen_at, open_unknown.station_id, open_unknown.operator)
            return Decision(Outcome.DUPLICATE, note=NOTE_ALREADY_FLAGGED, unknown=open_unknown, first_receipt=first)
        return Decision(Outcome.UNKNOWN, note=NOTE_DELETED if candidates else None)
    if len(live) > 1:
        ordered = sorted(live, key=lambda c: c.id)
        return Decision(
            Outcome.AMBIGUOUS,
            note=f"{len(ordered)} registrations share this number",
            candidates=tuple(c.id for c in ordered),
            candidate_suites=tuple(c.customer_suite for c in ordered),
        )
    reg = live[0]
    if reg.status == AWAITING:
        here, total = _order_progress(reg, received_now=True)
        return Decision(
            Outcome.MATCHED,
            registration=reg,
            status=AT_WAREHOUSE,
            previous_status=AWAITING,
            order_parcels_here=here,
            order_parcels_total=total,
        )
    if reg.status == AT_WAREHOUSE:
        here, total = _order_progress(reg, received_now=False)
        first = reg.receipt or FirstReceipt(reg.updated_at, None, None)
        return Decision(
            Outcome.DUPLICATE,
            note=NOTE_OTHER_STATION if first.station_id is None else None,
            registration=reg,
            first_receipt=first,
            status=reg.status,
            order_parcels_here=here,
            order_parcels_total=total,
        )
    return Decision(Outcome.NOT_EXPECTED, note=f"status is {reg.status}", registration=reg, status=reg.status)


def decide_late_match(unknown: OpenUnknown, candidates: Sequence[Candidate]) -> Decision | None:
    """An open unknown parcel matched now that the feed has news: exactly what a scan of it would match, or None."""
    parsed = ParsedScan(unknown.raw_scan, unknown.keys, unknown.tracking_number, unknown.carrier, None)
    decision = decide(parsed, candidates, unknown)
    if decision.outcome is not Outcome.MATCHED:
        return None
    return replace(decision, unknown=unknown, note=NOTE_RESOLVED_LATER)
