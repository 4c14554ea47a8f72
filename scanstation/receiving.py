"""The warehouse rules: a scan becomes a verdict, committed with its status change and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from scanstation.scan import Scan
from scanstation.store.models import Outcome

__all__ = ["FirstReceipt", "Outcome", "Receiver", "UndoResult", "Verdict"]


@dataclass(frozen=True, slots=True)
class FirstReceipt:
    """When, where and by whom a parcel was first received (for a duplicate verdict)."""

    at: datetime | None
    station_id: str | None
    operator: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything the clerk (or the headless output) needs about one committed scan."""

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
    note: str | None = None  # e.g. "the customer deleted this registration"
    resolved_later: bool = False  # matched by sync after it arrived as unknown
    latency_ms: float = 0.0
    undo_deadline: datetime | None = None
    events: tuple[str, ...] = field(default=())  # ids of the outbox events this verdict created


@dataclass(frozen=True, slots=True)
class UndoResult:
    scan_id: str
    undone: bool
    compensated: bool  # True when the window had closed and a compensating event was queued
    message: str


class Receiver:
    """Decides verdicts. One instance per station; call it from one writer thread."""

    def __init__(self, engine: Engine, *, station_id: str, undo_window_s: float = 10.0,
                 fnc1_substitutes: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.station_id = station_id
        self.undo_window_s = undo_window_s
        self.fnc1_substitutes = fnc1_substitutes

    def receive(self, scan: Scan, operator: str) -> Verdict:
        raise NotImplementedError

    def undo(self, scan_id: str, operator: str) -> UndoResult:
        raise NotImplementedError

    def resolve_unknowns(self, registration_ids: list[str] | None = None) -> list[Verdict]:
        raise NotImplementedError
