"""Suggestions for an unknown parcel: the registrations it may be, best first, each with its reason in words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from sqlalchemy import Table, select

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor
from scanstation.store.connection import Store
from scanstation.store.models import Registration
from scanstation.tracking import parse_scan

__all__ = ["Suggestion", "SuggestionReason", "suggest", "suggest_for"]

_reg = cast(Table, Registration.__table__)


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


def suggest_for(store: Store, scanned: str, *, limit: int = 5) -> list[Suggestion]:
    """The registrations `scanned` (a raw scan or a number) may be, best first; no role check.

    Interface placeholder: a scan of the whole table, replaced by the indexed search.
    """
    parsed = parse_scan(scanned)
    wanted = parsed.tracking_number or scanned.strip().upper()
    found: list[Suggestion] = []
    with store.connect() as conn:  # SQLite: the feed is attached
        for row in conn.execute(select(_reg).where(_reg.c.deleted.is_(False))):
            number = row.tracking_number or ""
            differ = sum(a != b for a, b in zip(number, wanted, strict=False)) + abs(len(number) - len(wanted))
            if 0 < differ <= 2:
                found.append(
                    Suggestion(
                        row.id,
                        row.tracking_number,
                        row.tracking_typed,
                        row.customer_suite,
                        row.customer_name,
                        row.store,
                        row.order_number,
                        SuggestionReason.CLOSE_TYPO,
                        f"{differ} character(s) differ",
                        differ,
                    )
                )
    return sorted(found, key=lambda s: s.score)[:limit]


def suggest(store: Store, actor: Actor, scanned: str, *, limit: int = 5, station: str = "") -> list[Suggestion]:
    """suggest_for, for a supervisor (a clerk's refusal is audited)."""
    check(store, actor, Act.RESOLVE_EXCEPTION, station=station)
    return suggest_for(store, scanned, limit=limit)
