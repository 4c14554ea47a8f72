"""The receiving worker: scans from many threads are all decided, in order, and none is lost on stop or failure."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from scanstation.domain import Actor, Outcome, Role, Scan, UndoResult, Verdict, new_badge_secret
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.worker import ReceivingWorker


def test_scans_from_several_threads_are_all_decided(sqlite_engine: Store) -> None:
    verdicts: list[Verdict] = []
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"), operator=lambda: "anna", on_verdict=verdicts.append
    )
    worker.start()

    def feed(name: str) -> None:
        for i in range(25):
            worker.submit(Scan(f"garbage-{name}-{i}", name))

    feeders = [threading.Thread(target=feed, args=(f"s{n}",)) for n in range(4)]
    for thread in feeders:
        thread.start()
    for thread in feeders:
        thread.join()
    assert worker.stop(timeout=60), "stop drains the queue and ends the thread"
    assert len(verdicts) == 100
    for name in ("s0", "s1", "s2", "s3"):
        mine = [v.raw for v in verdicts if v.scanner == name]
        assert mine == [f"garbage-{name}-{i}" for i in range(25)], "each source's scans are decided in order"
    assert {v.operator for v in verdicts} == {"anna"}


def test_undo_is_queued_behind_the_scan(sqlite_engine: Store) -> None:
    verdicts: list[Verdict] = []
    undone: list[UndoResult] = []
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"), operator=lambda: "anna", on_verdict=verdicts.append
    )
    worker.start()
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    worker.stop()
    assert verdicts[0].outcome is Outcome.UNKNOWN
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"), operator=lambda: "anna", on_verdict=verdicts.append
    )
    worker.start()
    worker.undo(verdicts[0].scan_id, Actor("anna", Role.CLERK), undone.append)
    worker.stop()
    assert undone and undone[0].undone


def test_a_scan_the_database_refuses_is_journalled_and_reported(sqlite_engine: Store, tmp_path: Path) -> None:
    errors: list[tuple[Scan, Exception]] = []
    journal = tmp_path / "unrecorded.log"
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"),
        operator=lambda: "anna",
        on_verdict=lambda v: None,
        on_error=lambda scan, exc: errors.append((scan, exc)),
        journal=journal,
    )
    with sqlite_engine.begin() as conn:
        conn.execute(text("DROP TABLE scan_log"))
    worker.start()
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    worker.submit(Scan("garbage", "dock1"))
    assert worker.stop(timeout=30)
    assert [scan.raw for scan, _ in errors] == ["1Z999AA10123456784", "garbage"]
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "1Z999AA10123456784" in lines[0] and "dock1" in lines[0]


def test_feedback_failing_after_the_commit_is_not_reported_as_not_recorded(
    sqlite_engine: Store, tmp_path: Path
) -> None:
    errors: list[tuple[Scan, Exception]] = []
    told: list[str] = []

    def broken_feedback(verdict: Verdict) -> None:
        told.append(verdict.scan_id)
        raise TypeError("Object of type datetime is not JSON serializable")

    journal = tmp_path / "unrecorded.tsv"
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"),
        operator=lambda: "anna",
        on_verdict=broken_feedback,
        on_error=lambda scan, exc: errors.append((scan, exc)),
        journal=journal,
    )
    worker.start()
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    assert worker.stop(timeout=30)
    assert len(told) == 2
    assert errors == [], "a scan whose feedback failed is recorded, and is never told as not recorded"
    assert not journal.exists()
    with sqlite_engine.connect() as conn:
        logged = {row[0] for row in conn.execute(text("SELECT id FROM scan_log"))}
    assert logged == set(told)


def test_a_badge_is_never_received_logged_raw_or_journalled(
    sqlite_engine: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = new_badge_secret()
    badges: list[tuple[str, str]] = []
    verdicts: list[Verdict] = []
    journal = tmp_path / "unrecorded.tsv"
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"),
        operator=lambda: "anna",
        on_verdict=verdicts.append,
        journal=journal,
        on_badge=lambda scan, found: badges.append((scan.scanner, found)),
    )
    caplog.set_level(logging.DEBUG)
    worker.start()
    worker.submit(Scan(f"]C0{secret}\r", "dock1"))  # as a serial scanner sends it: AIM prefix, terminator
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    assert worker.stop(timeout=30)
    assert badges == [("dock1", secret)]
    assert [v.raw for v in verdicts] == ["1Z999AA10123456784"]
    with sqlite_engine.connect() as conn:
        assert [row[0] for row in conn.execute(text("SELECT raw FROM scan_log"))] == ["1Z999AA10123456784"]
        assert (
            conn.execute(text("SELECT count(*) FROM outbox WHERE payload LIKE :s"), {"s": f"%{secret}%"}).scalar() == 0
        )
    assert not journal.exists()
    assert secret not in caplog.text


def test_a_badge_is_not_journalled_while_the_database_refuses_scans(
    sqlite_engine: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = new_badge_secret()
    journal = tmp_path / "unrecorded.tsv"
    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"), operator=lambda: "anna", on_verdict=lambda v: None, journal=journal
    )
    with sqlite_engine.begin() as conn:
        conn.execute(text("DROP TABLE scan_log"))
    caplog.set_level(logging.DEBUG)
    worker.start()
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    worker.submit(Scan(secret, "dock1"))
    assert worker.stop(timeout=30)
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "1Z999AA10123456784" in lines[0]
    assert secret not in caplog.text
    assert "a badge was scanned on dock1; badges log in at the window" in caplog.text


def test_a_diverted_scan_is_not_received_and_a_badge_is_never_diverted(sqlite_engine: Store) -> None:
    secret = new_badge_secret()
    diverted: list[str] = []
    badges: list[str] = []
    verdicts: list[Verdict] = []
    desk_open = threading.Event()

    def divert(scan: Scan) -> bool:  # the supervisor's desk (GuiReceiving.divert) while it is the active window
        if desk_open.is_set():
            diverted.append(scan.raw)
        return desk_open.is_set()

    worker = ReceivingWorker(
        Receiver(sqlite_engine, station_id="st"),
        operator=lambda: "anna",
        on_verdict=verdicts.append,
        on_badge=lambda scan, found: badges.append(found),
        divert=divert,
    )
    worker.start()
    desk_open.set()
    worker.submit(Scan("1Z999AA10123456784", "dock1"))
    worker.submit(Scan(secret, "dock1"))
    desk_open.clear()
    worker.submit(Scan("TBA000000004711", "dock1"))
    assert worker.stop(timeout=30)
    assert diverted == ["1Z999AA10123456784"]
    assert badges == [secret]
    assert [v.raw for v in verdicts] == ["TBA000000004711"]
    with sqlite_engine.connect() as conn:
        assert [row[0] for row in conn.execute(text("SELECT raw FROM scan_log"))] == ["TBA000000004711"]
