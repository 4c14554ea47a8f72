"""count_open counts in SQL what list_exceptions lists, kind by kind, and stops counting bad registrations at a cap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scanstation.domain import Outcome, Scan, utcnow
from scanstation.receiving import Receiver
from scanstation.review.queue import QUICK_KINDS, ExceptionFilter, ExceptionKind, count_open, list_exceptions
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import OutboxEvent
from scanstation.store.outbox import Rejection, mark_sent_and_rejected
from scanstation.store.registrations import RegistrationRecord, upsert_registrations
from tests.receiving.conftest import Register

from .conftest import SUPERVISOR


def _scan(receiver: Receiver, raw: str) -> Outcome:
    return receiver.receive(Scan(raw=raw, scanner="dock-1", at=utcnow()), "anna").outcome


def test_each_kind_is_counted_as_it_is_listed(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    now = utcnow()
    for n in range(3):  # three unknown parcels, one of them resolved
        assert _scan(receiver, f"TBA00000000{n}111") is Outcome.UNKNOWN
    for n in range(2):  # two ambiguous scans
        register(f"TBA00000000{n}444", customer_id="c_1")
        register(f"TBA00000000{n}444", customer_id="c_2")
        assert _scan(receiver, f"TBA00000000{n}444") is Outcome.AMBIGUOUS
    register("TBA000000000555", status="delivered")
    assert _scan(receiver, "TBA000000000555") is Outcome.NOT_EXPECTED
    gone = [register(f"TBA00000000{n}666") for n in range(3)]  # received, then deleted; one dismissed
    for record in gone:
        assert _scan(receiver, record.tracking_typed) is Outcome.MATCHED
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [RegistrationRecord(id=r.id, updated_at=now, deleted=True) for r in gone])
    deleted_unreceived = register("TBA000000000777", updated_at=now - timedelta(days=30))
    with write_transaction(engine.feed) as conn:
        upsert_registrations(conn, [RegistrationRecord(id=deleted_unreceived.id, updated_at=now, deleted=True)])
    for n in range(4):  # bad registrations: a comment, no number at all
        register(f"hello there {n}", updated_at=now)
    register("TBA000000001111 leave at door", updated_at=now)
    for n in range(5):  # overdue, plus one received long after it was registered (not overdue)
        register(f"TBA00000000{n}888", updated_at=now - timedelta(days=20 + n))
    late = register("TBA000000009999", updated_at=now - timedelta(days=40))
    assert _scan(receiver, late.tracking_typed) is Outcome.MATCHED
    register("TBA000000000999", updated_at=now - timedelta(days=3))  # awaited, not overdue yet
    with write_transaction(engine) as conn:
        event_ids = conn.execute(select(OutboxEvent.id).order_by(OutboxEvent.seq).limit(2)).scalars().all()
        mark_sent_and_rejected(
            conn, [], [Rejection(e, "parcel_deleted: x", "parcel_deleted", "x") for e in event_ids], now
        )
    [first_unknown, *_] = list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.UNKNOWN,)))
    resolutions.close_unknown(SUPERVISOR, first_unknown.id, "returned_to_sender", "no label")
    resolutions.dismiss(SUPERVISOR, f"registration:{gone[0].id}", "customer told")

    counts = count_open(engine, now=now, cap=None)
    listed = {
        kind: len(list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(kind,), limit=10_000), now=now))
        for kind in ExceptionKind
    }
    assert counts == listed
    assert counts == {
        ExceptionKind.UNKNOWN: 2,
        ExceptionKind.AMBIGUOUS: 2,
        ExceptionKind.NOT_EXPECTED: 1,
        ExceptionKind.REJECTED_EVENT: 2,
        ExceptionKind.DELETED_AFTER_RECEIPT: 2,
        ExceptionKind.BAD_REGISTRATION: 5,
        ExceptionKind.OVERDUE: 5,
    }
    # Only the kinds asked for are counted; the quick ones are every kind but the two with a scan or a join.
    quick = count_open(engine, now=now, kinds=QUICK_KINDS)
    assert quick == {k: (counts[k] if k in QUICK_KINDS else 0) for k in ExceptionKind}
    # A cap stops the count of bad registrations past it: over the cap means "more than that".
    assert (
        count_open(engine, now=now, kinds=(ExceptionKind.BAD_REGISTRATION,), cap=2)[ExceptionKind.BAD_REGISTRATION] == 3
    )
    later = now + timedelta(days=30)  # every registration still awaited is overdue by then
    overdue_later = list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.OVERDUE,)), now=later)
    assert count_open(engine, now=later)[ExceptionKind.OVERDUE] == len(overdue_later) == 5 + 4 + 1 + 5
