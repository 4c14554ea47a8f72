"""One queue of exceptions: unknown parcels, review items, deleted-after-receipt, bad and overdue registrations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, Connection, Select, Table, func, select

from scanstation.access.refusals import check
from scanstation.domain import AWAITING, Act, Actor, Json, utcnow
from scanstation.store.connection import Store
from scanstation.store.models import (
    OutboxEvent,
    Receipt,
    Registration,
    Resolution,
    ReviewItem,
    ScanLog,
    UnknownParcel,
)
from scanstation.tracking import ParsedScan, parse_typed

__all__ = [
    "BAD_REGISTRATION_CAP",
    "DEFAULT_OVERDUE_DAYS",
    "QUICK_KINDS",
    "ExceptionFilter",
    "ExceptionItem",
    "ExceptionKind",
    "count_open",
    "list_exceptions",
    "registration_problem",
]

DEFAULT_OVERDUE_DAYS: Final = 14
# Bad registrations are found by parsing every live registration's typed text: counting stops past this many
# (count_open's answer is then BAD_REGISTRATION_CAP + 1, read as "more than BAD_REGISTRATION_CAP").
BAD_REGISTRATION_CAP: Final = 500

_reg = cast(Table, Registration.__table__)
_unknown = cast(Table, UnknownParcel.__table__)
_review = cast(Table, ReviewItem.__table__)
_scans = cast(Table, ScanLog.__table__)
_outbox = cast(Table, OutboxEvent.__table__)
_receipts = cast(Table, Receipt.__table__)
_res = cast(Table, Resolution.__table__)


class ExceptionKind(StrEnum):
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"
    NOT_EXPECTED = "not_expected"
    REJECTED_EVENT = "rejected_event"
    DELETED_AFTER_RECEIPT = "deleted_after_receipt"
    BAD_REGISTRATION = "bad_registration"
    OVERDUE = "overdue"


# review_items.kind -> the queue's kind; `refused_registration` is a feed record the database would not store.
_REVIEW_KINDS: Final = {
    "ambiguous": ExceptionKind.AMBIGUOUS,
    "not_expected": ExceptionKind.NOT_EXPECTED,
    "rejected_event": ExceptionKind.REJECTED_EVENT,
    "refused_registration": ExceptionKind.BAD_REGISTRATION,
}


@dataclass(frozen=True, slots=True)
class ExceptionItem:
    """One exception as the queue shows it; `id` is stable ("unknown:<uuid>", "review:<n>", "registration:<id>")."""

    id: str
    kind: ExceptionKind
    opened_at: datetime
    tracking_number: str | None
    carrier: str | None
    station: str | None
    operator: str | None
    summary: str  # words
    resolved: bool
    registration_id: str | None = None
    scan_id: str | None = None
    event_id: str | None = None
    candidates: tuple[str, ...] = ()  # registration ids, for ambiguous
    resolution: str | None = None
    note: str | None = None
    detail: Json = None  # the review item's detail as stored


@dataclass(frozen=True, slots=True)
class ExceptionFilter:
    kinds: tuple[ExceptionKind, ...] = ()  # empty: every kind
    open_only: bool = True
    since: datetime | None = None
    until: datetime | None = None
    carrier: str | None = None
    station: str | None = None
    operator: str | None = None
    limit: int = 500

    def wants(self, kind: ExceptionKind) -> bool:
        return not self.kinds or kind in self.kinds

    def keeps(self, item: ExceptionItem) -> bool:
        if self.since is not None and item.opened_at < self.since:
            return False
        if self.until is not None and item.opened_at >= self.until:
            return False
        return all(
            wanted is None or wanted == value
            for wanted, value in (
                (self.carrier, item.carrier),
                (self.station, item.station),
                (self.operator, item.operator),
            )
        )


def registration_problem(typed: str) -> str | None:
    """What in a typed tracking field breaks the site's rules, and what the station made of it; None: nothing."""
    return _problem(typed, parse_typed(typed))


def _problem(typed: str, parsed: ParsedScan) -> str | None:
    if not parsed.keys or parsed.tracking_number is None:
        return f"no valid tracking number in {typed!r}: {parsed.note or 'nothing recognised'}"
    if parsed.note and "numbers typed" in parsed.note:
        return f"several numbers in {typed!r}: {parsed.note}; the station matches any of them"
    compact = "".join(typed.split()).replace("-", "").upper()
    if compact != parsed.tracking_number:
        return f"more than the number in {typed!r}: the station reads {parsed.tracking_number}"
    return None


