"""Who may undo: a clerk their own scan inside its window; anything else a supervisor, and that is audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from scanstation.domain import Act, Actor, AuditKind, NotAllowedError, Role, Scan
from scanstation.receiving import Receiver
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store
from scanstation.store.models import ScanLog

from .conftest import Register

UPS = "1Z999AA10123456784"
ANNA = Actor("anna", Role.CLERK, "Anna")
BORIS = Actor("boris", Role.CLERK, "Boris")
SVEN = Actor("sven", Role.SUPERVISOR, "Sven")


def _undone_at(engine: Store, scan_id: str) -> object:
    with engine.connect() as conn:
        return conn.execute(select(ScanLog.undone_at).where(ScanLog.id == scan_id)).scalar_one()


def test_a_clerk_undoes_their_own_scan_in_the_window_without_an_audit_row(
    engine: Store, receiver: Receiver, register: Register
) -> None:
    register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    assert receiver.undo(verdict.scan_id, ANNA).undone
    assert read(engine, AuditFilter()) == []


def test_a_clerk_is_refused_another_clerks_scan_and_the_refusal_is_audited(
    engine: Store, receiver: Receiver, register: Register
) -> None:
    register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    with pytest.raises(NotAllowedError, match=r"^Boris is a clerk: undoing another operator's scan") as refused:
        receiver.undo(verdict.scan_id, BORIS)
    assert refused.value.act is Act.UNDO_OTHERS_SCAN
    assert _undone_at(engine, verdict.scan_id) is None
    [row] = read(engine, AuditFilter())
    assert (row.kind, row.actor, row.target) == (AuditKind.REFUSED, "boris", Act.UNDO_OTHERS_SCAN.value)


def test_a_clerk_is_refused_their_own_scan_past_its_window(
    engine: Store, make_receiver: Callable[..., Receiver], register: Register
) -> None:
    receiver = make_receiver(undo_window_s=0)
    register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    with pytest.raises(NotAllowedError, match="past its undo window"):
        receiver.undo(verdict.scan_id, ANNA)
    assert _undone_at(engine, verdict.scan_id) is None
    assert [r.kind for r in read(engine, AuditFilter())] == [AuditKind.REFUSED]


def test_a_supervisors_undo_of_anothers_scan_is_audited(
    engine: Store, make_receiver: Callable[..., Receiver], register: Register
) -> None:
    receiver = make_receiver(undo_window_s=0)
    register(UPS)
    verdict = receiver.receive(Scan(UPS, "dock1"), "anna")
    result = receiver.undo(verdict.scan_id, SVEN)
    assert result.undone and result.compensated
    [row] = read(engine, AuditFilter())
    assert (row.kind, row.actor, row.role, row.target) == (AuditKind.SCAN_UNDONE, "sven", "supervisor", verdict.scan_id)
    assert row.detail.startswith("another operator's scan: undone after the window")
