"""The decision alone, without a database: each outcome from what the registrations and the unknown shelf say."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scanstation.domain import AT_WAREHOUSE, AWAITING, NOTE_RESOLVED_LATER, FirstReceipt, Outcome
from scanstation.receiving.decide import (
    NOTE_ALREADY_FLAGGED,
    NOTE_DELETED,
    NOTE_INCOMPLETE,
    Candidate,
    Decision,
    OpenUnknown,
    decide,
    decide_late_match,
    needs_open_unknown,
)
from scanstation.tracking import ParsedScan

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SCAN = ParsedScan("1Z999AA10123456784", frozenset({"1Z999AA10123456784"}), "1Z999AA10123456784", "ups", None)
NO_KEYS = ParsedScan("hello", frozenset(), None, None, None, "not a tracking number")


def _candidate(reg_id: str = "p-1", **fields: object) -> Candidate:
    base = Candidate(
        id=reg_id,
        tracking_number="1Z999AA10123456784",
        status=AWAITING,
        deleted=False,
        updated_at=AT,
        receipt=None,
        customer_suite="A-17",
        customer_name="Anna",
        store="shop",
        order_number="ORD-1",
        services=("photo",),
        order_total=3,
        order_here=1,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


UNKNOWN = OpenUnknown(
    id="u-1",
    tracking_number="1Z999AA10123456784",
    carrier="ups",
    raw_scan="1Z999AA10123456784",
    keys=frozenset({"1Z999AA10123456784"}),
    first_seen_at=AT,
    station_id="st-2",
    operator="olga",
)


def test_one_live_awaiting_registration_is_matched_and_counts_itself_in_its_order() -> None:
    reg = _candidate()
    assert decide(SCAN, [reg], None) == Decision(
        Outcome.MATCHED,
        registration=reg,
        status=AT_WAREHOUSE,
        previous_status=AWAITING,
        order_parcels_here=2,
        order_parcels_total=3,
    )


def test_a_registration_without_an_order_has_no_order_progress() -> None:
    decision = decide(SCAN, [_candidate(order_number="")], None)
    assert (decision.order_parcels_here, decision.order_parcels_total) == (None, None)


def test_a_registration_received_here_is_a_duplicate_with_its_receipt() -> None:
    receipt = FirstReceipt(AT, "st-test", "ivan")
    decision = decide(SCAN, [_candidate(status=AT_WAREHOUSE, receipt=receipt)], None)
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.first_receipt == receipt
    assert decision.note is None
    assert (decision.status, decision.previous_status) == (AT_WAREHOUSE, None)
    assert (decision.order_parcels_here, decision.order_parcels_total) == (1, 3)


def test_a_registration_the_feed_says_is_at_the_warehouse_was_received_by_another_station() -> None:
    decision = decide(SCAN, [_candidate(status=AT_WAREHOUSE)], None)
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.first_receipt == FirstReceipt(AT, None, None)
    assert decision.note == "received by another station"


def test_several_live_registrations_are_ambiguous() -> None:
    candidates = [_candidate("p-2", customer_suite="B-2"), _candidate("p-1"), _candidate("p-3", deleted=True)]
    decision = decide(SCAN, candidates, None)
    assert decision == Decision(
        Outcome.AMBIGUOUS,
        note="2 registrations share this number",
        candidates=("p-1", "p-2"),
        candidate_suites=("A-17", "B-2"),  # the clerk's screen names them
    )


def test_a_registration_in_another_status_is_not_expected() -> None:
    reg = _candidate(status="shipped")
    assert decide(SCAN, [reg], None) == Decision(
        Outcome.NOT_EXPECTED, note="status is shipped", registration=reg, status="shipped"
    )


def test_no_registration_is_a_new_unknown_parcel() -> None:
    assert needs_open_unknown([])
    assert decide(SCAN, [], None) == Decision(Outcome.UNKNOWN)


def test_only_deleted_registrations_make_an_unknown_parcel_that_says_so() -> None:
    deleted = [_candidate(deleted=True)]
    assert needs_open_unknown(deleted)
    assert decide(SCAN, deleted, None) == Decision(Outcome.UNKNOWN, note=NOTE_DELETED)


def test_an_unknown_parcel_already_on_the_shelf_is_a_duplicate_of_it() -> None:
    decision = decide(SCAN, [], UNKNOWN)
    assert decision == Decision(
        Outcome.DUPLICATE,
        note=NOTE_ALREADY_FLAGGED,
        unknown=UNKNOWN,
        first_receipt=FirstReceipt(AT, "st-2", "olga"),
    )
    assert not decision.resolves_unknown


def test_a_live_registration_wins_over_the_unknown_shelf() -> None:
    assert not needs_open_unknown([_candidate()])
    assert decide(SCAN, [_candidate()], UNKNOWN).outcome is Outcome.MATCHED


@pytest.mark.parametrize(
    ("parsed", "incomplete", "note"),
    [(SCAN, True, NOTE_INCOMPLETE), (NO_KEYS, False, "not a tracking number")],
)
def test_a_cut_off_read_or_one_without_keys_is_invalid(parsed: ParsedScan, incomplete: bool, note: str) -> None:
    assert decide(parsed, [_candidate()], None, incomplete=incomplete) == Decision(Outcome.INVALID, note=note)


def test_a_late_match_is_what_a_scan_would_match_and_resolves_the_unknown() -> None:
    reg = _candidate()
    decision = decide_late_match(UNKNOWN, [reg])
    assert decision == replace(decide(SCAN, [reg], None), unknown=UNKNOWN, note=NOTE_RESOLVED_LATER)
    assert decision is not None and decision.resolves_unknown


@pytest.mark.parametrize(
    "candidates",
    [
        [],
        [_candidate(deleted=True)],
        [_candidate("p-1"), _candidate("p-2")],
        [_candidate(status=AT_WAREHOUSE)],
        [_candidate(status="shipped")],
    ],
    ids=["none", "deleted", "ambiguous", "already-here", "not-expected"],
)
def test_a_late_match_needs_exactly_one_live_awaiting_registration(candidates: list[Candidate]) -> None:
    assert decide_late_match(UNKNOWN, candidates) is None


def test_an_unknown_parcel_without_keys_is_never_matched_later() -> None:
    assert decide_late_match(replace(UNKNOWN, keys=frozenset()), [_candidate()]) is None
