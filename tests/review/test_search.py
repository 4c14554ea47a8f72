"""Searching registrations by part of a number, suite, name (any word's beginning, any case, Cyrillic), order, store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from scanstation.domain import Act, AuditKind, NotAllowedError
from scanstation.review.search import search_for, search_registrations
from scanstation.review.suggest import suggest_for
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.feedfile import build_search_index, feed_fill, search_index_ready
from scanstation.store.models import Registration, RegistrationKey
from scanstation.store.registrations import RegistrationRecord, new_rows, upsert_registrations
from tests.receiving.conftest import Register
from tests.review.conftest import CLERK, SUPERVISOR

UPS = "1Z999AA10123456784"
WHEN = datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC)


def _found(engine: Store, text: str) -> list[tuple[str, str]]:
    return [(hit.registration_id, hit.matched_on) for hit in search_for(engine, text)]


@pytest.fixture
def two(register: Register) -> tuple[RegistrationRecord, RegistrationRecord]:
    first = register(UPS)
    other = register(
        "9400111899223456789015",
        customer_id="c_78",
        customer_suite="UN-5678",
        customer_name="Anna-Maria Smirnova",
        order_number="WAL0001234",
        store="walmart.com",
    )
    return first, other


@pytest.mark.parametrize(
    "text", [UPS, "1z999aa10123456784", "1Z 999 AA1 0123 4567 84", " 1Z999AA1 ", "456784", "3456 784"]
)
def test_a_tracking_number_whole_with_or_without_spaces_its_beginning_or_its_last_digits(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord], text: str
) -> None:
    assert _found(engine, text) == [(two[0].id, "tracking")]


@pytest.mark.parametrize(
    ("text", "which", "field"),
    [
        ("UN-1234", 0, "suite"),
        ("un-1234", 0, "suite"),
        ("UN-56", 1, "suite"),
        ("пет", 0, "name"),
        ("ПЕТРОВ", 0, "name"),
        ("иван пет", 0, "name"),
        ("smir", 1, "name"),
        ("maria", 1, "name"),
        ("113-4567890-1234567", 0, "order"),
        ("11345678901234567", 0, "order"),
        ("wal0001234", 1, "order"),
        ("Walmart.com", 1, "store"),
    ],
)
def test_suite_name_order_and_store(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord], text: str, which: int, field: str
) -> None:
    assert _found(engine, text) == [(two[which].id, field)]


def test_a_whole_suite_comes_before_the_suites_it_begins(engine: Store, register: Register) -> None:
    longer = [register(UPS[:-2] + f"{i:02d}", customer_id=f"c_{i}", customer_suite=f"UN-1234{i}") for i in range(3)]
    exact = register("9400111899223456789015")  # UN-1234, the registrar's default suite
    assert [rid for rid, _ in _found(engine, "UN-1234")] == [exact.id, *(r.id for r in longer)]


def test_a_word_must_begin_a_word_of_the_name(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord]
) -> None:
    assert _found(engine, "етров") == []
    assert _found(engine, "иван смир") == []


def test_a_renamed_customer_is_found_by_the_new_name_only(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord]
) -> None:
    first = two[0]
    renamed = RegistrationRecord(
        id=first.id,
        updated_at=first.updated_at + timedelta(hours=1),
        tracking_typed=first.tracking_typed,
        customer_id=first.customer_id,
        customer_suite=first.customer_suite,
        customer_name="Иван Сидоров",
        order_number=first.order_number,
        store=first.store,
    )
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [renamed])
    assert _found(engine, "петров") == []
    assert _found(engine, "сидо") == [(first.id, "name")]


def test_a_deleted_registration_is_found_and_says_so(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord]
) -> None:
    first = two[0]
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [RegistrationRecord(first.id, first.updated_at + timedelta(hours=1), True)])
    (hit,) = search_for(engine, UPS)
    assert hit.deleted


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "\x00\x1d", "<b>%</b>", "%", "_", "'; DROP TABLE registrations; --", "\u202e" * 50, "x" * 10_000],
)
def test_markup_control_characters_and_garbage_find_nothing(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord], garbage: str
) -> None:
    assert search_for(engine, garbage) == []


def test_a_clerk_is_refused_searching_and_it_is_audited(
    engine: Store, two: tuple[RegistrationRecord, RegistrationRecord]
) -> None:
    with pytest.raises(NotAllowedError):
        search_registrations(engine, CLERK, "пет", station="st-test")
    assert search_registrations(engine, SUPERVISOR, "пет", station="st-test")
    refused = read(engine, AuditFilter(kinds=(AuditKind.REFUSED,)))
    assert [(r.actor, r.target, r.station) for r in refused] == [("anna", Act.RESOLVE_EXCEPTION.value, "st-test")]


def test_a_first_fill_leaves_the_search_index_for_after_it(sqlite_engine: Store) -> None:
    """A fill of an empty feed writes no reversed-key index and no terms; build_search_index makes both."""
    rows = new_rows([RegistrationRecord("p_1", WHEN, tracking_typed=UPS, customer_name="Иван Петров")])
    with sqlite_engine.feed.connect() as conn, feed_fill(conn) as fill:
        assert fill.deferred
        with write_transaction(conn):
            conn.execute(insert(Registration), rows.registrations)  # as the pull's fast path: no terms
            conn.execute(insert(RegistrationKey), rows.keys)
    with sqlite_engine.connect() as conn:
        assert not search_index_ready(conn)
    assert _found(sqlite_engine, "петров") == []
    assert suggest_for(sqlite_engine, "1Z999AA10123456794")  # by its keys' beginning, without the index
    assert build_search_index(sqlite_engine.feed) is not None
    assert build_search_index(sqlite_engine.feed) is None
    assert _found(sqlite_engine, "петров") == [("p_1", "name")]
    assert _found(sqlite_engine, "456784") == [("p_1", "tracking")]
    assert suggest_for(sqlite_engine, "420777777777" + UPS[-10:])[0].registration_id == "p_1"
