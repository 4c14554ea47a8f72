"""Feed registrations into rows: the one place that computes match keys and upserts them."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, text, update

from scanstation.domain import AWAITING
from scanstation.store.models import Registration, RegistrationKey
from scanstation.tracking import parse_typed

_reg = cast("Table", Registration.__table__)
_keys = cast("Table", RegistrationKey.__table__)

_RE_WORD: Final = re.compile(r"[^\W_]+")
_MAX_WORDS: Final = 8  # of a name: past that it is not a name worth searching word by word
_MAX_TERM: Final = 60
_DROPPED_IN_CODES: Final = " -#._/"
_DROP_IN_CODES: Final = dict.fromkeys(map(ord, _DROPPED_IN_CODES), None)
_ASCII_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_ASCII_LOWER: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# ON CONFLICT DO NOTHING: the same customer's terms arrive with each of their registrations.
_ADD_TERMS: Final = text(
    "INSERT INTO customer_terms (term, customer_id) VALUES (:term, :customer_id) ON CONFLICT DO NOTHING"
)
# The kinds of customer_terms, each its own range of the index: "n:анна", "s:UN10001", "o:1131234567", "t:ebay.com".
NAME_TERM: Final = "n:"
SUITE_TERM: Final = "s:"
ORDER_TERM: Final = "o:"
STORE_TERM: Final = "t:"
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
# The registration values customer_terms reads, in its parameters' order (positions in REGISTRATION_COLUMNS).
TERM_COLUMNS: Final = ("customer_id", "customer_name", "customer_suite", "order_number", "store")


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


def key_row(key: str, rid: str) -> dict[str, str]:
    """A registration_keys row: the key, its registration and the key reversed (found by its tail)."""
    return {"key": key, "registration_id": rid, "rkey": key[::-1]}


def name_words(name: str) -> list[str]:
    """The words of a customer's name as searching finds them: lower case, letters and digits, any script."""
    words: list[str] = []
    for word in _RE_WORD.findall(name.lower()):
        if word not in words:
            words.append(word[:_MAX_TERM])
        if len(words) == _MAX_WORDS:
            break
    return words


def code_term(value: str) -> str:
    """An order number or suite as searching compares it: ASCII upper case, no spaces, dashes, dots, '#', '_', '/'.

    ASCII only, as SQLite's upper() (see code_term_sql, which must give the same).
    """
    return value.translate(_DROP_IN_CODES).translate(_ASCII_UPPER)[:_MAX_TERM]


def store_term(value: str) -> str:
    """A store as searching compares it: ASCII lower case, without spaces around (as store_term_sql)."""
    return value.strip(" ").translate(_ASCII_LOWER)[:_MAX_TERM]


def code_term_sql(column: str) -> str:
    """code_term in SQLite's SQL (upper() there is ASCII-only, like code_term's)."""
    inner = column
    for char in _DROPPED_IN_CODES:
        inner = f"replace({inner}, '{char}', '')"
    return f"substr(upper({inner}), 1, {_MAX_TERM})"


def store_term_sql(column: str) -> str:
    """store_term in SQLite's SQL."""
    return f"substr(lower(trim({column}, ' ')), 1, {_MAX_TERM})"


def customer_terms(name: str, suite: str, order_number: str, store: str) -> list[str]:
    """The customer_terms of one registration's customer fields (name words, suite, order, store)."""
    terms = [NAME_TERM + word for word in name_words(name)]
    for kind, value in ((SUITE_TERM, code_term(suite)), (ORDER_TERM, code_term(order_number))):
        if value:
            terms.append(kind + value)
    shop = store_term(store)
    if shop:
        terms.append(STORE_TERM + shop)
    return terms


def term_rows(values: Iterable[tuple[str, str, str, str, str]]) -> list[dict[str, str]]:
    """customer_terms rows of registrations' TERM_COLUMNS values, each once."""
    seen: set[tuple[str, str]] = set()
    for customer_id, name, suite, order_number, store in values:
        for term in customer_terms(name, suite, order_number, store):
            seen.add((term, customer_id))
    return [{"term": term, "customer_id": customer_id} for term, customer_id in seen]


def name_term_rows(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """customer_terms rows (term, customer id) of the name words of (customer id, name) pairs."""
    return [(NAME_TERM + word, customer_id) for customer_id, name in pairs for word in name_words(name)]


def add_customer_terms(conn: Connection, values: Iterable[tuple[str, str, str, str, str]]) -> None:
    """Index the customer terms of registrations' TERM_COLUMNS values in the caller's transaction."""
    rows = term_rows(values)
    if rows:
        conn.execute(_ADD_TERMS, rows)


def _term_values(row: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (row["customer_id"], row["customer_name"], row["customer_suite"], row["order_number"], row["store"])


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
    terms: list[dict[str, str]]


def new_rows(records: Sequence[RegistrationRecord]) -> NewRows:
    """The rows `insert_new_registrations` writes (tombstones skipped), without writing them."""
    rows: list[dict[str, Any]] = []
    key_rows: list[dict[str, str]] = []
    for record in records:
        if record.deleted:
            continue
        row, keys = registration_row(record)
        rows.append(row)
        key_rows.extend(key_row(key, record.id) for key in keys)
    return NewRows(rows, key_rows, term_rows(_term_values(row) for row in rows))


def insert_rows(conn: Connection, rows: NewRows) -> int:
    """Bulk-insert rows from `new_rows` in the caller's transaction."""
    if rows.registrations:
        conn.execute(insert(_reg), rows.registrations)
    if rows.keys:
        conn.execute(insert(_keys), rows.keys)
    if rows.terms:
        conn.execute(_ADD_TERMS, rows.terms)
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
    - an edit recomputes the match keys (and indexes the customer's terms).

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
    renamed: list[tuple[str, str, str, str, str]] = []
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
        new_keys.extend(key_row(key, rid) for key in keys)
        renamed.append(_term_values(row))
    if updates:
        conn.execute(_UPDATE, updates)
    if tombstones:
        conn.execute(_TOMBSTONE, tombstones)
    if rekeyed:
        conn.execute(delete(_keys).where(_keys.c.registration_id.in_(rekeyed)))
    if new_keys:
        conn.execute(insert(_keys), new_keys)
    add_customer_terms(conn, renamed)
    # A tombstone of a registration never seen carries no number, so it has nothing to store.
    inserted = insert_new_registrations(conn, fresh)
    return UpsertResult(
        inserted=inserted,
        updated=len(updates) + len(tombstones),
        skipped_stale=stale,
        live_awaiting_ids=tuple(awaiting),
    )
