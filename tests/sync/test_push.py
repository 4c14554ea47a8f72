"""Push under a misbehaving network: every event reaches the server once, scans go on meanwhile."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from scanstation.config import Config
from scanstation.devserver import DevServer
from scanstation.domain import Outcome, Scan, SyncStatus
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.store.models import OutboxEvent, ReviewItem
from scanstation.sync.client import CentralClient
from scanstation.sync.loop import OFFLINE, ONLINE, TOKEN_REJECTED, SyncLoop
from scanstation.sync.pull import Puller
from tests.waiting import wait_until

from .conftest import STATION, MakeConfig, ScanningThread, live_numbers, outbox_rows
from .faultproxy import FaultProxy

BASE = "/api/station/v1"
EVENTS = f"{BASE}/events"


def _pull(engine: Store, config: Config) -> None:
    client = CentralClient(config.server, config.server_token(), STATION)
    assert Puller(engine, client, page_limit=config.server.page_limit).pull().completed


def _all_delivered_once(engine: Store, devserver: DevServer) -> None:
    rows = outbox_rows(engine)
    assert rows, "the test made no events"
    assert all(state == "sent" for _id, _type, state in rows), [r for r in rows if r[2] != "sent"][:5]
    counts = {event_id: devserver.applied_count(event_id) for event_id, _t, _s in rows}
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}


def _sent(engine: Store) -> bool:
    return all(state == "sent" for _i, _t, state in outbox_rows(engine))


FAULTS: dict[str, dict[str, Any]] = {
    "drop_before": dict(kind="drop_before"),
    "drop_after_applied": dict(kind="drop_after"),
    "503_retry_after": dict(kind="answer", status=503, headers={"Retry-After": "1"}),
    "500": dict(kind="answer", status=500, body=b'{"error":{"code":"oops","message":"boom"}}'),
    "malformed_json": dict(kind="answer", status=200, body=b'{"results": [ {"id": '),
    "contract_breaking_after_applied": dict(kind="replace", status=200, body=b'{"results": []}'),
    "slow_past_timeout": dict(kind="slow", delay_s=2.5),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_event_arrives_exactly_once_whatever_the_network_does(
    fault: str, engine: Store, devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig
) -> None:
    # backoff_max_s above the proxy's Retry-After: 1, which a shorter cap would cut back to it.
    config = make_config(proxy.url + BASE, read_timeout_s=1.0, backoff_max_s=2.0)
    _pull(engine, config)
    numbers = [number for _rid, number in live_numbers(engine)]
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    first = ScanningThread(receiver, numbers[:20]).start()
    first.join()
    proxy.add(EVENTS, count=2, **FAULTS[fault])
    statuses: list[SyncStatus] = []
    loop = SyncLoop(config, engine, on_status=statuses.append)
    loop.start()
    try:
        clerk = ScanningThread(receiver, numbers[20:60]).start()  # scans go on while sync struggles
        clerk.join()
        assert all(v.outcome is Outcome.MATCHED for v in clerk.verdicts)
        wait_until(lambda: proxy.pending(EVENTS) == 0 and _sent(engine), what="every event sent")
    finally:
        assert loop.stop(5)
    _all_delivered_once(engine, devserver)
    assert [what for _at, what in proxy.requests_to(EVENTS)][:2] == [FAULTS[fault]["kind"]] * 2
    assert all(a != b for a, b in itertools.pairwise(statuses))  # published only on change
    assert statuses[-1].events_waiting == 0
    if fault == "503_retry_after":
        times = [at for at, _w in proxy.requests_to(EVENTS)]
        assert times[1] - times[0] >= 0.95
        assert times[2] - times[1] >= 0.95
    if fault in ("drop_before", "500", "slow_past_timeout"):
        assert any(s.state == OFFLINE for s in statuses)
    if fault in ("malformed_json", "contract_breaking_after_applied"):
        assert any(s.contract_errors for s in statuses)


def test_a_server_restart_mid_run(
    engine: Store, devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig
) -> None:
    config = make_config(proxy.url + BASE)
    _pull(engine, config)
    numbers = [number for _rid, number in live_numbers(engine)]
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    statuses: list[SyncStatus] = []
    loop = SyncLoop(config, engine, on_status=statuses.append)
    loop.start()
    try:
        ScanningThread(receiver, numbers[:15]).start().join()
        wait_until(lambda: _sent(engine), what="the first events sent")
        devserver.stop()
        clerk = ScanningThread(receiver, numbers[15:40]).start()
        clerk.join()  # scanning does not need the server
        wait_until(lambda: loop.status.state == OFFLINE, what="offline")
        devserver.start()  # same file, same port
        wait_until(lambda: _sent(engine), what="every event sent after the restart")
        wait_until(lambda: loop.status.state == ONLINE, what="online again")
    finally:
        assert loop.stop(5)
    _all_delivered_once(engine, devserver)


def test_401_stops_pushing_until_the_token_changes(
    engine: Store, devserver: DevServer, proxy: FaultProxy, make_config: MakeConfig
) -> None:
    config = make_config(proxy.url + BASE)
    _pull(engine, config)
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    ScanningThread(receiver, [n for _r, n in live_numbers(engine)][:5]).start().join()
    wrong = make_config(proxy.url + BASE, token="an-old-token-0000")
    loop = SyncLoop(wrong, engine)
    report = loop.run_once()
    assert report.token_rejected
    assert loop.status.state == TOKEN_REJECTED
    assert loop.status.last_error == "token rejected"
    before = len(proxy.seen)
    again = loop.run_once()
    assert again.token_rejected
    assert [s for s in proxy.seen[before:] if s[2] != f"{BASE}/health"] == []  # nothing pushed or pulled
    assert all(state == "pending" for _i, _t, state in outbox_rows(engine))
    loop.reconfigure(config)
    fixed = loop.run_once()
    assert not fixed.token_rejected
    assert loop.status.state == ONLINE  # type: ignore[comparison-overlap]  # mypy keeps the narrowing from before
    assert fixed.push.sent == 10
    _all_delivered_once(engine, devserver)


def test_a_rejected_event_goes_to_a_supervisor_and_is_never_sent_again(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url)
    _pull(engine, config)
    rid, number = live_numbers(engine)[0]
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    assert receiver.receive(Scan(raw=number, scanner="test"), "anna").outcome is Outcome.MATCHED
    devserver.delete_registration(rid)  # the customer deleted it before the station's events arrived
    loop = SyncLoop(config, engine)
    # Only push: a pull first would turn the parcel into a tombstone locally, which is fine too.
    loop._client.health()  # type: ignore[union-attr]
    loop._push_all(__import__("scanstation.sync.loop", fromlist=["CycleReport"]).CycleReport())
    rows = outbox_rows(engine)
    rejected = [r for r in rows if r[2] == "rejected"]
    assert rejected, rows
    with engine.connect() as conn:
        reviews = conn.execute(select(ReviewItem.event_id, ReviewItem.kind, ReviewItem.detail)).all()
        errors = dict(conn.execute(select(OutboxEvent.id, OutboxEvent.last_error)).all())
    assert {(eid, "rejected_event") for eid, _i, _s in rejected} <= {(e, k) for e, k, _d in reviews}
    assert all(errors[eid] for eid, _t, _s in rejected)
    received = {eid: devserver.received_count(eid) for eid, _t, _s in rejected}
    loop.run_once()
    loop.run_once()
    assert {eid: devserver.received_count(eid) for eid, _t, _s in rejected} == received  # never sent again
    assert loop.status.rejected_count == len(rejected)


def test_events_inside_the_undo_window_wait_and_hold_back_later_ones(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    config = make_config(devserver.url)
    _pull(engine, config)
    numbers = [n for _r, n in live_numbers(engine)]
    held = Receiver(engine, station_id=STATION, undo_window_s=3600)
    held.receive(Scan(raw=numbers[0], scanner="test"), "anna")
    quick = Receiver(engine, station_id=STATION, undo_window_s=0)
    quick.receive(Scan(raw=numbers[1], scanner="test"), "anna")  # due now, but committed after the held one
    loop = SyncLoop(config, engine)
    report = loop.run_once()
    assert report.push.requests == 0
    assert loop.status.events_held == 2
    assert loop.status.events_waiting == 2
    assert devserver.events() == []
