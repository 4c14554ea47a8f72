"""Suggestions for an unknown parcel: the registrations it may be, best first, each with its reason in words."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, cast

from sqlalchemy import ARRAY, Connection, Select, String, Table, bindparam, func, select
from sqlalchemy.sql.selectable import TableValuedAlias

from scanstation.access.refusals import check
from scanstation.domain import AWAITING, Act, Actor
from scanstation.store.connection import Store
from scanstation.store.feedfile import search_index_ready
from scanstation.store.models import CustomerTerm, Registration, RegistrationKey, UnknownParcel
from scanstation.store.registrations import ORDER_TERM, code_term
from scanstation.tracking import parse_scan, parse_typed
from scanstation.tracking.parsing import CYRILLIC_LOOKALIKES

__all__ = [
    "Suggestion",
    "SuggestionReason",
    "key_range",
    "needles",
    "suggest",
    "suggest_for",
    "suggest_for_unknown",
    "values_table",
]

_reg = cast(Table, Registration.__table__)
_keys = cast(Table, RegistrationKey.__table__)
_unknown = cast(Table, UnknownParcel.__table__)
_terms = cast(Table, CustomerTerm.__table__)


class SuggestionReason(StrEnum):
    """Why a registration may be the parcel; the GUI words each in the operator's language."""

    CLOSE_TYPO = "close_typo"  # one or two characters differ
    SWAPPED = "swapped"  # two neighbouring characters swapped
    SAME_TAIL = "same_tail"  # the same last 8 to 10 characters
    ORDER_NUMBER = "order_number"  # the customer typed the store's order number into the tracking field
    SAME_LABEL = "same_label"  # another number printed on the same label (FedEx 12 inside the 34-digit barcode)
    OTHER_CARRIER = "other_carrier"  # registered in another carrier's format of the same number


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One registration an unknown parcel may be, with why (`reason`, and `words` in English)."""

    registration_id: str
    tracking_number: str | None
    tracking_typed: str
    customer_suite: str
    customer_name: str
    store: str
    order_number: str
    reason: SuggestionReason
    words: str
    score: int  # lower is better
    status: str = AWAITING
    matched_key: str = ""  # the registration's match key the reason compares with


# ----------------------------------------------------------------------------------------------- input

_MAX_INPUT: Final = 400  # characters of a scan looked at: a label's numbers are all near its start
_MAX_NEEDLES: Final = 4
_MIN_NEEDLE: Final = 8  # shorter runs (a suite, a ZIP, markup) are never a tracking number worth guessing at
_MAX_NEEDLE: Final = 41  # the longest format (see tracking.parsing._MAX_RUN)
_RE_RUN: Final = re.compile(r"[0-9A-Z]+")
_RE_AIM: Final = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_DROP_INSIDE: Final = dict.fromkeys(map(ord, " -._"), None)
_RE_LETTER_HEAD: Final = re.compile(r"^(?:1Z|1LS|[A-Z]+)")
_RE_LETTER_TAIL: Final = re.compile(r"[A-Z]+$")
# Window lengths looked for inside a longer scanned number: the numbers carriers print inside their
# barcodes (FedEx 12 in 16/32/34, Ground 15 in 22, USPS 20/22 after 420+ZIP, SSCC 18/20, DHL 10/11).
_WINDOWS: Final = (10, 11, 12, 14, 15, 18, 20, 22, 26)


def needles(scanned: str) -> list[str]:
    """The numbers a scan (or what a supervisor typed) may hold: its match keys, then its long letter-digit runs.

    A number with a typo fails its check digit and has no key, so the runs count too. Markup, control
    characters and short pieces give nothing to look for.
    """
    return _needles(scanned)[0]


def _needles(scanned: str) -> tuple[list[str], int]:
    """needles, and how many of the first ones may hold a typo: the keys, or (no key at all) every run.

    A scan whose keys were read has a number the scanner checked: its other runs (a ZIP, a shipper's
    account, the whole barcode) are looked for as they are, not by every variant of a typo.
    """
    found: list[str] = []
    parsed = parse_scan(scanned)
    for key in sorted(parsed.keys, key=lambda k: (-len(k), k)):
        if _MIN_NEEDLE <= len(key) <= _MAX_NEEDLE and key not in found:
            found.append(key)
    keyed = len(found)
    text = unicodedata.normalize("NFKC", scanned[:_MAX_INPUT])
    text = _RE_AIM.sub("", text.lstrip("\x00\x02\x03 ")).upper().translate(CYRILLIC_LOOKALIKES)
    for run in _RE_RUN.findall(text.translate(_DROP_INSIDE)):
        if _MIN_NEEDLE <= len(run) <= _MAX_NEEDLE and run not in found:
            found.append(run)
    found = found[:_MAX_NEEDLES]
    return found, min(keyed, len(found)) if keyed else len(found)


def _core(number: str) -> str:
    """A number without the letters a carrier's format adds at its ends (TBA, 1Z, LX...CN, C/D)."""
    return _RE_LETTER_TAIL.sub("", _RE_LETTER_HEAD.sub("", number))


