"""Searching registrations by anything a supervisor may hold: part of a number, suite, name, order, store."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

from sqlalchemy import Connection, Select, String, Table, bindparam, select

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor
from scanstation.review.suggest import key_range
from scanstation.store.connection import Store
from scanstation.store.models import CustomerTerm, Registration, RegistrationKey
from scanstation.store.registrations import (
    NAME_TERM,
    ORDER_TERM,
    STORE_TERM,
    SUITE_TERM,
    code_term,
    name_words,
    store_term,
)
from scanstation.tracking import parse_typed
from scanstation.tracking.parsing import CYRILLIC_LOOKALIKES

__all__ = ["RegistrationHit", "search_for", "search_registrations"]

_reg = cast(Table, Registration.__table__)
_keys = cast(Table, RegistrationKey.__table__)
_terms = cast(Table, CustomerTerm.__table__)


@dataclass(frozen=True, slots=True)
class RegistrationHit:
    """One registration a search found, and which of its fields matched (`matched_on`)."""

    registration_id: str
    tracking_number: str | None
    tracking_typed: str
    customer_suite: str
    customer_name: str
    store: str
    order_number: str
    status: str
    deleted: bool
    matched_on: str  # tracking, suite, name, order, store


_MAX_TEXT: Final = 200  # what a person types into a search field; past this it is pasted text
_MIN_PART: Final = 4  # the fewest characters of a tracking number searched by its beginning or end
_CUSTOMERS: Final = 200  # customers whose name has the word looked at, at most
_RE_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")
_DROP_INSIDE: Final = dict.fromkeys(map(ord, " -._/"), None)
# Top of a range of text of any script that begins with a given prefix (searching's text is NFKC, no controls).
_TOP_CHAR: Final = "\U0010ffff"

_FIELDS: Final = (
    _reg.c.id,
    _reg.c.tracking_number,
    _reg.c.tracking_typed,
    _reg.c.customer_suite,
    _reg.c.customer_name,
    _reg.c.store,
    _reg.c.order_number,
    _reg.c.status,
    _reg.c.deleted,
)


def _by_key(column: Any, *, exact: bool) -> Select[Any]:
    condition = column == bindparam("text", type_=String) if exact else key_range(column, bindparam("text"))
    return (
        select(*_FIELDS)
        .select_from(_keys.join(_reg, _reg.c.id == _keys.c.registration_id))
        .where(condition)
        .limit(bindparam("cap"))
    )


_WHOLE: Final = _by_key(_keys.c.key, exact=True)
_BEGINNING: Final = _by_key(_keys.c.key, exact=False)
_ENDING: Final = _by_key(_keys.c.rkey, exact=False)
# Customers by a term of customer_terms (exact, or every term beginning with it), then their registrations.
_CUSTOMERS_EXACT: Final = select(_terms.c.customer_id).where(_terms.c.term == bindparam("term")).limit(_CUSTOMERS)
_CUSTOMERS_FROM: Final = (
    select(_terms.c.customer_id)
    .where(_terms.c.term.between(bindparam("term", type_=String), bindparam("term") + _TOP_CHAR))
    .limit(_CUSTOMERS)
)
# ix_registrations_customer_id_order_number; the rows are checked against what was asked (see _Check).
_OF_CUSTOMERS: Final = (
    select(*_FIELDS, _reg.c.customer_id)
    .where(_reg.c.customer_id.in_(bindparam("ids", expanding=True)))
    .order_by(_reg.c.customer_id, _reg.c.order_number, _reg.c.id)
    .limit(bindparam("cap"))
)
_PER_CUSTOMER: Final = 4  # registrations of the customers found read per hit wanted, at most


def _clean(text: str) -> str:
    """What a person meant to type: NFKC, control and invisible characters gone, spaces single."""
    text = unicodedata.normalize("NFKC", text[:_MAX_TEXT])
    return " ".join(_RE_CONTROL.sub(" ", text).split())


def _tracking_part(text: str) -> str | None:
    """The text as a piece of a tracking number (upper-case letters and digits, separators gone), or None."""
    part = text.upper().translate(CYRILLIC_LOOKALIKES).translate(_DROP_INSIDE)
    if len(part) >= _MIN_PART and part.isascii() and part.isalnum() and any(c.isdigit() for c in part):
        return part
    return None


def _hit(row: Any, matched_on: str) -> RegistrationHit:
    return RegistrationHit(
        row.id,
        row.tracking_number,
        row.tracking_typed,
        row.customer_suite,
        row.customer_name,
        row.store,
        row.order_number,
        row.status,
        bool(row.deleted),
        matched_on,
    )


def search_for(store: Store, text: str, *, limit: int = 50) -> list[RegistrationHit]:
    """The registrations `text` names, best first; no role check. Deleted ones are found too (marked so).

    Best first: the whole tracking number, the order number, the suite (its beginning), the beginning
    of a tracking number, its end, a customer's name (each word of `text` beginning a word of the name,
    without case, any script), the store. Each by an index (the keys, the reversed keys, customer_terms);
    never a scan of the table.
    """
    needle = _clean(text)
    if not needle or limit <= 0:
        return []
    found: dict[str, RegistrationHit] = {}

    def take(conn: Connection, statement: Select[Any], matched_on: str, **params: Any) -> None:
        if len(found) >= limit:
            return
        for row in conn.execute(statement, {**params, "cap": limit}):
            if row.id not in found and len(found) < limit:
                found[row.id] = _hit(row, matched_on)

    def of_customers(conn: Connection, ids: list[str], matched_on: str, fits: Callable[[Any], bool]) -> None:
        if not ids or len(found) >= limit:
            return
        for row in conn.execute(_OF_CUSTOMERS, {"ids": ids, "cap": limit * _PER_CUSTOMER}):
            # The index may hold a term a customer no longer has (renamed, an order edited): the row decides.
            if row.id not in found and len(found) < limit and fits(row):
                found[row.id] = _hit(row, matched_on)

    def customers(conn: Connection, term: str, *, exact: bool) -> list[str]:
        statement = _CUSTOMERS_EXACT if exact else _CUSTOMERS_FROM
        return list(conn.execute(statement, {"term": term}).scalars())

    part = _tracking_part(needle)
    code = code_term(needle)
    words = name_words(needle)
    shop = store_term(needle)
    with store.connect() as conn:  # SQLite: the feed is attached
        if part is not None:
            for key in sorted(parse_typed(needle).keys | {part}):
                take(conn, _WHOLE, "tracking", text=key)
        if code:
            ids = customers(conn, ORDER_TERM + code, exact=True)
            of_customers(conn, ids, "order", lambda row: code_term(row.order_number) == code)
            # The suite itself first: UN-1000 is also the beginning of UN-10001 ... UN-10009 and their parcels.
            ids = customers(conn, SUITE_TERM + code, exact=True)
            of_customers(conn, ids, "suite", lambda row: code_term(row.customer_suite) == code)
            ids = customers(conn, SUITE_TERM + code, exact=False)
            of_customers(conn, ids, "suite", lambda row: code_term(row.customer_suite).startswith(code))
        if part is not None:
            take(conn, _BEGINNING, "tracking", text=part)
            take(conn, _ENDING, "tracking", text=part[::-1])
        if words:
            # The rarest-looking word (the longest) finds the customers; every word must begin a word of the name.
            ids = customers(conn, NAME_TERM + max(words, key=len), exact=False)

            def named(row: Any) -> bool:
                have = name_words(row.customer_name)
                return all(any(w.startswith(q) for w in have) for q in words)

            of_customers(conn, ids, "name", named)
        if shop:
            ids = customers(conn, STORE_TERM + shop, exact=True)
            of_customers(conn, ids, "store", lambda row: store_term(row.store) == shop)
    return list(found.values())


def search_registrations(
    store: Store, actor: Actor, text: str, *, limit: int = 50, station: str = ""
) -> list[RegistrationHit]:
    """search_for, for a supervisor (a clerk's refusal is audited)."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    return search_for(store, text, limit=limit)
