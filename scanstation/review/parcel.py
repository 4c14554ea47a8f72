"""A parcel's page for the supervisor: its raw scan, keys, every scan of it, notes and its history of resolutions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, Connection, Table, or_, select

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor
from scanstation.store.connection import Store
from scanstation.store.models import (
    Registration,
    RegistrationKey,
    Resolution,
    ReviewItem,
    ScanLog,
    UnknownKey,
    UnknownParcel,
)
from scanstation.tracking import parse_scan

__all__ = [
    "MAX_SCANS",
    "ParcelPage",
    "RegistrationShown",
    "ResolutionShown",
    "ScanShown",
    "locate_scan",
    "parcel_page",
    "read_parcel_page",
]

# A parcel scanned more often than this is a conveyor loop, not a history to read: the newest are kept.
MAX_SCANS: Final = 200

_reg = cast(Table, Registration.__table__)
_reg_keys = cast(Table, RegistrationKey.__table__)
_unknown = cast(Table, UnknownParcel.__table__)
_unknown_keys = cast(Table, UnknownKey.__table__)
_review = cast(Table, ReviewItem.__table__)
_scans = cast(Table, ScanLog.__table__)
_res = cast(Table, Resolution.__table__)


@dataclass(frozen=True, slots=True)
class ScanShown:
    """One scan of the parcel: who, where, when, and what the station decided."""

    id: str
    at: datetime
    raw: str
    outcome: str
    operator: str
    station: str
    scanner: str
    typed: bool
    undone: bool
    registration_id: str | None
    note: str


@dataclass(frozen=True, slots=True)
class ResolutionShown:
    """One resolution of the parcel's item, undone or not."""

    id: str
    item_id: str
    action: str
    actor: str
    at: datetime
    undo_until: datetime
    registration_id: str | None
    note: str
    undone_at: datetime | None
    undone_by: str | None


@dataclass(frozen=True, slots=True)
class RegistrationShown:
    """A registration as the page shows it (what the customer typed and who they are)."""

    id: str
    tracking_typed: str
    tracking_number: str | None
    customer_suite: str
    customer_name: str
    store: str
    order_number: str
    status: str
    deleted: bool


@dataclass(frozen=True, slots=True)
class ParcelPage:
    """Everything the station knows of one parcel, item or registration (`item_id` as the queue names it)."""

    item_id: str
    kind: str  # unknown, registration, scan, or a review item's kind (ambiguous, not_expected, rejected_event, ...)
    raw: str  # the first scan as the scanner sent it ("" for a registration never scanned)
    keys: tuple[str, ...]
    tracking_number: str | None
    carrier: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    scans: tuple[ScanShown, ...]  # oldest first
    notes: tuple[str, ...]
    resolutions: tuple[ResolutionShown, ...]  # oldest first
    registration: RegistrationShown | None = None  # the registration it is, or was matched or picked to
    candidates: tuple[RegistrationShown, ...] = ()  # an ambiguous scan's registrations
    open: bool = True  # the item still waits for a supervisor

    @property
    def found(self) -> bool:
        """False for a scanned number the station has never seen nor been told of."""
        return bool(self.scans or self.registration or self.resolutions or self.candidates)


def _scan(row: Any) -> ScanShown:
    return ScanShown(
        row.id, row.scanned_at, row.raw, row.outcome, row.operator, row.station_id, row.scanner,
        bool(row.typed), row.undone_at is not None, row.registration_id, row.note or "",
    )  # fmt: skip


def _registration(conn: Connection, registration_id: str | None) -> RegistrationShown | None:
    if not registration_id:
        return None
    row = conn.execute(select(_reg).where(_reg.c.id == registration_id)).one_or_none()
    if row is None:
        return None
    return RegistrationShown(
        row.id, row.tracking_typed, row.tracking_number, row.customer_suite, row.customer_name, row.store,
        row.order_number, row.status, bool(row.deleted),
    )  # fmt: skip


def _scans_by(conn: Connection, *conditions: Any) -> list[ScanShown]:
    query = select(_scans).where(*conditions).order_by(_scans.c.scanned_at.desc()).limit(MAX_SCANS)
    return [_scan(row) for row in conn.execute(query)]


