"""The sync loop on a real full disk (a small tmpfs): alive, says so in words, resumes once space is freed."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from scanstation.devserver import DevServer
from scanstation.domain import Outcome, Scan, SyncStatus
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.store.models import EventState, Registration
from scanstation.sync.loop import DISK_FULL, SyncLoop
from tests.diskfull import fill, free, free_bytes
from tests.waiting import wait_until

from .conftest import STATION, MakeConfig, live_numbers, outbox_rows

SCANS = 12


@pytest.fixture
def engine(small_disk_store: Store) -> Store:
    """The station's database and its feed file, both on the small filesystem (overrides the backend engine)."""
    return small_disk_store


def _truncate_wals(engine: Store) -> None:
    """Empty both WAL files into their databases: a WAL keeps its size and would take writes on a full disk."""
    for target in (engine, engine.feed):
        with target.connect() as conn:
            conn.exec_driver_sql("PRAGMA main.wal_checkpoint(TRUNCATE)")


def _registered(engine: Store, rid: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Registration.id).where(Registration.id == rid)).first() is not None


def test_the_loop_outlives_a_full_disk_and_pushes_what_waited_once_space_is_freed(
    small_disk: Path, engine: Store, devserver: DevServer, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(devserver.url)
    statuses: list[SyncStatus] = []
    disk_full_seen = threading.Event()

    def on_status(status: SyncStatus) -> None:
        statuses.append(status)
        if status.last_error == DISK_FULL:
            disk_full_seen.set()

    loop = SyncLoop(config, engine, on_status=on_status)
    assert loop.run_once().pull is not None  # the feed, while there is room for it
    receiver = Receiver(engine, station_id=STATION, undo_window_s=0)
    for _, number in live_numbers(engine, SCANS):
        assert receiver.receive(Scan(raw=number, scanner="test"), "anna").outcome is Outcome.MATCHED
    waiting = [event_id for event_id, _, state in outbox_rows(engine) if state == EventState.PENDING.value]
    assert len(waiting) == 2 * SCANS  # status change and notification for each

    _truncate_wals(engine)
    fill(small_disk)
    assert free_bytes(small_disk) == 0
    late = devserver.add_registration("TBA888000111222", suite="UN-8888")
    caplog.set_level(logging.DEBUG, logger="scanstation.sync")
    loop.start()
    try:
        assert disk_full_seen.wait(30), statuses
        assert loop.running
        # Several cycles failed on the full disk, and the loop is still trying: the thread is alive.
        wait_until(lambda: sum("again" in r.getMessage() for r in caplog.records) >= 3, what="retries on the disk")
        assert loop.running
        told = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(told) == 1, [r.getMessage() for r in told]  # once, with what it was doing
        assert DISK_FULL in told[0].getMessage()
        assert told[0].exc_info is not None
        assert not _registered(engine, late["id"])

        free(small_disk)
        wait_until(
            lambda: all(state == EventState.SENT.value for _, _, state in outbox_rows(engine)),
            what="the events that waited marked delivered",
        )
        wait_until(lambda: _registered(engine, late["id"]), what="the registration that waited pulled")
        wait_until(lambda: loop.status.last_error is None, what="the status clear again")
    finally:
        assert loop.stop(5)
    assert all(devserver.applied_count(event_id) == 1 for event_id in waiting)
    assert loop.status.events_waiting == 0
    assert any("is over after" in r.getMessage() for r in caplog.records)
