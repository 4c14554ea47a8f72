"""The queue lists and counts every kind of exception, and reading it needs a supervisor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from scanstation.domain import Outcome, Scan, utcnow
from scanstation.receiving import Receiver
from scanstation.review.queue import ExceptionFilter, ExceptionKind, count_open, list_exceptions, registration_problem
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import OutboxEvent, ReviewItem
from scanstation.store.outbox import Rejection, mark_sent_and_rejected
from scanstation.store.registrations import RegistrationRecord, upsert_registrations
from tests.receiving.conftest import Register

from .conftest import SUPERVISOR


def _scan(receiver: Receiver, raw: str) -> Outcome:
    return receiver.receive(Scan(raw=raw, scanner="dock-1", at=utcnow()), "anna").outcome


def test_registration_problems_say_what_the_station_made_of_the_input() -> None:
    assert registration_problem("tba 123456789012") is None
    assert "no valid tracking number" in (registration_problem("hello") or "")
    assert "several numbers" in (registration_problem("1Z999AA10123456784, 9400111899223100001234") or "")
    assert "TBA123456789012" in (registration_problem("TBA123456789012 leave at door") or "")


def test_every_kind_is_listed_and_counted(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    now = utcnow()
    assert _scan(receiver, "TBA000000000111") is Outcome.UNKNOWN
    register("TBA000000000444", customer_id="c_1")
    register("TBA000000000444", customer_id="c_2")
    assert _scan(receiver, "TBA000000000444") is Outcome.AMBIGUOUS
    register("TBA000000000555", status="delivered")
    assert _scan(receiver, "TBA000000000555") is Outcome.NOT_EXPECTED
    gone = register("TBA000000000666")
    assert _scan(receiver, "TBA000000000666") is Outcome.MATCHED
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [RegistrationRecord(id=gone.id, updated_at=now, deleted=True)])
    register("hello there", updated_at=now)
    old = register("TBA000000000888", updated_at=now - timedelta(days=20))
    register("TBA000000000999", updated_at=now - timedelta(days=3))
    with write_transaction(engine) as conn:
        event_id = conn.execute(select(OutboxEvent.id).limit(1)).scalar_one()
        mark_sent_and_rejected(conn, [], [Rejection(event_id, "parcel_deleted: x", "parcel_deleted", "x")], now)
    counts = count_open(engine, now=now)
    assert counts == dict.fromkeys(ExceptionKind, 1)
    items = list_exceptions(engine, SUPERVISOR, ExceptionFilter(), now=now)
    assert sorted(i.kind for i in items) == sorted(ExceptionKind)
    assert len({i.id for i in items}) == len(items)
    overdue = list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.OVERDUE,)), now=now)
    assert [i.registration_id for i in overdue] == [old.id]
    assert count_open(engine, now=now, overdue_days=2)[ExceptionKind.OVERDUE] == 4  # and the two ambiguous
    [deleted] = list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.DELETED_AFTER_RECEIPT,)))
    assert deleted.id == f"registration:{gone.id}"
    resolutions.dismiss(SUPERVISOR, deleted.id, "customer told")
    assert count_open(engine, now=now)[ExceptionKind.DELETED_AFTER_RECEIPT] == 0
    with engine.connect() as conn:
        assert conn.execute(select(ReviewItem.kind).where(ReviewItem.closed_at.is_(None))).scalars().all()
    before = datetime(2020, 1, 1, tzinfo=UTC)
    assert list_exceptions(engine, SUPERVISOR, ExceptionFilter(until=before)) == []