def _resolutions(
    conn: Connection, item_ids: list[str], registration_id: str | None = None
) -> tuple[ResolutionShown, ...]:
    # ix_resolutions_item_id; a registration's own (a pick or a match made it receive the parcel) by a scan of the
    # resolutions, a table of supervisors' acts that stays small beside the scan log.
    wanted: ColumnElement[bool] = _res.c.item_id.in_(item_ids)
    if registration_id is not None:
        wanted = or_(wanted, _res.c.registration_id == registration_id)
    query = select(_res).where(wanted).order_by(_res.c.at)
    return tuple(
        ResolutionShown(
            r.id,
            r.item_id,
            r.action,
            r.actor,
            r.at,
            r.undo_until,
            r.registration_id,
            r.note or "",
            r.undone_at,
            r.undone_by,
        )
        for r in conn.execute(query)
    )


def _merged(*groups: list[ScanShown]) -> tuple[ScanShown, ...]:
    seen: dict[str, ScanShown] = {}
    for group in groups:
        for scan in group:
            seen.setdefault(scan.id, scan)
    return tuple(sorted(seen.values(), key=lambda s: s.at)[-MAX_SCANS:])


def _page(
    item_id: str,
    kind: str,
    scans: tuple[ScanShown, ...],
    resolutions: tuple[ResolutionShown, ...],
    *,
    raw: str = "",
    notes: tuple[str | None, ...] = (),
    registration: RegistrationShown | None = None,
    candidates: tuple[RegistrationShown, ...] = (),
    open_: bool = True,
    number: str | None = None,
) -> ParcelPage:
    first_raw = raw or (scans[0].raw if scans else "")
    parsed = parse_scan(first_raw) if first_raw else None
    tracking = number or (parsed.tracking_number if parsed else None)
    if tracking is None and registration is not None:
        tracking = registration.tracking_number
    kept_notes = [n for n in notes if n] + [s.note for s in scans if s.note]
    kept_notes += [r.note for r in resolutions if r.note]
    return ParcelPage(
        item_id=item_id,
        kind=kind,
        raw=first_raw,
        keys=tuple(sorted(parsed.keys)) if parsed else (),
        tracking_number=tracking,
        carrier=parsed.carrier if parsed else None,
        first_seen=scans[0].at if scans else None,
        last_seen=scans[-1].at if scans else None,
        scans=scans,
        notes=tuple(dict.fromkeys(kept_notes)),
        resolutions=resolutions,
        registration=registration,
        candidates=candidates,
        open=open_,
    )


def _unknown_page(conn: Connection, uid: str) -> ParcelPage | None:
    row = conn.execute(select(_unknown).where(_unknown.c.id == uid)).one_or_none()
    if row is None:
        return None
    # Its later scans carry its id; scan_log has no index on unknown_id, so the range read starts at its first
    # scan (ix_scan_log_scanned_at) and a resolution's recording is found by the registration's index.
    scans = _merged(
        _scans_by(conn, _scans.c.id == row.first_scan_id),
        _scans_by(conn, _scans.c.scanned_at >= row.first_seen_at, _scans.c.unknown_id == uid),
        _scans_by(conn, _scans.c.registration_id == row.resolved_registration_id)
        if row.resolved_registration_id
        else [],
    )
    return _page(
        f"unknown:{uid}",
        "unknown",
        scans,
        _resolutions(conn, [f"unknown:{uid}"]),
        raw=row.raw_scan,
        notes=(row.note,),
        registration=_registration(conn, row.resolved_registration_id),
        open_=row.resolution is None,
        number=row.tracking_number,
    )