# ----------------------------------------------------------------------------------------------- probes

# Every key is upper-case ASCII letters and digits (tracking.ParsedScan): every key beginning with p lies
# between p and p + TOP, in bytewise and in the usual locale orders alike.
TOP: Final = "Z" * 48
_ALPHABET_DIGITS: Final = "0123456789"
_ALPHABET_ALNUM: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def key_range(column: Any, prefix: Any) -> Any:
    """`column` starts with `prefix` (letters and digits), as a range its b-tree index answers."""
    return column.between(prefix, prefix + TOP)


def values_table(dialect: str, name: str) -> TableValuedAlias:
    """A list of strings passed as one parameter `name`, as a table of one column `value`.

    JSON on SQLite, an array on PostgreSQL (as sync.pull does): one statement for any number of probes.
    """
    if dialect == "postgresql":
        return func.unnest(bindparam(name, type_=ARRAY(String))).table_valued("value").render_derived()
    return func.json_each(bindparam(name, type_=String)).table_valued("value")


def values_param(conn: Connection, values: Iterable[str]) -> object:
    import json

    listed = list(values)
    return listed if conn.dialect.name == "postgresql" else json.dumps(listed, separators=(",", ":"))


def _columns() -> tuple[Any, ...]:
    return (
        _keys.c.key,
        _reg.c.id,
        _reg.c.tracking_number,
        _reg.c.tracking_typed,
        _reg.c.customer_suite,
        _reg.c.customer_name,
        _reg.c.store,
        _reg.c.order_number,
        _reg.c.status,
    )


@functools.cache
def _exact(dialect: str) -> Select[Any]:
    probes = values_table(dialect, "probes")
    return (
        select(*_columns())
        .select_from(probes.join(_keys, _keys.c.key == probes.c.value).join(_reg, _reg.c.id == _keys.c.registration_id))
        .where(_reg.c.deleted.is_(False))
        .limit(bindparam("cap"))
    )


@functools.cache
def _tails(dialect: str) -> Select[Any]:
    """Keys whose reversed form starts with one of the probes (a range on ix_registration_keys_rkey per probe)."""
    probes = values_table(dialect, "probes")
    return (
        select(*_columns())
        .select_from(
            probes.join(_keys, _keys.c.rkey.between(probes.c.value, probes.c.value + TOP)).join(
                _reg, _reg.c.id == _keys.c.registration_id
            )
        )
        .where(_reg.c.deleted.is_(False))
        .limit(bindparam("cap"))
    )


@functools.cache
def _one_range(column: Any) -> Select[Any]:
    return (
        select(*_columns())
        .select_from(_keys.join(_reg, _reg.c.id == _keys.c.registration_id))
        .where(key_range(column, bindparam("prefix", type_=String)), _reg.c.deleted.is_(False))
        .limit(bindparam("cap"))
    )


