"""Resolutions recorded like a scan, refused for a clerk (audited), undone inside the window with nothing sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from scanstation.domain import Actor, AuditKind, NotAllowedError, Outcome, Role, Scan
from scanstation.receiving import Receiver
from scanstation.review.queue import ExceptionFilter, ExceptionKind, count_open, list_exceptions
from scanstation.review.resolve import ResolutionError, Resolutions
from scanstation.store import audit
from scanstation.store.audit import AuditFilter
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import OutboxEvent, Receipt, Resolution, ReviewItem, UnknownParcel
from scanstation.store.outbox import Rejection, mark_sent_and_rejected
from tests.receiving.conftest import Register

from .conftest import CLERK, SUPERVISOR

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _scan(receiver: Receiver, raw: str) -> Any:
    return receiver.receive(Scan(raw=raw, scanner="dock-1", at=AT), "anna")


def _events(engine: Store, scan_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxEvent.payload, OutboxEvent.state).where(OutboxEvent.scan_id == scan_id))
        return [{**json.loads(p), "_state": s} for p, s in rows]


def _shape(events: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    drop = {"id", "occurred_at", "operator", "_state", "note", "local_id"}
    return sorted(
        (e["type"], e.get("parcel_id"), json.dumps({k: v for k, v in e.items() if k not in drop})) for e in events
    )


def _unknown(receiver: Receiver, number: str) -> str:
    verdict = _scan(receiver, number)
    assert verdict.outcome is Outcome.UNKNOWN
    # Past the shelving scan's window: only the resolution's own events are held.
    with write_transaction(receiver.engine) as conn:
        conn.execute(update(OutboxEvent).values(not_before=AT))
    assert verdict.unknown_id is not None
    return str(verdict.unknown_id)


def test_a_match_records_what_a_matched_scan_records_plus_unknown_resolved(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    uid = _unknown(receiver, "TBA000000000111")
    reg = register("TBA000000000222")
    twin = register("TBA000000000333")
    matched = _scan(receiver, "TBA000000000333")  # what a matched scan records, to compare with
    assert matched.outcome is Outcome.MATCHED
    done = resolutions.match_unknown(SUPERVISOR, f"unknown:{uid}", reg.id, note="label torn")
    ours = _events(engine, done.id)
    assert _shape([e for e in ours if e["type"] != "parcel.unknown_resolved"]) == [
        (t, reg.id, shape.replace(twin.id, reg.id).replace("TBA000000000333", "TBA000000000222"))
        for t, _p, shape in _shape(_events(engine, matched.scan_id))
    ]
    resolved = [e for e in ours if e["type"] == "parcel.unknown_resolved"]
    assert resolved == [
        {**resolved[0], "local_id": uid, "resolution": "matched", "parcel_id": reg.id, "note": "label torn"}
    ]
    assert {e["_state"] for e in ours} == {"pending"} and len(ours) == 3
    with engine.connect() as conn:
        assert conn.execute(select(Receipt.scan_id).where(Receipt.registration_id == reg.id)).scalar() == done.id
        row = conn.execute(
            select(UnknownParcel.resolution, UnknownParcel.resolved_registration_id, UnknownParcel.resolved_by).where(
                UnknownParcel.id == uid
            )
        ).one()
    assert tuple(row) == ("matched", reg.id, "boris")
    assert count_open(engine)[ExceptionKind.UNKNOWN] == 0
    kinds = [e.kind for e in audit.read(engine, AuditFilter(target=f"unknown:{uid}"))]
    assert kinds == [AuditKind.EXCEPTION_RESOLVED.value]


def test_an_undo_inside_the_window_cancels_every_event_and_reopens_the_unknown(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    uid = _unknown(receiver, "TBA000000000111")
    reg = register("TBA000000000222")
    done = resolutions.match_unknown(SUPERVISOR, uid, reg.id)
    resolutions.undo_resolution(SUPERVISOR, done.id)
    assert {e["_state"] for e in _events(engine, done.id)} == {"cancelled"}
    with engine.connect() as conn:
        assert conn.execute(select(Receipt).where(Receipt.registration_id == reg.id)).first() is None
    assert count_open(engine)[ExceptionKind.UNKNOWN] == 1
    with pytest.raises(ResolutionError, match="already undone"):
        resolutions.undo_resolution(SUPERVISOR, done.id)
    kinds = [e.kind for e in audit.read(engine, AuditFilter(target=f"unknown:{uid}"))]
    assert kinds == [AuditKind.RESOLUTION_UNDONE.value, AuditKind.EXCEPTION_RESOLVED.value]
    assert resolutions.match_unknown(SUPERVISOR, uid, reg.id).action == "matched"  # it can be matched again


def test_close_unknown_sends_the_contracts_resolution_word(
    engine: Store, receiver: Receiver, resolutions: Resolutions
) -> None:
    uid = _unknown(receiver, "TBA000000000111")
    with pytest.raises(ResolutionError):
        resolutions.close_unknown(SUPERVISOR, uid, "returned", "to the carrier")
    done = resolutions.close_unknown(SUPERVISOR, uid, "returned_to_sender", "to the carrier")
    [event] = _events(engine, done.id)
    assert (event["type"], event["resolution"], event["note"]) == (
        "parcel.unknown_resolved",
        "returned_to_sender",
        "to the carrier",
    )
    assert "parcel_id" not in event


def test_an_ambiguous_pick_is_the_recording_of_a_match(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    one = register("TBA000000000444", customer_id="c_1")
    register("TBA000000000444", customer_id="c_2")
    assert _scan(receiver, "TBA000000000444").outcome is Outcome.AMBIGUOUS
    [item] = list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.AMBIGUOUS,)))
    assert one.id in item.candidates
    done = resolutions.pick_ambiguous(SUPERVISOR, item.id, one.id, note="suite on the label")
    assert sorted(e["type"] for e in _events(engine, done.id)) == ["notification.requested", "parcel.status_changed"]
    assert list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.AMBIGUOUS,))) == []
    [closed] = list_exceptions(engine, SUPERVISOR, ExceptionFilter(kinds=(ExceptionKind.AMBIGUOUS,), open_only=False))
    assert (closed.resolved, closed.resolution) == (True, "picked")


def _rejected(engine: Store, receiver: Receiver, register: Register) -> tuple[str, str]:
    reg = register("TBA000000000555")
    verdict = _scan(receiver, "TBA000000000555")
    event_id = verdict.events[0]
    with write_transaction(engine) as conn:
        conn.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(state="pending"))
        mark_sent_and_rejected(conn, [], [Rejection(event_id, "parcel_deleted: gone", "parcel_deleted", "gone")], AT)
        number = conn.execute(select(ReviewItem.id).where(ReviewItem.event_id == event_id)).scalar_one()
    assert reg.id
    return f"review:{number}", event_id


def test_a_rejected_event_is_queued_again_once_with_its_own_id(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    item, event_id = _rejected(engine, receiver, register)
    assert count_open(engine)[ExceptionKind.REJECTED_EVENT] == 1
    resolutions.retry_event(SUPERVISOR, item)
    with engine.connect() as conn:
        assert conn.execute(select(OutboxEvent.state).where(OutboxEvent.id == event_id)).scalar() == "pending"
    with pytest.raises(ResolutionError, match="closed"):
        resolutions.retry_event(SUPERVISOR, item)
    assert count_open(engine)[ExceptionKind.REJECTED_EVENT] == 0


def test_a_correction_reverts_the_wrong_parcel_and_receives_the_right_one(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    wrong = register("TBA000000000666")
    right = register("TBA000000000777")
    verdict = _scan(receiver, "TBA000000000666")
    done = resolutions.correct_scan(SUPERVISOR, verdict.scan_id, right.id, note="wrong label read")
    events = _events(engine, done.id)
    assert sorted((e["type"], e["parcel_id"], e.get("status")) for e in events) == sorted(
        [
            ("notification.requested", right.id, None),
            ("parcel.status_changed", right.id, "at_warehouse"),
            ("parcel.status_changed", wrong.id, "awaiting"),
        ]
    )
    with engine.connect() as conn:
        receipts = set(conn.execute(select(Receipt.registration_id)).scalars())
    assert receipts == {right.id}
    [entry] = audit.read(engine, AuditFilter(kinds=(AuditKind.SCAN_CORRECTED.value,)))
    assert entry.before == {"registration_id": wrong.id}
    assert isinstance(entry.after, dict) and entry.after["registration_id"] == right.id
    resolutions.undo_resolution(SUPERVISOR, done.id)
    with engine.connect() as conn:
        assert set(conn.execute(select(Receipt.registration_id)).scalars()) == {wrong.id}
    assert {e["_state"] for e in _events(engine, done.id)} == {"cancelled"}


def test_a_clerk_is_refused_every_resolution_and_each_refusal_is_audited(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    uid = _unknown(receiver, "TBA000000000111")
    reg = register("TBA000000000222")
    done = resolutions.match_unknown(SUPERVISOR, uid, reg.id)
    attempts: list[Callable[[], object]] = [
        lambda: list_exceptions(engine, CLERK, ExceptionFilter()),
        lambda: resolutions.match_unknown(CLERK, uid, reg.id),
        lambda: resolutions.close_unknown(CLERK, uid, "disposed", "x"),
        lambda: resolutions.pick_ambiguous(CLERK, "review:1", reg.id),
        lambda: resolutions.acknowledge(CLERK, "review:1", "x"),
        lambda: resolutions.retry_event(CLERK, "review:1"),
        lambda: resolutions.dismiss(CLERK, "review:1", "x"),
        lambda: resolutions.correct_scan(CLERK, "s", reg.id),
        lambda: resolutions.undo_resolution(CLERK, done.id),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowedError):
            attempt()
    refused = audit.read(engine, AuditFilter(kinds=(AuditKind.REFUSED.value,)))
    assert len(refused) == len(attempts) and {e.actor for e in refused} == {"anna"}
    assert {e.target for e in refused} == {"review.resolve", "scan.correct"}
    with engine.connect() as conn:
        assert conn.execute(select(Resolution.undone_at).where(Resolution.id == done.id)).scalar() is None
    assert resolutions.undo_resolution(Actor("root", Role.ADMIN), done.id).action == "undone"  # an admin may
