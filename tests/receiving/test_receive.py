"""Receiving rules: each outcome, what it records, undo, typed entry and late matches, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from scanstation.domain import NOTE_RESOLVED_LATER, Actor, Outcome, Role, Scan
from scanstation.receiving import NOTE_DELETED, Receiver, parcel_status
from scanstation.store.connection import Store
from scanstation.store.models import OutboxEvent, ReviewItem, ScanLog, UnknownParcel
from scanstation.tracking.samples import sample_number

from .conftest import Register

ANNA = Actor("anna", Role.CLERK)
BORIS = Actor("boris", Role.SUPERVISOR)

UPS = "1Z999AA10123456784"


def _number(carrier: str, seed: int) -> str:
    return sample_number(random.Random(seed), carrier).tracking_number


def _events(engine: Store, state: str | None = None) -> list[dict[str, object]]:
    query = select(OutboxEvent.payload, OutboxEvent.state).order_by(OutboxEvent.seq)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [json.loads(p) for p, s in rows if state is None or s == state]


def _count(engine: Store, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def _status(engine: Store, parcel_id: str) -> str:
    with engine.connect() as conn:
        return str(parcel_status(conn, parcel_id))


def test_matched_records_status_scan_and_two_events(engine: Store, receiver: Receiver, register: Register) -> None:
    reg = register(UPS, services=("photo", "remove_invoice"))
    verdict = receiver.receive(Scan(f"]C0{UPS}\r", "dock1"), "anna")

    assert verdict.outcome is Outcome.MATCHED
    assert (verdict.parcel_id, verdict.customer_suite, verdict.customer_name) == (reg.id, "UN-1234", "Иван Петров")
    assert (verdict.store, verdict.order_number, verdict.carrier) == ("amazon.com", reg.order_number, "ups")
    assert verdict.services == ("photo", "remove_invoice")
    assert (verdict.order_parcels_here, verdict.order_parcels_total) == (1, 1)
    assert verdict.latency_ms > 0
    assert _status(engine, reg.id) == "at_warehouse"

    events = _events(engine)
    assert [e["type"] for e in events] == ["parcel.status_changed", "notification.requested"]
    changed, notify = events
    assert changed["parcel_id"] == reg.id
    assert changed["tracking_number"] == UPS
    assert (changed["status"], changed["previous_status"]) == ("at_warehouse", "awaiting")
    assert changed["operator"] == "anna"
    assert str(changed["occurred_at"]).endswith("Z")
    assert notify["kind"] == "parcel_arrived"
    assert {e["id"] for e in events} == set(verdict.events)

    with engine.connect() as conn:
        row = conn.execute(select(ScanLog).where(ScanLog.id == verdict.scan_id)).mappings().one()
        held = conn.execute(select(OutboxEvent.not_before)).scalars().all()
    assert (row["outcome"], row["scanner"], row["operator"], row["station_id"]) == (
        "matched",
        "dock1",
        "anna",
        "st-test",
    )
    assert verdict.undo_deadline is not None
    assert all(nb == verdict.undo_deadline for nb in held), "events are held for the undo window"


def test_number_typed_with_spaces_and_lower_case_still_matches(receiver: Receiver, register: Register) -> None:
    register("1z 999 aa1 01 2345 6784 (boots)")
    assert receiver.receive(Scan(UPS, "dock1"), "anna").outcome is Outcome.MATCHED


def test_usps_impb_scan_matches_the_typed_pic(receiver: Receiver, register: Register) -> None:
    sample = sample_number(random.Random(5), "usps")
    pic = sample.tracking_number
    register(" ".join(pic[i : i + 4] for i in range(0, len(pic), 4)))
    verdict = receiver.receive(Scan(sample.label_scans[0], "dock1"), "anna")
    assert verdict.outcome is Outcome.MATCHED
    assert verdict.tracking_number == pic


def test_split_order_progress(receiver: Receiver, register: Register) -> None:
    numbers = [_number("ups", seed) for seed in (1, 2, 3)]
    for number in numbers:
        register(number, order_number="ORD-1")
    register(_number("fedex", 9), order_number="ORD-2")
    receiver.receive(Scan(numbers[0], "dock1"), "anna")
    second = receiver.receive(Scan(numbers[2], "dock1"), "anna")
    assert (second.order_parcels_here, second.order_parcels_total) == (2, 3)


def test_second_scan_is_duplicate_and_says_who_and_when(engine: Store, receiver: Receiver, register: Register) -> None:
    register(UPS)
    first = receiver.receive(Scan(UPS, "dock1", at=datetime(2026, 11, 27, 10, 32, tzinfo=UTC)), "anna")
    events_before = _count(engine, OutboxEvent)
    again = receiver.receive(Scan(UPS, "dock2"), "boris")
    assert again.outcome is Outcome.DUPLICATE
    assert again.first_receipt is not None
    assert again.first_receipt.at == first.at
    assert (again.first_receipt.operator, again.first_receipt.station_id) == ("anna", "st-test")
    assert _count(engine, OutboxEvent) == events_before, "a duplicate sends nothing"


def test_parcel_received_by_another_station_is_duplicate(receiver: Receiver, register: Register) -> None:
    register(UPS, status="at_warehouse")
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert verdict.outcome is Outcome.DUPLICATE
    assert verdict.note == "received by another station"


def test_unknown_flags_once_then_duplicate(engine: Store, receiver: Receiver) -> None:
    verdict = receiver.receive(Scan(f"{UPS}\r\n", "dock1"), "anna")
    assert verdict.outcome is Outcome.UNKNOWN
    assert verdict.unknown_id is not None
    (event,) = _events(engine)
    assert event["type"] == "parcel.unknown"
    assert (event["local_id"], event["tracking_number"], event["carrier"]) == (verdict.unknown_id, UPS, "ups")
    assert event["raw_scan"] == f"{UPS}\r\n"

    again = receiver.receive(Scan(UPS, "dock2"), "boris")
    assert again.outcome is Outcome.DUPLICATE
    assert again.unknown_id == verdict.unknown_id
    assert again.first_receipt is not None and again.first_receipt.operator == "anna"
    assert _count(engine, UnknownParcel) == 1
    assert len(_events(engine)) == 1


def test_deleted_registration_counts_as_none_and_says_so(receiver: Receiver, register: Register, engine: Store) -> None:
    from scanstation.store.engine import write_transaction
    from scanstation.store.registrations import RegistrationRecord, upsert_registrations

    reg = register(UPS)
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [RegistrationRecord(id=reg.id, updated_at=datetime.now(UTC), deleted=True)])
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert verdict.outcome is Outcome.UNKNOWN
    assert verdict.note == NOTE_DELETED


def test_two_customers_with_one_number_is_ambiguous(engine: Store, receiver: Receiver, register: Register) -> None:
    a = register(UPS, customer_id="c_1", customer_suite="UN-1")
    b = register(UPS.lower(), customer_id="c_2", customer_suite="UN-2")
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert verdict.outcome is Outcome.AMBIGUOUS
    assert set(verdict.candidates) == {a.id, b.id}
    suites = dict(zip(verdict.candidates, verdict.candidate_suites, strict=True))
    assert suites == {a.id: "UN-1", b.id: "UN-2"}
    assert _status(engine, a.id) == _status(engine, b.id) == "awaiting"
    assert _events(engine) == []
    receiver.receive(Scan(UPS, "dock1"), "anna")
    assert _count(engine, ReviewItem) == 1, "the same case is put before a supervisor once"


def test_parcel_past_the_warehouse_is_not_expected(engine: Store, receiver: Receiver, register: Register) -> None:
    reg = register(UPS, status="shipped")
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert verdict.outcome is Outcome.NOT_EXPECTED
    assert _status(engine, reg.id) == "shipped"
    assert _events(engine) == []


@pytest.mark.parametrize(
    "raw",
    ["hello", "", "\x00\x01\x02", "\udcff\udcfe broken utf-8", "4207874", "x" * 65536],
    ids=["word", "empty", "binary", "surrogates", "routing-only", "64k"],
)
def test_garbage_is_invalid_and_logged(engine: Store, receiver: Receiver, raw: str) -> None:
    verdict = receiver.receive(Scan(raw, "dock1"), "anna")
    assert verdict.outcome is Outcome.INVALID
    with engine.connect() as conn:
        stored = conn.execute(select(ScanLog.raw, ScanLog.outcome).where(ScanLog.id == verdict.scan_id)).one()
    assert stored.outcome == "invalid"
    assert len(stored.raw) < 5000
    assert _events(engine) == []


def test_typed_entry_goes_through_the_same_rules(engine: Store, receiver: Receiver, register: Register) -> None:
    register(UPS)
    verdict = receiver.receive(Scan("1Z 999 AA1 01 2345 6784", "keyboard", typed=True), "anna")
    assert verdict.outcome is Outcome.MATCHED
    with engine.connect() as conn:
        assert conn.execute(select(ScanLog.typed).where(ScanLog.id == verdict.scan_id)).scalar_one() is True


def test_undo_inside_window_reverts_and_sends_nothing(engine: Store, receiver: Receiver, register: Register) -> None:
    reg = register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    result = receiver.undo(verdict.scan_id, ANNA)
    assert result.undone and not result.compensated
    assert _status(engine, reg.id) == "awaiting"
    assert _events(engine, "pending") == []
    assert receiver.receive(Scan(UPS, "dock1"), "anna").outcome is Outcome.MATCHED, "it can be received again"
    assert not receiver.undo(verdict.scan_id, ANNA).undone, "a scan is undone once"


def test_undo_of_unknown_inside_window_forgets_it(engine: Store, receiver: Receiver) -> None:
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert receiver.undo(verdict.scan_id, ANNA).undone
    assert _count(engine, UnknownParcel) == 0
    assert _events(engine, "pending") == []
    assert receiver.receive(Scan(UPS, "dock1"), "anna").outcome is Outcome.UNKNOWN


def test_undo_after_window_sends_a_compensating_event(
    engine: Store, make_receiver: Callable[..., Receiver], register: Register
) -> None:
    receiver = make_receiver(undo_window_s=0)
    reg = register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    result = receiver.undo(verdict.scan_id, BORIS)
    assert result.undone and result.compensated
    assert _status(engine, reg.id) == "awaiting"
    last = _events(engine, "pending")[-1]
    assert (last["type"], last["status"], last["previous_status"]) == (
        "parcel.status_changed",
        "awaiting",
        "at_warehouse",
    )
    assert last["operator"] == "boris"
    assert len(_events(engine, "pending")) == 3


def test_late_registration_resolves_the_unknown_parcel(engine: Store, receiver: Receiver, register: Register) -> None:
    unknown = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert receiver.resolve_unknowns() == []
    reg = register(f"{UPS} - sneakers")
    (verdict,) = receiver.resolve_unknowns([reg.id])
    assert verdict.outcome is Outcome.MATCHED
    assert verdict.resolved_later and verdict.note == NOTE_RESOLVED_LATER
    assert (verdict.parcel_id, verdict.unknown_id, verdict.customer_suite) == (reg.id, unknown.unknown_id, "UN-1234")
    assert _status(engine, reg.id) == "at_warehouse"
    types = [e["type"] for e in _events(engine)]
    assert types == ["parcel.unknown", "parcel.status_changed", "notification.requested", "parcel.unknown_resolved"]
    resolved = _events(engine)[-1]
    assert (resolved["resolution"], resolved["parcel_id"], resolved["local_id"]) == (
        "matched",
        reg.id,
        unknown.unknown_id,
    )
    assert receiver.resolve_unknowns() == [], "resolved once"
    assert receiver.receive(Scan(UPS, "dock1"), "anna").outcome is Outcome.DUPLICATE


def test_an_incomplete_read_is_invalid_even_when_it_looks_like_a_number(
    engine: Store, receiver: Receiver, register: Register
) -> None:
    register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1", incomplete=True), "anna")
    assert verdict.outcome is Outcome.INVALID
    assert verdict.note is not None and "cut off" in verdict.note
    assert _events(engine) == []
