"""Suggestions for an unknown parcel: each reason found and ranked first, kept true by the feed, refused to a clerk."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from scanstation.domain import Act, AuditKind, NotAllowedError
from scanstation.review.suggest import Suggestion, SuggestionReason, needles, suggest, suggest_for
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.registrations import RegistrationRecord, upsert_registrations
from scanstation.tracking import parse_scan
from scanstation.tracking.checks import fedex_check
from scanstation.tracking.samples import sample_number
from tests.receiving.conftest import Register
from tests.review.conftest import CLERK, SUPERVISOR

UPS = "1Z999AA10123456784"


def _fedex12(body11: str) -> str:
    return body11 + str(fedex_check(body11))


def _first(engine: Store, scanned: str) -> Suggestion:
    found = suggest_for(engine, scanned)
    assert found, f"nothing suggested for {scanned!r}"
    return found[0]


def test_one_character_wrong(engine: Store, register: Register) -> None:
    record = register(UPS)
    register("1Z999AA10123450000")  # not as close
    first = _first(engine, "1Z999AA10123456794")
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.CLOSE_TYPO)
    assert first.words == "one character differs: 9 where the registration has 8 (position 17)"


def test_two_characters_wrong(engine: Store, register: Register) -> None:
    record = register(UPS)
    first = _first(engine, "1Z999AA10123406794")
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.CLOSE_TYPO)
    assert first.words == (
        "two characters differ: 0 where the registration has 5 (position 14), 9 where it has 8 (position 17)"
    )


def test_both_wrong_characters_in_the_second_half_are_found_by_the_first(engine: Store, register: Register) -> None:
    record = register(UPS)
    first = _first(engine, "1Z999AA10123450780")  # positions 16 and 18 of 18
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.CLOSE_TYPO)


def test_a_character_missing(engine: Store, register: Register) -> None:
    record = register(UPS)
    first = _first(engine, "1Z999AA1012345784")
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.CLOSE_TYPO)
    assert first.words == "one character missing: the registration has 6 at position 15"


def test_two_neighbouring_digits_swapped(engine: Store, register: Register) -> None:
    record = register(UPS)
    first = _first(engine, "1Z999AA10123457684")
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.SWAPPED)
    assert first.words == "two neighbouring characters swapped: 76 where the registration has 67 (positions 15-16)"


def test_the_same_last_digits_with_another_beginning(engine: Store, register: Register) -> None:
    number = sample_number(random.Random(3), "usps").tracking_number
    record = register(number)
    scanned = "420" + "7" * 9 + number[-10:]
    first = _first(engine, scanned)
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.SAME_TAIL)
    assert first.words.startswith(f"the same last 10 characters ({number[-10:]})")


def test_the_order_number_typed_into_the_tracking_field(engine: Store, register: Register) -> None:
    record = register("113-1111111-2222222", order_number=UPS)
    first = _first(engine, UPS)
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.ORDER_NUMBER)
    assert first.words.startswith(f"the scanned number {UPS} is this registration's order number")


def test_the_fedex_number_inside_a_barcode_the_station_does_not_read_as_fedex(
    engine: Store, register: Register
) -> None:
    fedex = _fedex12("12345678901")
    record = register(fedex)
    barcode = "91" + "0" * 19 + "7" + fedex  # 34 digits; a 9 not followed by 6 is not a FedEx 34
    assert fedex not in parse_scan(barcode).keys
    first = _first(engine, barcode)
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.SAME_LABEL)
    assert (
        first.words
        == f"the registration's number {fedex} is printed inside the scanned barcode (characters 23-34 of 34)"
    )


def test_the_long_barcode_registered_and_the_short_number_scanned(engine: Store, register: Register) -> None:
    fedex = _fedex12("12345678901")
    record = register("91" + "0" * 19 + "7" + fedex)
    first = _first(engine, fedex)
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.SAME_LABEL)


def test_a_number_registered_without_its_carrier_prefix(engine: Store, register: Register) -> None:
    record = register("482019305746")
    first = _first(engine, "TBA482019305746")
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.OTHER_CARRIER)
    assert "TBA482019305746" in first.words and "482019305746" in first.words


def test_an_exact_match_is_no_suggestion_and_nothing_far_away_is_suggested(engine: Store, register: Register) -> None:
    register(UPS)
    assert suggest_for(engine, UPS) == []
    assert suggest_for(engine, "1Z000BB99999999990") == []


def _write(engine: Store, record: RegistrationRecord) -> None:
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [record])


def test_a_deleted_registration_is_never_suggested(engine: Store, register: Register) -> None:
    record = register(UPS)
    assert suggest_for(engine, "1Z999AA10123456794")
    _write(engine, RegistrationRecord(id=record.id, updated_at=record.updated_at + timedelta(hours=1), deleted=True))
    assert suggest_for(engine, "1Z999AA10123456794") == []
    assert suggest_for(engine, "420777777777" + UPS[-10:]) == []


def test_an_edited_number_is_suggested_under_its_new_number_only(engine: Store, register: Register) -> None:
    record = register(UPS)
    new = _fedex12("98765432109")
    edited = RegistrationRecord(
        id=record.id,
        updated_at=record.updated_at + timedelta(hours=1),
        tracking_typed=new,
        customer_id=record.customer_id,
        customer_name=record.customer_name,
        customer_suite=record.customer_suite,
    )
    _write(engine, edited)
    assert suggest_for(engine, "1Z999AA10123456794") == []
    first = _first(engine, new[:5] + new[6] + new[5] + new[7:])
    assert (first.registration_id, first.reason) == (record.id, SuggestionReason.SWAPPED)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "\x00\x1d\x1e\x04",
        "]C1\x1d",
        "<b>1Z</b><script>alert(1)</script>",
        "'; DROP TABLE registrations; --",
        "%_%_%_%_%_%_%_%_",
        "\u202e\u200b48\u2066",
        "9" * 5000,
        "ЖЖЖЖЖЖЖЖЖЖЖЖ",
    ],
)
def test_markup_control_characters_and_garbage_suggest_nothing(engine: Store, register: Register, garbage: str) -> None:
    register(UPS)
    assert suggest_for(engine, garbage) == []


def test_control_characters_around_a_number_are_framing(engine: Store, register: Register) -> None:
    record = register(UPS)
    first = _first(engine, "\x02]C0<1Z999AA10123456794>\r\n")
    assert first.registration_id == record.id
    assert needles("\x1d1Z999AA10123456794\x1e") == ["1Z999AA10123456794"]


def test_a_clerk_is_refused_suggestions_and_it_is_audited(engine: Store, register: Register) -> None:
    register(UPS)
    with pytest.raises(NotAllowedError):
        suggest(engine, CLERK, "1Z999AA10123456794", station="st-test")
    assert suggest(engine, SUPERVISOR, "1Z999AA10123456794", station="st-test")
    refused = read(engine, AuditFilter(kinds=(AuditKind.REFUSED,)))
    assert [(r.actor, r.target, r.station) for r in refused] == [("anna", Act.RESOLVE_EXCEPTION.value, "st-test")]


def test_a_still_awaited_registration_ranks_before_a_received_one(engine: Store, register: Register) -> None:
    shipped = register(UPS, status="shipped", updated_at=datetime(2026, 11, 27, tzinfo=UTC))
    awaited = register("1Z999AA10123456775")
    found = suggest_for(engine, "1Z999AA10123456774")
    assert [s.registration_id for s in found[:2]] == [awaited.id, shipped.id]