def _loaded(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _unknown_items(conn: Connection, flt: ExceptionFilter) -> list[ExceptionItem]:
    # ix_unknown_parcels_resolution: the open ones (resolution IS NULL).
    query = select(_unknown).order_by(_unknown.c.first_seen_at).limit(flt.limit)
    if flt.open_only:
        query = query.where(_unknown.c.resolution.is_(None))
    return [
        ExceptionItem(
            id=f"unknown:{row.id}",
            kind=ExceptionKind.UNKNOWN,
            opened_at=row.first_seen_at,
            tracking_number=row.tracking_number,
            carrier=row.carrier,
            station=row.station_id,
            operator=row.operator,
            summary=f"no registration for {row.tracking_number or row.raw_scan!r}",
            resolved=row.resolution is not None,
            registration_id=row.resolved_registration_id,
            scan_id=row.first_scan_id,
            resolution=row.resolution,
            note=row.note,
        )
        for row in conn.execute(query)
    ]


def _review_summary(kind: ExceptionKind, detail: dict[str, Any]) -> str:
    if kind is ExceptionKind.AMBIGUOUS:
        return f"{len(detail.get('candidates') or [])} registrations share this number: pick the customer"
    if kind is ExceptionKind.NOT_EXPECTED:
        return f"scanned while its status is {detail.get('status')}"
    if kind is ExceptionKind.REJECTED_EVENT:
        return f"the server rejected an event: {detail.get('code')}: {detail.get('message')}"
    return f"a feed record the station could not store: {detail.get('reason')}"


def _review_items(conn: Connection, flt: ExceptionFilter, kinds: Iterable[str]) -> list[ExceptionItem]:
    # ix_review_items_kind_closed_at (revision 0006): one kind's open items; scan_log and outbox by their keys.
    query: Select[Any] = (
        select(
            _review,
            _scans.c.tracking_number.label("s_tracking"),
            _scans.c.carrier.label("s_carrier"),
            _scans.c.station_id.label("s_station"),
            _scans.c.operator.label("s_operator"),
            _scans.c.registration_id.label("s_registration"),
            _outbox.c.payload.label("e_payload"),
        )
        .select_from(
            _review.outerjoin(_scans, _scans.c.id == _review.c.scan_id).outerjoin(
                _outbox, _outbox.c.id == _review.c.event_id
            )
        )
        .where(_review.c.kind.in_(list(kinds)))
        .order_by(_review.c.id)
        .limit(flt.limit)
    )
    if flt.open_only:
        query = query.where(_review.c.closed_at.is_(None))
    items = []
    for row in conn.execute(query):
        kind = _REVIEW_KINDS[row.kind]
        detail = _loaded(row.detail)
        event = _loaded(row.e_payload) if row.e_payload else {}
        tracking = row.s_tracking or detail.get("tracking_number") or event.get("tracking_number")
        registration = row.s_registration or detail.get("parcel_id") or event.get("parcel_id")
        registration = registration or detail.get("registration_id")
        items.append(
            ExceptionItem(
                id=f"review:{row.id}",
                kind=kind,
                opened_at=row.created_at,
                tracking_number=tracking,
                carrier=row.s_carrier,
                station=row.s_station,
                operator=row.s_operator or event.get("operator"),
                summary=_review_summary(kind, detail),
                resolved=row.closed_at is not None,
                registration_id=registration,
                scan_id=row.scan_id,
                event_id=row.event_id,
                candidates=tuple(detail.get("candidates") or ()),
                resolution=row.resolution,
                note=row.note,
                detail=cast(Json, detail),
            )
        )
    return items


def _deleted_query(flt: ExceptionFilter) -> Select[Any]:
    # receipts by their primary key joined to registrations by theirs: one row per parcel received here.
    query = (
        select(_receipts, _reg.c.tracking_number, _reg.c.updated_at, _scans.c.carrier)
        .select_from(
            _receipts.join(_reg, _reg.c.id == _receipts.c.registration_id).outerjoin(
                _scans, _scans.c.id == _receipts.c.scan_id
            )
        )
        .where(_reg.c.deleted.is_(True))
        .order_by(_reg.c.updated_at)
        .limit(flt.limit)
    )
    if flt.open_only:
        query = query.where(_not_dismissed())
    return query


def _not_dismissed() -> ColumnElement[bool]:
    # ix_resolutions_item_id: a dismissal not undone closes a deleted-after-receipt item.
    dismissed = select(_res.c.id).where(
        _res.c.item_id == "registration:" + _receipts.c.registration_id, _res.c.undone_at.is_(None)
    )
    return ~dismissed.exists()


def _deleted_after_receipt(conn: Connection, flt: ExceptionFilter) -> list[ExceptionItem]:
    return [
        ExceptionItem(
            id=f"registration:{row.registration_id}",
            kind=ExceptionKind.DELETED_AFTER_RECEIPT,
            opened_at=row.updated_at,
            tracking_number=row.tracking_number,
            carrier=row.carrier,
            station=row.received_station,
            operator=row.received_by,
            summary=f"the customer deleted the registration after the parcel was received {row.received_at:%Y-%m-%d}",
            resolved=False,
            registration_id=row.registration_id,
            scan_id=row.scan_id,
        )
        for row in conn.execute(_deleted_query(flt))
    ]


def _bad_registrations(conn: Connection, flt: ExceptionFilter) -> list[ExceptionItem]:
    # No index can hold the typing rules: SQL keeps the live rows whose typed text is not plainly the stored
    # number (a scan of the live rows, no Python per row), and parse_typed says what is wrong with those.
    compact = func.upper(func.replace(func.replace(_reg.c.tracking_typed, " ", ""), "-", ""))
    query = (
        select(_reg.c.id, _reg.c.tracking_typed, _reg.c.tracking_number, _reg.c.updated_at)
        .where(
            _reg.c.deleted.is_(False),
            _reg.c.status == AWAITING,
            _reg.c.tracking_number.is_(None) | (compact != _reg.c.tracking_number),
        )
        .order_by(_reg.c.updated_at)
    )
    items: list[ExceptionItem] = []
    for row in conn.execute(query):
        parsed = parse_typed(row.tracking_typed)  # once a row: it is most of this kind's cost
        problem = _problem(row.tracking_typed, parsed)
        if problem is None:
            continue
        items.append(
            ExceptionItem(
                id=f"registration:{row.id}",
                kind=ExceptionKind.BAD_REGISTRATION,
                opened_at=row.updated_at,
                tracking_number=parsed.tracking_number,
                carrier=parsed.carrier,
                station=None,
                operator=None,
                summary=problem,
                resolved=False,
                registration_id=row.id,
            )
        )
        if len(items) >= flt.limit:
            break
    return items


def _overdue_conditions(now: datetime, overdue_days: int) -> tuple[ColumnElement[bool], ...]:
    # registrations(status, updated_at) serves the range; each row in it is checked for a tombstone and a receipt
    # (receipts' primary key). The listing and the count share these.
    cutoff = now - timedelta(days=overdue_days)
    received = select(_receipts.c.registration_id).where(_receipts.c.registration_id == _reg.c.id)
    return (_reg.c.status == AWAITING, _reg.c.updated_at < cutoff, _reg.c.deleted.is_(False), ~received.exists())


def _overdue_query(flt: ExceptionFilter, now: datetime, overdue_days: int) -> Select[Any]:
    # Oldest first: the feed's updated_at is the last the station heard of the registration (no creation time).
    return (
        select(_reg.c.id, _reg.c.tracking_number, _reg.c.updated_at, _reg.c.customer_suite)
        .where(*_overdue_conditions(now, overdue_days))
        .order_by(_reg.c.updated_at)
        .limit(flt.limit)
    )


def _overdue(conn: Connection, flt: ExceptionFilter, now: datetime, overdue_days: int) -> list[ExceptionItem]:
    return [
        ExceptionItem(
            id=f"registration:{row.id}",
            kind=ExceptionKind.OVERDUE,
            opened_at=row.updated_at,
            tracking_number=row.tracking_number,
            carrier=parse_typed(row.tracking_number or "").carrier,
            station=None,
            operator=None,
            summary=f"awaited for {(now - row.updated_at).days} days (suite {row.customer_suite}): may be lost",
            resolved=False,
            registration_id=row.id,
        )
        for row in conn.execute(_overdue_query(flt, now, overdue_days))
    ]


def read_exceptions(
    store: Store, flt: ExceptionFilter, *, now: datetime | None = None, overdue_days: int = DEFAULT_OVERDUE_DAYS
) -> list[ExceptionItem]:
    """The queue as `flt` selects it, with no role check (list_exceptions checks it)."""
    now = now or utcnow()
    items: list[ExceptionItem] = []
    with store.connect() as conn:
        if flt.wants(ExceptionKind.UNKNOWN):
            items += _unknown_items(conn, flt)
        review_kinds = [k for k, kind in _REVIEW_KINDS.items() if flt.wants(kind)]
        if review_kinds:
            items += _review_items(conn, flt, review_kinds)
        if flt.wants(ExceptionKind.DELETED_AFTER_RECEIPT):
            items += _deleted_after_receipt(conn, flt)
        if flt.wants(ExceptionKind.BAD_REGISTRATION):
            items += _bad_registrations(conn, flt)
        if flt.wants(ExceptionKind.OVERDUE):
            items += _overdue(conn, flt, now, overdue_days)
    kept = [item for item in items if flt.keeps(item)]
    if ExceptionKind.OVERDUE not in flt.kinds or len(flt.kinds) > 1:
        kept.sort(key=lambda item: item.opened_at)
    return kept[: max(0, flt.limit)]


def list_exceptions(
    store: Store,
    actor: Actor,
    flt: ExceptionFilter,
    *,
    now: datetime | None = None,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    station: str = "",
) -> list[ExceptionItem]:
    """The exceptions `flt` selects, oldest first; supervisors only (a clerk's refusal is audited)."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    return read_exceptions(store, flt, now=now, overdue_days=overdue_days)


# The kinds whose count is one indexed read at any size; the others are counted apart (see count_open).
QUICK_KINDS: Final = (
    ExceptionKind.UNKNOWN,
    ExceptionKind.AMBIGUOUS,
    ExceptionKind.NOT_EXPECTED,
    ExceptionKind.REJECTED_EVENT,
    ExceptionKind.OVERDUE,
)


def count_open(
    store: Store,
    *,
    now: datetime | None = None,
    overdue_days: int = DEFAULT_OVERDUE_DAYS,
    kinds: Iterable[ExceptionKind] | None = None,
    cap: int | None = BAD_REGISTRATION_CAP,
) -> dict[ExceptionKind, int]:
    """How many open exceptions of each kind, as list_exceptions would list them (no role needed: the clerk's bar).

    Kinds not asked for (`kinds`) are 0.

    Each count is SQL's own (no row is listed): unknown parcels and review items by their indexes, overdue
    registrations by a range of registrations(status, updated_at) less the received ones, deleted-after-receipt
    by the receipts joined to their registrations. Bad registrations need parse_typed on every candidate row,
    a scan of the live registrations (11 s at a million of them): counting stops past `cap` (a count over `cap`
    means "more"); cap=None counts them all.
    """
    now = now or utcnow()
    wanted = set(ExceptionKind if kinds is None else kinds)
    counts = dict.fromkeys(ExceptionKind, 0)
    with store.connect() as conn:
        if ExceptionKind.UNKNOWN in wanted:
            # ix_unknown_parcels_resolution: the open ones (resolution IS NULL).
            counts[ExceptionKind.UNKNOWN] = _scalar(
                conn, select(func.count()).select_from(_unknown).where(_unknown.c.resolution.is_(None))
            )
        if wanted & set(_REVIEW_KINDS.values()):
            # ix_review_items_closed_at: the open ones, grouped by kind.
            grouped = select(_review.c.kind, func.count()).where(_review.c.closed_at.is_(None)).group_by(_review.c.kind)
            for kind, n in conn.execute(grouped):
                if kind in _REVIEW_KINDS and _REVIEW_KINDS[kind] in wanted:
                    counts[_REVIEW_KINDS[kind]] += int(n)
        if ExceptionKind.OVERDUE in wanted:
            counts[ExceptionKind.OVERDUE] = _scalar(conn, _overdue_count(now, overdue_days))
        if ExceptionKind.DELETED_AFTER_RECEIPT in wanted:
            counts[ExceptionKind.DELETED_AFTER_RECEIPT] = _scalar(conn, _deleted_after_receipt_count())
        if ExceptionKind.BAD_REGISTRATION in wanted:
            counts[ExceptionKind.BAD_REGISTRATION] += _bad_registration_count(conn, cap)
    return counts


def _scalar(conn: Connection, query: Select[Any]) -> int:
    return int(conn.execute(query).scalar_one())


def _overdue_count(now: datetime, overdue_days: int) -> Select[Any]:
    return select(func.count()).select_from(_reg).where(*_overdue_conditions(now, overdue_days))


def _deleted_after_receipt_count() -> Select[Any]:
    # As _deleted_after_receipt: receipts by their primary key, each registration by its own.
    return (
        select(func.count())
        .select_from(_receipts.join(_reg, _reg.c.id == _receipts.c.registration_id))
        .where(_reg.c.deleted.is_(True), _not_dismissed())
    )


def _bad_registration_count(conn: Connection, cap: int | None) -> int:
    limit = 1_000_000_000 if cap is None else cap + 1
    return len(_bad_registrations(conn, ExceptionFilter(limit=limit)))