_CUSTOMERS_BY_TERM: Final = (
    select(_terms.c.customer_id).where(_terms.c.term.in_(bindparam("terms", expanding=True))).limit(200)
)
_OF_CUSTOMERS: Final = (
    select(_reg.c.order_number.label("key"), *_columns()[1:])
    .where(_reg.c.customer_id.in_(bindparam("ids", expanding=True)), _reg.c.deleted.is_(False))
    .limit(2000)
)


def _order_rows(conn: Connection, numbers: Sequence[str]) -> list[Any]:
    """Registrations whose order number is one of `numbers` (customer_terms, then the customers' registrations)."""
    ids = list(conn.execute(_CUSTOMERS_BY_TERM, {"terms": [ORDER_TERM + n for n in numbers]}).scalars())
    if not ids:
        return []
    wanted = set(numbers)
    return [row for row in conn.execute(_OF_CUSTOMERS, {"ids": ids}) if code_term(row.order_number) in wanted]


def _substitutions(part: str) -> list[str]:
    """Every string one character away from `part` (digits stay digits; letters may be any letter or digit)."""
    out: list[str] = []
    for i, char in enumerate(part):
        for other in _ALPHABET_DIGITS if char.isdigit() else _ALPHABET_ALNUM:
            if other != char:
                out.append(part[:i] + other + part[i + 1 :])
    return out


@dataclass(slots=True)
class _Probes:
    exact: set[str]
    tails: set[str]  # reversed prefixes of keys (keys ending with the reversed string)
    tail_cap: list[str]  # reversed prefixes asked one by one with their own cap (less selective)
    heads: list[str]  # prefixes of keys


def _probes(numbers: Sequence[str], typos: int) -> _Probes:
    """What to look up for each number, so that every relation a suggestion names is found by an index.

    Two characters wrong: with the number cut in halves, either the second half has at most one error
    (its exact form or one of its one-character variants ends the key: the reversed-key index) or both
    are in it and the first half is whole (a key range). A character missing or extra leaves one half whole.
    Only the first `typos` numbers are looked for with typos (see _needles).
    """
    exact: set[str] = set()
    tails: set[str] = set()
    tail_cap: list[str] = []
    heads: list[str] = []
    for index, n in enumerate(numbers):
        length = len(n)
        for width in _WINDOWS:
            if width < length:
                exact.update(n[i : i + width] for i in range(length - width + 1))
        core = _core(n)
        if len(core) >= _MIN_NEEDLE and core != n:
            exact.add(core)
        tail_cap.append(n[-_MIN_NEEDLE:][::-1])
        tail_cap.append(n[::-1])  # a longer registered number ending with this one
        if index >= typos:
            continue
        exact.update(n[:i] + n[i + 1] + n[i] + n[i + 2 :] for i in range(length - 1) if n[i] != n[i + 1])
        half = length // 2
        second = n[half:]
        if len(second) >= 5:
            tails.update(v[::-1] for v in _substitutions(second))
        tail_cap.append(second[::-1])
        heads.append(n[:half])
    exact.difference_update(numbers)
    return _Probes(exact, tails, list(dict.fromkeys(tail_cap)), list(dict.fromkeys(heads)))


# ----------------------------------------------------------------------------------------------- reasons

_CAP_EXACT: Final = 500
_CAP_VARIANTS: Final = 500
_CAP_RANGE: Final = 200  # per range of a less selective kind (the first half of a number, its last 8)


def _positions(a: int, b: int | None = None) -> str:
    return f"position {a + 1}" if b is None else f"positions {a + 1}-{b + 1}"


def _one_edit(short: str, long: str) -> int | None:
    """The position in `long` whose removal gives `short`, or None."""
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return i if short[i:] == long[i + 1 :] else None


