"""A parcel's page read by the core: every scan of it, its notes and resolutions; what a desk scan is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scanstation.domain import AuditKind, NotAllowedError, Outcome, Scan, Verdict
from scanstation.receiving import Receiver
from scanstation.review.parcel import locate_scan, parcel_page
from scanstation.review.resolve import Resolutions
from scanstation.store import audit
from scanstation.store.audit import AuditFilter
from scanstation.store.connection import Store
from tests.receiving.conftest import Register

from .conftest import CLERK, SUPERVISOR

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _scan(receiver: Receiver, raw: str, minutes: int = 0, operator: str = "anna") -> Verdict:
    return receiver.receive(Scan(raw=raw, scanner="dock-1", at=AT + timedelta(minutes=minutes)), operator)


def test_an_unknown_parcels_page_has_every_scan_its_keys_and_its_resolutions(
    engine: Store, receiver: Receiver, resolutions: Resolutions, register: Register
) -> None:
    first = receiver.receive(Scan(raw="]C1TBA000000004711\x1d", scanner="dock-1", at=AT), "anna")
    assert first.outcome is Outcome.UNKNOWN
    again = receiver.receive(Scan(raw="TBA000000004711", scanner="dock-2", at=AT + timedelta(minutes=5)), "boris")
    assert again.unknown_id == first.unknown_id
    reg = register("TBA000000004717", customer_suite="UN-7")
    item = f"unknown:{first.unknown_id}"
    done = resolutions.match_unknown(SUPERVISOR, item, reg.id, note="7 for 1")
    page = parcel_page(engine, SUPERVISOR, item)
    assert page is not None
    assert (page.kind, page.raw, page.keys, page.tracking_number) == (
        "unknown", "]C1TBA000000004711\x1d", ("TBA000000004711",), "TBA000000004711"
    )  # fmt: skip
    assert [(s.operator, s.scanner) for s in page.scans[:2]] == [("anna", "dock-1"), ("boris", "dock-2")]
    assert page.first_seen == AT and page.last_seen is not None and page.last_seen >= AT + timedelta(minutes=5)
    assert [(r.id, r.action, r.actor, r.note) for r in page.resolutions] == [(done.id, "matched", "boris", "7 for 1")]
    assert page.registration is not None and page.registration.customer_suite == "UN-7"
    assert "7 for 1" in page.notes and not page.open


def test_an_ambiguous_items_page_shows_its_candidates(engine: Store, receiver: Receiver, register: Register) -> None:
    one = register("TBA000000000444", customer_id="c_1", customer_suite="UN-1")
    two = register("TBA000000000444", customer_id="c_2", customer_suite="UN-2")
    assert _scan(receiver, "TBA000000000444").outcome is Outcome.AMBIGUOUS
    page = parcel_page(engine, SUPERVISOR, "review:1")
    assert page is not None and page.kind == "ambiguous" and page.open
    assert {c.id for c in page.candidates} == {one.id, two.id}
    assert [s.outcome for s in page.scans] == ["ambiguous"]


def test_a_desk_scan_is_located_as_an_open_unknown_then_as_a_registration(
    engine: Store, receiver: Receiver, register: Register
) -> None:
    reg = register("TBA000000000999")
    unknown = _scan(receiver, "TBA000000004711")
    assert locate_scan(engine, SUPERVISOR, "]C1TBA000000004711\r") == f"unknown:{unknown.unknown_id}"
    assert locate_scan(engine, SUPERVISOR, "TBA000000000999") == f"registration:{reg.id}"
    assert locate_scan(engine, SUPERVISOR, "1Z999AA10123456784") is None
    assert locate_scan(engine, SUPERVISOR, "garbage") is None
    page = parcel_page(engine, SUPERVISOR, f"registration:{reg.id}")
    assert page is not None and page.scans == () and page.registration is not None
    assert parcel_page(engine, SUPERVISOR, "registration:nope") is None


def test_a_clerk_is_refused_the_page_and_the_desk_scan_and_each_refusal_is_audited(
    engine: Store, receiver: Receiver
) -> None:
    unknown = _scan(receiver, "TBA000000004711")
    with pytest.raises(NotAllowedError, match="resolving an exception needs a supervisor"):
        parcel_page(engine, CLERK, f"unknown:{unknown.unknown_id}")
    with pytest.raises(NotAllowedError):
        locate_scan(engine, CLERK, "TBA000000004711")
    assert len(audit.read(engine, AuditFilter(kinds=(AuditKind.REFUSED.value,)))) == 2
