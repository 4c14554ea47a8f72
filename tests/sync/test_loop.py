"""The background loop and `scanstation sync`: status, sync now, quick stop, notices, the command's output."""

from __future__ import annotations

import errno
import itertools
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from scanstation.cli import main
from scanstation.devserver import DevServer
from scanstation.domain import Outcome, Scan, SyncNotice, SyncStatus, Verdict
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.store.models import Registration
from scanstation.sync.client import CentralClient, HealthReading
from scanstation.sync.loop import (
    DATABASE_BUSY,
    DISABLED,
    DISK_FULL,
    ONLINE,
    Backoff,
    SyncLoop,
    local_failure_words,
)
from tests.waiting import wait_until

from .conftest import FEED_SIZE, STATION, TOKEN, MakeConfig


def _registered(engine: Store, rid: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Registration.id).where(Registration.id == rid)).first() is not None


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(1.0, 8.0, random.Random(3))
    delays = [backoff.failure() for _ in range(8)]
    ceilings = [1, 2, 4, 8, 8, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not in step
    assert backoff.failure(retry_after=30) == 8  # a Retry-After lengthens a delay only up to the cap
    backoff.success()
    assert backoff.failure() <= 1.0


def test_the_loop_publishes_status_pulls_on_sync_now_and_stops_quickly(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    statuses: list[SyncStatus] = []
    seen = threading.Event()

    def on_status(status: SyncStatus) -> None:
        statuses.append(status)
        if status.state == ONLINE and status.last_pull_at is not None:
            seen.set()

    loop = SyncLoop(make_config(devserver.url, pull_interval_s=3600, push_interval_s=3600), engine, on_status=on_status)
    loop.start()
    try:
        assert seen.wait(30), statuses
        first = statuses[-1]
        assert first.clock_offset_s is not None
        assert first.events_waiting == 0
        added = devserver.add_registration("TBA777000111222", suite="UN-7777")
        loop.sync_now()  # the interval is an hour: only "sync now" can bring it this soon
        wait_until(lambda: _registered(engine, added["id"]), what="the new registration pulled")
    finally:
        started = time.monotonic()
        assert loop.stop(5)
        assert time.monotonic() - started < 2
    assert all(a != b for a, b in itertools.pairwise(statuses))


def test_a_late_registration_is_received_and_noticed_by_the_running_loop(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    notices: list[SyncNotice] = []
    got = threading.Event()

    def on_notice(notice: SyncNotice) -> None:
        notices.append(notice)
        got.set()

    loop = SyncLoop(
        make_config(devserver.url, pull_interval_s=3600),
        engine,
        resolver=receiver.resolve_unknowns,
        on_notice=on_notice,
    )
    loop.start()
    try:
        assert receiver.receive(Scan(raw="TBA555000111222", scanner="test"), "anna").outcome is Outcome.UNKNOWN
        devserver.add_registration("tba 555000111222", suite="UN-5555")
        loop.sync_now()
        assert got.wait(30)
        # ... and the server hears of it: the unknown parcel is closed as matched.
        wait_until(lambda: any(u["resolution"] == "matched" for u in devserver.unknown_parcels()), what="resolved")
    finally:
        assert loop.stop(5)
    assert notices[0].kind == "unknown_resolved"
    assert notices[0].message == "the customer registered it after it arrived"
    assert getattr(notices[0].verdict, "customer_suite", None) == "UN-5555"


def test_without_a_server_url_sync_is_disabled(engine: Store, make_config: MakeConfig) -> None:
    loop = SyncLoop(make_config(None), engine)
    assert loop.status.state == DISABLED
    report = loop.run_once()
    assert report.pull is None
    assert report.push.requests == 0


def _config_file(tmp_path: Path, url: str, db_url: str, token: str = TOKEN) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\nid = "{STATION}"\n\n[database]\nurl = "{db_url}"\n\n'
        f'[server]\nurl = "{url}"\ntoken = "{token}"\npage_limit = 50\n\n'
        "[receiving]\nundo_window_s = 0\n\n[logging]\nfile = false\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def keep_root_logging() -> Iterator[None]:
    """The command sets up logging for the process; put the test runner's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)


@pytest.mark.usefixtures("keep_root_logging")
def test_the_command_prints_what_it_did(
    tmp_path: Path, engine: Store, devserver: DevServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = engine.url.render_as_string(hide_password=False)
    config = _config_file(tmp_path, devserver.url, db_url)
    assert main(["sync", "--once", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"pulled {FEED_SIZE} registrations in 3 pages ({FEED_SIZE} new, 0 changed)" in out
    assert "pushed 0 events" in out
    assert "online: 0 events waiting" in out

    number = "TBA000000000001"  # registered by the fixture as "tba 000000000001"
    Receiver(engine, station_id=STATION, undo_window_s=0).receive(Scan(raw=number, scanner="test"), "anna")
    assert main(["sync", "--once", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "pulled 0 registrations" in out
    assert "pushed 2 events (0 already known), rejected 0" in out

    wrong = _config_file(tmp_path, devserver.url, db_url, token="wrong-token-123")
    assert main(["sync", "--once", "--config", str(wrong)]) == 3
    out = capsys.readouterr().out
    assert "token rejected" in out
    assert "wrong-token-123" not in out


def test_a_failure_on_the_station_side_does_not_end_the_loop(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    calls: list[Sequence[str] | None] = []

    def flaky(ids: Sequence[str] | None) -> list[Verdict]:
        calls.append(ids)
        if len(calls) == 2:  # the first check after a page: as if the database were locked
            raise RuntimeError("database is locked")
        return list(receiver.resolve_unknowns(ids))

    statuses: list[SyncStatus] = []
    loop = SyncLoop(make_config(devserver.url), engine, resolver=flaky, on_status=statuses.append)
    loop.start()
    try:
        wait_until(lambda: any(s.last_error and "database is locked" in s.last_error for s in statuses), what="error")
        # The loop goes on: the next cycle checks every open unknown (ids=None), then pulls as usual.
        wait_until(lambda: None in calls[2:] and loop.status.last_pull_at is not None, what="recovery")
        added = devserver.add_registration("TBA444000111222")
        wait_until(lambda: _registered(engine, added["id"]), what="pulled after the failure")
    finally:
        assert loop.stop(5)
    assert calls[0] is None  # the start-up check of every open unknown parcel


def test_a_bug_anywhere_in_a_cycle_is_told_once_and_the_loop_goes_on(
    engine: Store, devserver: DevServer, make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug outside the pull's and the push's own handling (here: in checking the server) used to end the thread.
    real_health = CentralClient.health
    bugs = iter(range(3))

    def buggy_health(client: CentralClient) -> HealthReading:
        if next(bugs, None) is not None:
            raise KeyError("server_time")
        return real_health(client)

    monkeypatch.setattr(CentralClient, "health", buggy_health)
    statuses: list[SyncStatus] = []
    loop = SyncLoop(make_config(devserver.url), engine, on_status=statuses.append)
    loop.start()
    try:
        wait_until(lambda: any(s.last_error and "KeyError" in s.last_error for s in statuses), what="the bug told")
        wait_until(lambda: loop.status.last_pull_at is not None, what="the loop going on past the bug")
        added = devserver.add_registration("TBA444000111333")
        wait_until(lambda: _registered(engine, added["id"]), what="pulled after the bug")
    finally:
        assert loop.stop(5)
    told = next(s.last_error for s in statuses if s.last_error)
    assert told == "checking the server failed on the station: KeyError: 'server_time'"
    assert loop.status.last_error is None


def test_station_side_failures_are_told_in_words() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    assert local_failure_words("pushing", OperationalError("UPDATE outbox", {}, full)) == DISK_FULL
    assert local_failure_words("pulling", OSError(errno.ENOSPC, "No space left on device")) == DISK_FULL
    postgres = RuntimeError('could not extend file "base/16384/16397": No space left on device')
    assert local_failure_words("pulling", postgres) == DISK_FULL
    locked = sqlite3.OperationalError("database is locked")
    assert local_failure_words("pulling", OperationalError("INSERT", {}, locked)) == DATABASE_BUSY
    assert local_failure_words("pulling", ValueError("bad")) == "pulling failed on the station: ValueError: bad"


def test_the_first_pull_leaves_the_search_index_to_the_loop_which_builds_it_next(
    engine: Store, devserver: DevServer, make_config: MakeConfig
) -> None:
    from scanstation.review.search import search_for
    from scanstation.store.feedfile import search_index_ready

    added = devserver.add_registration("TBA777000111333", suite="UN-7733")
    loop = SyncLoop(make_config(devserver.url), engine)
    report = loop.run_once()
    assert report.pull is not None and report.pull.completed
    with engine.connect() as conn:
        assert search_index_ready(conn)
    assert [(hit.registration_id, hit.matched_on) for hit in search_for(engine, "un-7733")] == [(added["id"], "suite")]
    assert [hit.registration_id for hit in search_for(engine, "000111333")] == [added["id"]]