def _relate(n: str, k: str, scanned_carrier: str | None, typed: str) -> tuple[SuggestionReason, str, int] | None:
    """How the scanned number `n` and a registration's key `k` are related, in words, with a score (lower is better)."""
    if n == k:
        return None
    ln, lk = len(n), len(k)
    if ln == lk:
        diff = [i for i in range(ln) if n[i] != k[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and n[diff[0]] == k[diff[1]] and n[diff[1]] == k[diff[0]]:
            a = diff[0]
            words = (
                f"two neighbouring characters swapped: {n[a : a + 2]} where the registration has "
                f"{k[a : a + 2]} ({_positions(a, a + 1)})"
            )
            return SuggestionReason.SWAPPED, words, 8
        if len(diff) == 1:
            a = diff[0]
            words = f"one character differs: {n[a]} where the registration has {k[a]} ({_positions(a)})"
            return SuggestionReason.CLOSE_TYPO, words, 10
        if len(diff) == 2:
            a, b = diff
            words = (
                f"two characters differ: {n[a]} where the registration has {k[a]} ({_positions(a)}), "
                f"{n[b]} where it has {k[b]} ({_positions(b)})"
            )
            return SuggestionReason.CLOSE_TYPO, words, 20
    elif ln == lk + 1 and (extra := _one_edit(k, n)) is not None:
        words = f"one character too many: {n[extra]} at {_positions(extra)} is not in the registration's number"
        return SuggestionReason.CLOSE_TYPO, words, 12
    elif lk == ln + 1 and (missing := _one_edit(n, k)) is not None:
        words = f"one character missing: the registration has {k[missing]} at {_positions(missing)}"
        return SuggestionReason.CLOSE_TYPO, words, 12
    if lk >= 10 and lk < ln and (at := n.find(k)) >= 0:
        rest = n[:at] + n[at + lk :]
        if rest.isalpha():
            return SuggestionReason.OTHER_CARRIER, _other_carrier(n, k, scanned_carrier, typed), 16
        words = (
            f"the registration's number {k} is printed inside the scanned barcode "
            f"(characters {at + 1}-{at + lk} of {ln})"
        )
        return SuggestionReason.SAME_LABEL, words, 14
    if ln >= 10 and ln < lk and (at := k.find(n)) >= 0:
        rest = k[:at] + k[at + ln :]
        if rest.isalpha():
            return SuggestionReason.OTHER_CARRIER, _other_carrier(n, k, scanned_carrier, typed), 16
        words = (
            f"the scanned number is part of the longer number the customer registered, {k} "
            f"(characters {at + 1}-{at + ln} of {lk}): another barcode of the same label"
        )
        return SuggestionReason.SAME_LABEL, words, 14
    core = _core(n)
    if len(core) >= _MIN_NEEDLE and core == _core(k):
        return SuggestionReason.OTHER_CARRIER, _other_carrier(n, k, scanned_carrier, typed), 16
    common = 0
    while common < min(ln, lk) and n[-1 - common] == k[-1 - common]:
        common += 1
    if common >= _MIN_NEEDLE:
        shown = min(common, 10)
        words = f"the same last {shown} characters ({k[-shown:]}); the beginning differs: {k}"
        return SuggestionReason.SAME_TAIL, words, 40 - shown
    return None


def _other_carrier(n: str, k: str, scanned_carrier: str | None, typed: str) -> str:
    registered = parse_typed(typed).carrier
    as_what = f"read as a {registered.upper()} number" if registered else "in no carrier's format"
    label = f"the label's {scanned_carrier.upper()} number" if scanned_carrier else "the scanned number"
    return f"the same digits as {label} {n}: the customer registered {k} ({as_what})"


def _order_words(n: str, typed: str) -> str:
    words = f"the scanned number {n} is this registration's order number: the customer swapped the fields"
    if parse_typed(typed).tracking_number is None or typed.strip() == "":
        return f"{words} (its tracking field holds {typed.strip() or 'nothing'})"
    return words


# ----------------------------------------------------------------------------------------------- search


def _rows(conn: Connection, numbers: Sequence[str], typos: int) -> list[Any]:
    probes = _probes(numbers, typos)
    rows: list[Any] = []
    if probes.exact:
        params = {"probes": values_param(conn, sorted(probes.exact)), "cap": _CAP_EXACT}
        rows += conn.execute(_exact(conn.dialect.name), params).all()
    by_head = _one_range(_keys.c.key)
    for prefix in probes.heads:
        rows += conn.execute(by_head, {"prefix": prefix, "cap": _CAP_RANGE}).all()
    if not search_index_ready(conn):
        return rows  # right after a first fill, until build_search_index: no reversed keys to range over yet
    if probes.tails:
        params = {"probes": values_param(conn, sorted(probes.tails)), "cap": _CAP_VARIANTS}
        rows += conn.execute(_tails(conn.dialect.name), params).all()
    by_tail = _one_range(_keys.c.rkey)
    for prefix in probes.tail_cap:
        rows += conn.execute(by_tail, {"prefix": prefix, "cap": _CAP_RANGE}).all()
    return rows


def suggest_for(store: Store, scanned: str, *, limit: int = 5) -> list[Suggestion]:
    """The registrations `scanned` (a raw scan or a number) may be, best first; no role check.

    Every candidate comes from an index (the keys, the reversed keys, the order numbers), never from a
    scan of the table; see _probes. A deleted registration is never suggested.
    """
    numbers, typos = _needles(scanned)
    if not numbers:
        return []
    scanned_carrier = parse_scan(scanned).carrier
    best: dict[str, Suggestion] = {}
    with store.connect() as conn:  # SQLite: the feed is attached
        rows = _rows(conn, numbers, typos)
        orders = _order_rows(conn, numbers)
    exact = {row.id for row in rows if row.key in numbers}  # the scan matches these already: nothing to suggest
    found: list[tuple[Any, SuggestionReason, str, int]] = []
    for row in orders:
        if row.id not in exact:
            number = order_number_needle(row.order_number, numbers)
            found.append((row, SuggestionReason.ORDER_NUMBER, _order_words(number, row.tracking_typed), 14))
    for row in rows:
        if row.id in exact:
            continue
        for n in numbers:
            related = _relate(n, row.key, scanned_carrier, row.tracking_typed)
            if related is not None:
                found.append((row, *related))
    for row, reason, words, score in found:
        held = best.get(row.id)
        if held is not None and held.score <= score:
            continue
        best[row.id] = Suggestion(
            row.id,
            row.tracking_number,
            row.tracking_typed,
            row.customer_suite,
            row.customer_name,
            row.store,
            row.order_number,
            reason,
            words,
            score,
            row.status,
            row.key,
        )
    # Ties: a parcel still awaited before one already received or shipped.
    ranked = sorted(best.values(), key=lambda s: (s.score, s.status != AWAITING, s.registration_id))
    return ranked[: max(0, limit)]


def order_number_needle(order_number: str, numbers: Sequence[str]) -> str:
    """Which scanned number an order number equals (as code_term compares them)."""
    flat = code_term(order_number)
    return next((n for n in numbers if n == flat), numbers[0])


def suggest(store: Store, actor: Actor, scanned: str, *, limit: int = 5, station: str = "") -> list[Suggestion]:
    """suggest_for, for a supervisor (a clerk's refusal is audited)."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    return suggest_for(store, scanned, limit=limit)


def suggest_for_unknown(
    store: Store, actor: Actor, unknown_id: str, *, limit: int = 5, station: str = ""
) -> list[Suggestion] | None:
    """suggest for an unknown parcel by its id (its raw scan); None when there is no such unknown parcel."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    with store.connect() as conn:
        raw = conn.execute(select(_unknown.c.raw_scan).where(_unknown.c.id == unknown_id)).scalar()
    if raw is None:
        return None
    return suggest_for(store, raw, limit=limit)
