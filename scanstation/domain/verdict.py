"""What the station decided about a scan: the outcome, the parcel's status, the verdict and its undo."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

__all__ = [
    "AT_WAREHOUSE",
    "AWAITING",
    "NOTE_RESOLVED_LATER",
    "FirstReceipt",
    "Outcome",
    "Resolver",
    "UndoResult",
    "Verdict",
]

# A parcel's status is the feed's word, any string the server sends; these two are the ones the station's
# rules act on (a receipt makes `awaiting` into `at_warehouse`).
AWAITING: Final = "awaiting"
AT_WAREHOUSE: Final = "at_warehouse"

NOTE_RESOLVED_LATER: Final = "the customer registered it after it arrived"


class Outcome(StrEnum):
    """A scan's verdict; the names are shared by the GUI, the headless output and the scan log."""

    MATCHED = "matched"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"
    NOT_EXPECTED = "not_expected"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class FirstReceipt:
    """When, where and by whom a parcel was first received (for a duplicate verdict)."""

    at: datetime | None
    station_id: str | None
    operator: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything the clerk (or the headless output) needs about one committed scan.

    A late match (an unknown parcel the customer registered after it arrived, matched by sync) is a
    verdict too, with `resolved_later` set and `note` saying why.
    """

    scan_id: str
    outcome: Outcome
    raw: str
    scanner: str
    operator: str
    station_id: str
    at: datetime
    typed: bool = False
    tracking_number: str | None = None
    carrier: str | None = None
    symbology: str | None = None
    keys: frozenset[str] = frozenset()
    parcel_id: str | None = None
    status: str | None = None
    previous_status: str | None = None
    customer_suite: str | None = None
    customer_name: str | None = None
    store: str | None = None
    order_number: str | None = None
    order_parcels_here: int | None = None
    order_parcels_total: int | None = None
    services: tuple[str, ...] = ()
    first_receipt: FirstReceipt | None = None
    unknown_id: str | None = None
    candidates: tuple[str, ...] = ()  # registration ids, for ambiguous
    candidate_suites: tuple[str | None, ...] = ()  # the suites of `candidates`, in the same order (the clerk's screen)
    note: str | None = None  # e.g. "the customer deleted this registration"
    resolved_later: bool = False  # matched by sync after it arrived as unknown
    latency_ms: float = 0.0
    undo_deadline: datetime | None = None
    events: tuple[str, ...] = field(default=())  # ids of the outbox events this verdict created


@dataclass(frozen=True, slots=True)
class UndoResult:
    """The answer to an undo: reverted inside the window, compensated after it, or refused (`message` says why)."""

    scan_id: str
    undone: bool
    compensated: bool  # True when the window had closed and a compensating event was queued
    message: str


# Receives the open unknown parcels that now match the given registrations (None: all of them) and returns
# the late matches' verdicts; sync calls it after each feed page (`Receiver.resolve_unknowns`).
Resolver = Callable[[Sequence[str] | None], Sequence[Verdict]]
