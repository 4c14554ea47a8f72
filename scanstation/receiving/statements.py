"""The statements of the receiving rules, compiled once per dialect (store.prepared), and their rows as typed values."""

from __future__ import annotations

from collections.abc import Sequence
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

from scanstation.domain import AT_WAREHOUSE, AWAITING, FirstReceipt
from scanstation.receiving.decide import Candidate, OpenUnknown
from scanstation.store.models import (
    Receipt,
    Registration,
    RegistrationKey,
    ReviewItem,
    ScanLog,
    UnknownKey,
    UnknownParcel,
)
from scanstation.store.outbox import OutboxStatements
from scanstation.store.prepared import ByArity, Prepared, Row, in_params

__all__ = ["Statements", "parcel_status"]

_reg = cast("Table", Registration.__table__)
_keys = cast("Table", RegistrationKey.__table__)
_scans = cast("Table", ScanLog.__table__)
_unknown = cast("Table", UnknownParcel.__table__)
_unknown_keys = cast("Table", UnknownKey.__table__)
_review = cast("Table", ReviewItem.__table__)
_receipts = cast("Table", Receipt.__table__)

_SCAN_COLUMNS = (
    "id", "scanned_at", "raw", "keys", "tracking_number", "carrier", "symbology", "scanner", "station_id",
    "operator", "typed", "outcome", "registration_id", "unknown_id", "note", "latency_ms",
)  # fmt: skip
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
    return _registrations_with_progress().where(
        _reg.c.id.in_(select(_keys.c.registration_id).where(_key_list(_keys.c.key, arity)))
    )


def _registrations_with_progress() -> Select[Any]:
    """Registrations as a decision reads them: their receipt here, and their order's progress."""
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
    return select(
        *(c for c in _reg.c if c.key != "status"),
        _effective_status(_reg, _receipts).label("status"),
        _receipts.c.received_at,
        _receipts.c.received_by,
        _receipts.c.received_station,
        total.label("order_total"),
        here.label("order_here"),
    ).select_from(_with_receipt(_reg, _receipts))


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


class Statements:
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
        self.candidate_by_id = prepared(_registrations_with_progress().where(_reg.c.id == bindparam("rid")))
        self.insert_scan = prepared(insert(_scans), _SCAN_COLUMNS)
        self.outbox = OutboxStatements(dialect)
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
        self.unknown_by_id = prepared(
            select(_unknown).where(_unknown.c.id == bindparam("uid"), _unknown.c.resolution.is_(None))
        )

    def candidates(self, conn: Connection, keys: Sequence[str]) -> list[Candidate]:
        """The registrations with any of `keys` (sorted), as the decision reads them."""
        return [_candidate(row) for row in self.registrations_by_keys(len(keys)).all(conn, in_params("k", keys))]

    def candidate(self, conn: Connection, registration_id: str) -> Candidate | None:
        """One registration as the decision reads it (a supervisor picked it), or None when the feed has none."""
        row = self.candidate_by_id.first(conn, {"rid": registration_id})
        return None if row is None else _candidate(row)

    def open_unknown(self, conn: Connection, keys: Sequence[str]) -> OpenUnknown | None:
        """The oldest open unknown parcel with any of `keys` (sorted)."""
        row = self.open_unknown_by_keys(len(keys)).first(conn, in_params("k", keys))
        return None if row is None else _open_unknown(row)

    def unknown(self, conn: Connection, unknown_id: str) -> OpenUnknown | None:
        """An open unknown parcel by id (None when there is none, or it is resolved)."""
        row = self.unknown_by_id.first(conn, {"uid": unknown_id})
        return None if row is None else _open_unknown(row)

    def all_open_unknowns(self, conn: Connection) -> list[OpenUnknown]:
        return [_open_unknown(row) for row in self.open_unknowns.all(conn)]


def _candidate(row: Row) -> Candidate:
    receipt = None
    if row["received_at"] is not None:
        receipt = FirstReceipt(row["received_at"], row["received_station"], row["received_by"])
    return Candidate(
        id=row["id"],
        tracking_number=row["tracking_number"],
        status=row["status"],
        deleted=bool(row["deleted"]),
        updated_at=row["updated_at"],
        receipt=receipt,
        customer_suite=row["customer_suite"],
        customer_name=row["customer_name"],
        store=row["store"],
        order_number=row["order_number"],
        services=tuple(row["services"].split()),
        order_total=int(row["order_total"]),
        order_here=int(row["order_here"]),
    )


def _open_unknown(row: Row) -> OpenUnknown:
    return OpenUnknown(
        id=row["id"],
        tracking_number=row["tracking_number"],
        carrier=row["carrier"],
        raw_scan=row["raw_scan"],
        keys=frozenset(row["keys"].split()),
        first_seen_at=row["first_seen_at"],
        station_id=row["station_id"],
        operator=row["operator"],
    )
