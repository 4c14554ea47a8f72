"""Feed registrations into rows: the one place that computes match keys and upserts them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from scanstation.domain import AWAITING
from scanstation.store.models import Registration, RegistrationKey
from scanstation.tracking import parse_typed

_reg = cast("Table", Registration.__table__)
_keys = cast("Table", RegistrationKey.__table__)


# The columns a feed item fills, in the order of registration_values' row (the fast bulk paths rely on it).
REGISTRATION_COLUMNS: Final = (
    "id",
    "tracking_typed",
    "tracking_number",
    "order_number",
    "store",
    "customer_id",
    "customer_suite",
    "customer_name",
    "services",
    "status",
    "deleted",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class RegistrationRecord:
    """One validated feed item (see central-api.md, GET /parcels). A tombstone has deleted=True."""

    id: str
    updated_at: datetime
    deleted: bool = False
    tracking_typed: str = ""
    order_number: str = ""
    store: str = ""
    customer_id: str = ""
    customer_suite: str = ""
    customer_name: str = ""
    services: tuple[str, ...] = ()
    status: str = AWAITING


@dataclass(frozen=True, slots=True)
class UpsertResult:
    inserted: int
    updated: int
    skipped_stale: int
    live_awaiting_ids: tuple[str, ...]  # candidates for late matches of unknown parcels


def registration_values(
    rid: str,
    tracking_typed: str,
    order_number: str,
    store: str,
    customer_id: str,
    customer_suite: str,
    customer_name: str,
    services: Sequence[str],
    status: str,
    updated_at: datetime,
) -> tuple[tuple[Any, ...], frozenset[str]]:
    """A live feed item's `registrations` row (in REGISTRATION_COLUMNS order) and its match keys.

    The one place that computes them, from what the customer typed. Plain values in and out: the
    bulk path of a big pull calls it in a worker process for every item.
    """
    tracking_typed = storable(tracking_typed)
    parsed = parse_typed(tracking_typed)
    row = (
        storable(rid),
        tracking_typed,
        parsed.tracking_number,
        storable(order_number),
        storable(store),
        storable(customer_id),
        storable(customer_suite),
        storable(customer_name),
        storable(" ".join(services)),
        storable(status),
        False,
        updated_at,
    )
    return row, parsed.keys


def storable(value: str) -> str:
    """A feed string as every database can hold it: NUL, which PostgreSQL's text cannot, becomes U+FFFD.

    The record is kept (a name with a stray NUL still names the customer), the same on SQLite as on
    PostgreSQL, so both stations show the same text.
    """
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def registration_row(record: RegistrationRecord) -> tuple[dict[str, Any], frozenset[str]]:
    """The `registrations` row of a feed record by column name, and its match keys."""
    values, keys = registration_values(
        record.id,
        record.tracking_typed,
        record.order_number,
        record.store,
        record.customer_id,
        record.customer_suite,
        record.customer_name,
        record.services,
        record.status,
        record.updated_at,
    )
    return dict(zip(REGISTRATION_COLUMNS, values, strict=True)), keys


@dataclass(frozen=True, slots=True)
class NewRows:
    """Rows of registrations not stored yet, keys computed; plain data, so another process may build them."""

    registrations: list[dict[str, Any]]
    keys: list[dict[str, str]]


def new_rows(records: Sequence[RegistrationRecord]) -> NewRows:
    """The rows `insert_new_registrations` writes (tombstones skipped), without writing them."""
    rows: list[dict[str, Any]] = []
    key_rows: list[dict[str, str]] = []
    for record in records:
        if record.deleted:
            continue
        row, keys = registration_row(record)
        rows.append(row)
        key_rows.extend({"key": key, "registration_id": record.id} for key in keys)
    return NewRows(rows, key_rows)


def insert_rows(conn: Connection, rows: NewRows) -> int:
    """Bulk-insert rows from `new_rows` in the caller's transaction."""
    if rows.registrations:
        conn.execute(insert(_reg), rows.registrations)
    if rows.keys:
        conn.execute(insert(_keys), rows.keys)
    return len(rows.registrations)


def insert_new_registrations(conn: Connection, records: Sequence[RegistrationRecord]) -> int:
    """Fast path for ids known to be absent (an empty database, a benchmark build): plain bulk inserts."""
    return insert_rows(conn, new_rows(records))


_UPDATE = (
    update(_reg)
    .where(_reg.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in REGISTRATION_COLUMNS if name != "id"})
)
_TOMBSTONE = (
    update(_reg).where(_reg.c.id == bindparam("b_id")).values(deleted=True, updated_at=bindparam("b_updated_at"))
)


def upsert_registrations(conn: Connection, records: Sequence[RegistrationRecord]) -> UpsertResult:
    """Apply feed items in the caller's transaction; idempotent, so a re-pulled page changes nothing.

    - an item older than what is stored (by updated_at) is skipped;
    - a deletion keeps a tombstone and its keys, so a later scan can say the customer deleted it;
    - an edit recomputes the match keys.

    The feed's status is stored as the server gave it: this station's receipts live in their own
    table (`receipts`), so a feed that has not heard of a receipt yet cannot undo it.
    """
    latest: dict[str, RegistrationRecord] = {}
    for record in records:
        held = latest.get(record.id)
        if held is None or record.updated_at >= held.updated_at:
            latest[record.id] = record
    ids = list(latest)
    existing = {row.id: row for row in conn.execute(select(_reg.c.id, _reg.c.updated_at).where(_reg.c.id.in_(ids)))}
    fresh: list[RegistrationRecord] = []
    updates: list[dict[str, Any]] = []
    tombstones: list[dict[str, Any]] = []
    new_keys: list[dict[str, str]] = []
    rekeyed: list[str] = []
    stale = 0
    awaiting: list[str] = []
    for rid, record in latest.items():
        old = existing.get(rid)
        if old is None:
            fresh.append(record)
            if not record.deleted and record.status == AWAITING:
                awaiting.append(rid)
            continue
        if old.updated_at is not None and record.updated_at < old.updated_at:
            stale += 1
            continue
        if record.deleted:
            tombstones.append({"b_id": rid, "b_updated_at": record.updated_at})
            continue
        row, keys = registration_row(record)
        if row["status"] == AWAITING:
            awaiting.append(rid)
        updates.append({f"b_{name}": value for name, value in row.items()})
        rekeyed.append(rid)
        new_keys.extend({"key": key, "registration_id": rid} for key in keys)
    if updates:
        conn.execute(_UPDATE, updates)
    if tombstones:
        conn.execute(_TOMBSTONE, tombstones)
    if rekeyed:
        conn.execute(delete(_keys).where(_keys.c.registration_id.in_(rekeyed)))
    if new_keys:
        conn.execute(insert(_keys), new_keys)
    # A tombstone of a registration never seen carries no number, so it has nothing to store.
    inserted = insert_new_registrations(conn, fresh)
    return UpsertResult(
        inserted=inserted,
        updated=len(updates) + len(tombstones),
        skipped_stale=stale,
        live_awaiting_ids=tuple(awaiting),
    )