def _review_page(conn: Connection, number: int) -> ParcelPage | None:
    row = conn.execute(select(_review).where(_review.c.id == number)).one_or_none()
    if row is None:
        return None
    try:
        detail = json.loads(row.detail) if row.detail else {}
    except ValueError:
        detail = {}
    detail = detail if isinstance(detail, dict) else {}
    own = _scans_by(conn, _scans.c.id == row.scan_id) if row.scan_id else []
    registration_id = (own[0].registration_id if own else None) or detail.get("parcel_id")
    registration_id = registration_id or detail.get("registration_id")
    picked = next((r.registration_id for r in _resolutions(conn, [f"review:{number}"]) if r.undone_at is None), None)
    registration = _registration(conn, picked or registration_id)
    scans = _merged(own, _scans_by(conn, _scans.c.registration_id == registration.id) if registration else [])
    candidates = tuple(
        shown for shown in (_registration(conn, str(c)) for c in detail.get("candidates") or ()) if shown is not None
    )
    return _page(
        f"review:{number}",
        row.kind,
        scans,
        _resolutions(conn, [f"review:{number}"]),
        notes=(row.note,),
        registration=registration,
        candidates=candidates,
        open_=row.closed_at is None,
        number=detail.get("tracking_number"),
    )


def _registration_page(conn: Connection, registration_id: str) -> ParcelPage | None:
    registration = _registration(conn, registration_id)
    if registration is None:
        return None
    scans = _merged(_scans_by(conn, _scans.c.registration_id == registration_id))
    # The unknown parcels matched to it, and the scans corrected to or from it, have their own items.
    unknowns = [
        f"unknown:{u}"
        for u in conn.execute(select(_unknown.c.id).where(_unknown.c.resolved_registration_id == registration_id))
        .scalars()
        .all()
    ]
    items = [f"registration:{registration_id}", *unknowns, *(f"scan:{s.id}" for s in scans)]
    return _page(
        f"registration:{registration_id}",
        "registration",
        scans,
        _resolutions(conn, items, registration_id),
        registration=registration,
        number=registration.tracking_number,
    )


def _scan_page(conn: Connection, scan_id: str) -> ParcelPage | None:
    own = _scans_by(conn, _scans.c.id == scan_id)
    if not own:
        return None
    registration = _registration(conn, own[0].registration_id)
    scans = _merged(own, _scans_by(conn, _scans.c.registration_id == registration.id) if registration else [])
    return _page(f"scan:{scan_id}", "scan", scans, _resolutions(conn, [f"scan:{scan_id}"]), registration=registration)


def read_parcel_page(store: Store, item_id: str) -> ParcelPage | None:
    """The page of `item_id` (unknown:<uuid>, review:<n>, registration:<id>, scan:<id>), None when there is none."""
    kind, _, ref = item_id.partition(":")
    with store.connect() as conn:
        if kind == "unknown":
            return _unknown_page(conn, ref)
        if kind == "review" and ref.isdigit():
            return _review_page(conn, int(ref))
        if kind == "registration":
            return _registration_page(conn, ref)
        if kind == "scan":
            return _scan_page(conn, ref)
    return None


def parcel_page(store: Store, actor: Actor, item_id: str, *, station: str = "") -> ParcelPage | None:
    """read_parcel_page, for a supervisor (a clerk's refusal is audited)."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    return read_parcel_page(store, item_id)


def locate_scan(store: Store, actor: Actor, raw: str, *, station: str = "") -> str | None:
    """What a scan at the supervisor's desk is: an open unknown parcel, else a registration; None: neither.

    One indexed lookup per key (unknown_keys, registration_keys), as a scan's own decision makes them.
    """
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    keys = sorted(parse_scan(raw).keys)
    if not keys:
        return None
    with store.connect() as conn:
        unknown = conn.execute(
            select(_unknown.c.id)
            .select_from(_unknown_keys.join(_unknown, _unknown.c.id == _unknown_keys.c.unknown_id))
            .where(_unknown_keys.c.key.in_(keys), _unknown.c.resolution.is_(None))
            .limit(1)
        ).scalar_one_or_none()
        if unknown is not None:
            return f"unknown:{unknown}"
        registration = conn.execute(
            select(_reg_keys.c.registration_id)
            .select_from(_reg_keys.join(_reg, _reg.c.id == _reg_keys.c.registration_id))
            .where(_reg_keys.c.key.in_(keys))
            .order_by(_reg.c.deleted, _reg.c.updated_at.desc())
            .limit(1)
        ).scalar_one_or_none()
    return None if registration is None else f"registration:{registration}"
