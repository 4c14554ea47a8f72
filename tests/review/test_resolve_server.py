"""A supervisor's resolutions reaching a real DevServer through the real pull and push, each exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scanstation.config import parse_config
from scanstation.devserver import DevServer
from scanstation.domain import Outcome, Scan
from scanstation.receiving import Receiver
from scanstation.review.queue import ExceptionKind, count_open
from scanstation.review.resolve import Resolutions
from scanstation.store.connection import Store
from scanstation.store.models import ReviewItem
from scanstation.sync.client import CentralClient
from scanstation.sync.pull import Puller
from scanstation.sync.push import Pusher, PushResult
from tests.sync.conftest import STATION, TOKEN, outbox_rows
from tests.sync.faultproxy import FaultProxy
from tests.waiting import wait_until

from .conftest import SUPERVISOR

BASE = "/api/station/v1"
# Long enough to pass UNDO_SAFETY_S, short enough that waiting for it does not slow the suite.
UNDO_WINDOW_S = 0.5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DevServer]:
    made = DevServer(tmp_path / "central.db", token=TOKEN)
    made.start()
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture
def station(sqlite_engine: Store) -> Iterator[Receiver]:
    made = Receiver(sqlite_engine, station_id=STATION, undo_window_s=UNDO_WINDOW_S)
    yield made
    made.close()


def _client(store: Store, url: str) -> CentralClient:
    config = parse_config(
        {
            "station": {"id": STATION, "operator": "anna"},
            "database": {"url": store.engine.url.render_as_string(hide_password=False)},
            "server": {"url": url, "token": TOKEN, "connect_timeout_s": 2.0, "read_timeout_s": 2.0},
            "logging": {"file": False},
        },
        "test",
    )
    return CentralClient(config.server, config.server_token(), STATION)


def _push_when_due(store: Store, pusher: Pusher) -> PushResult:
    """One push once every pending event has left its undo window (nothing held back, nothing left over)."""
    wait_until(
        lambda: len(pusher.due_batch()) == sum(state == "pending" for _i, _t, state in outbox_rows(store)),
        what="every pending event due",
    )
    return pusher.push_once()


def _accepted(server: DevServer, kind: str) -> list[dict[str, Any]]:
    return [e["event"] for e in server.events() if e["type"] == kind and e["result"] == "accepted"]


def test_an_unknown_matched_by_a_supervisor_reaches_the_server_once(
    sqlite_engine: Store, server: DevServer, station: Receiver
) -> None:
    client = _client(sqlite_engine, server.url)
    verdict = station.receive(Scan(raw="TBA000000004711", scanner="dock-1"), "anna")
    assert verdict.outcome is Outcome.UNKNOWN and verdict.unknown_id is not None
    # The customer typed a digit wrong: a late match by the pull cannot find it, a supervisor can.
    typed = server.add_registration("TBA000000004717", order_number="113-0000001", suite="UN-1001")
    pid, customer = typed["id"], typed["customer"]["id"]
    assert Puller(sqlite_engine, client, page_limit=40).pull().completed
    assert count_open(sqlite_engine)[ExceptionKind.UNKNOWN] == 1
    resolutions = Resolutions(sqlite_engine, station)
    done = resolutions.match_unknown(SUPERVISOR, f"unknown:{verdict.unknown_id}", pid, note="typed 7 for 1")
    pusher = Pusher(sqlite_engine, client)
    first = _push_when_due(sqlite_engine, pusher)
    assert (first.sent, first.rejected, first.duplicate) == (4, 0, 0), first  # listed, status, notice, resolved
    assert {state for _i, _t, state in outbox_rows(sqlite_engine)} == {"sent"}

    def held() -> tuple[list[Any], list[Any], list[Any]]:
        status = [(e["parcel_id"], e["status"]) for e in _accepted(server, "parcel.status_changed")]
        notices = [(n["parcel_id"], n["customer_id"]) for n in server.notifications()]
        resolved = [
            (e["local_id"], e["resolution"], e["parcel_id"]) for e in _accepted(server, "parcel.unknown_resolved")
        ]
        return status, notices, resolved

    assert held() == (
        [(pid, "at_warehouse")],
        [(pid, customer)],
        [(verdict.unknown_id, "matched", pid)],
    )
    assert (server.registration(pid) or {}).get("status") == "at_warehouse"
    [listed] = [u for u in server.unknown_parcels() if u["local_id"] == verdict.unknown_id]
    assert (listed["resolution"], listed["parcel_id"]) == ("matched", pid)
    assert done.events and all(server.applied_count(e) == 1 for e in done.events)
    received = len(server.events())
    again = pusher.push_once()
    assert again.requests == 0 and len(server.events()) == received
    assert held() == (
        [(pid, "at_warehouse")],
        [(pid, customer)],
        [(verdict.unknown_id, "matched", pid)],
    )


def test_a_rejected_event_retried_is_applied_once_never_twice(
    sqlite_engine: Store, server: DevServer, station: Receiver
) -> None:
    proxy = FaultProxy(server.root_url).start()
    try:
        client = _client(sqlite_engine, proxy.url + BASE)
        typed = server.add_registration("TBA000000005555", suite="UN-1002")
        assert Puller(sqlite_engine, client, page_limit=40).pull().completed
        verdict = station.receive(Scan(raw="TBA000000005555", scanner="dock-1"), "anna")
        assert verdict.outcome is Outcome.MATCHED
        types = {event_id: kind for event_id, kind, _s in outbox_rows(sqlite_engine)}
        [status_id] = [e for e, kind in types.items() if kind == "parcel.status_changed"]
        # The server applies the batch, but the answer the station reads says the status change was
        # rejected: a retry must then find it applied already, not apply it again.
        answer = [
            {"id": e, "status": "accepted"}
            if e != status_id
            else {"id": e, "status": "rejected", "error": {"code": "parcel_deleted", "message": "gone"}}
            for e in verdict.events
        ]
        proxy.add(f"{BASE}/events", kind="replace", status=200, body=json.dumps({"results": answer}).encode())
        pusher = Pusher(sqlite_engine, client)
        assert _push_when_due(sqlite_engine, pusher).rejected == 1
        with sqlite_engine.connect() as conn:
            number = conn.execute(select(ReviewItem.id).where(ReviewItem.event_id == status_id)).scalar_one()
        Resolutions(sqlite_engine, station).retry_event(SUPERVISOR, f"review:{number}", note="server was wrong")
        retried = _push_when_due(sqlite_engine, pusher)
        assert (retried.sent, retried.duplicate, retried.rejected) == (0, 1, 0), retried
        assert dict((i, s) for i, _t, s in outbox_rows(sqlite_engine))[status_id] == "sent"
        assert (server.applied_count(status_id), server.received_count(status_id)) == (1, 2)
        assert pusher.push_once().requests == 0
        assert server.received_count(status_id) == 2
        assert [(e["parcel_id"], e["status"]) for e in _accepted(server, "parcel.status_changed")] == [
            (typed["id"], "at_warehouse")
        ]
        assert len(server.notifications()) == 1
    finally:
        proxy.stop()
