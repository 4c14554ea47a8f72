"""A full disk under the receiving worker: scans are kept in memory, told at once, and recorded in order later."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from scanstation.domain import Outcome, ReceivingStatus, Scan, Verdict
from scanstation.receiving import Receiver
from scanstation.store.connection import Store
from scanstation.worker import ReceivingWorker, ScanKeptError
from tests.dbfixtures import registrar
from tests.diskfull import fill, free

UPS = "1Z999AA10123456784"


class Seen:
    """What the worker reported, awaited with a condition (never a sleep)."""

    def __init__(self) -> None:
        self.verdicts: list[Verdict] = []
        self.errors: list[tuple[Scan, Exception]] = []
        self.statuses: list[ReceivingStatus] = []
        self._changed = threading.Condition()

    def verdict(self, verdict: Verdict) -> None:
        with self._changed:
            self.verdicts.append(verdict)
            self._changed.notify_all()

    def error(self, scan: Scan, exc: Exception) -> None:
        with self._changed:
            self.errors.append((scan, exc))
            self._changed.notify_all()

    def status(self, status: ReceivingStatus) -> None:
        with self._changed:
            self.statuses.append(status)
            self._changed.notify_all()

    def wait(self, condition: Any, timeout: float = 30.0) -> None:
        with self._changed:
            assert self._changed.wait_for(condition, timeout), "the worker did not report in time"


@pytest.fixture
def engine(small_disk_store: Store) -> Store:
    return small_disk_store


def test_scans_on_a_full_disk_are_kept_told_and_recorded_in_order_once_space_is_freed(
    engine: Store, small_disk: Path, tmp_path: Path
) -> None:
    registrar(engine)(UPS)
    database_errors: list[BaseException] = []
    event.listen(engine.engine, "handle_error", lambda ctx: database_errors.append(ctx.original_exception))
    seen = Seen()
    primary, fallback = small_disk / "unrecorded-scans.tsv", tmp_path / "logs" / "unrecorded-scans.tsv"
    worker = ReceivingWorker(
        Receiver(engine, station_id="st"),
        operator=lambda: "anna",
        on_verdict=seen.verdict,
        on_error=seen.error,
        on_status=seen.status,
        journal=primary,
        fallback_journals=[fallback],
    )
    worker.start()
    try:
        worker.submit(Scan("warm-up read", "dock1"))
        seen.wait(lambda: len(seen.verdicts) == 1)
        fill(small_disk)
        reads = [UPS, *(f"unknown-{i:02d}-1234567890" for i in range(20))]
        for raw in reads:
            worker.submit(Scan(raw, "dock1"))
        seen.wait(lambda: len(seen.errors) == len(reads))

        assert all(isinstance(exc, ScanKeptError) for _, exc in seen.errors), "each scan is kept, not dropped"
        assert [scan.raw for scan, _ in seen.errors] == reads
        assert "disk is full" in str(seen.errors[0][1])
        status = seen.statuses[-1]
        assert status.disk_full and status.waiting == len(reads)
        assert status.problem is not None and "free space" in status.problem
        # Later scans joined the first without a write attempt of their own: no stall per scan.
        assert len(database_errors) < len(reads) // 2
        assert not primary.exists() or primary.stat().st_size == 0
        journalled = fallback.read_text(encoding="utf-8").splitlines()
        assert len(journalled) == len(reads) and all("kept in memory" in line for line in journalled)
        assert oct(fallback.stat().st_mode & 0o777) == "0o600"
        assert len(seen.verdicts) == 1, "nothing is told as recorded while the disk is full"

        free(small_disk)
        seen.wait(lambda: len(seen.verdicts) == 1 + len(reads))
        seen.wait(lambda: seen.statuses[-1] == ReceivingStatus())
    finally:
        assert worker.stop(timeout=30)
        free(small_disk)

    late = seen.verdicts[1:]
    assert [v.raw for v in late] == reads, "kept scans are recorded in the order they were read"
    assert late[0].outcome is Outcome.MATCHED and {v.outcome for v in late[1:]} == {Outcome.INVALID}
    with engine.connect() as conn:
        logged = [row[0] for row in conn.execute(text("SELECT raw FROM scan_log ORDER BY scanned_at, raw"))]
    assert sorted(logged) == sorted(["warm-up read", *reads])
    recorded_later = [line for line in fallback.read_text(encoding="utf-8").splitlines() if "recorded later" in line]
    assert len(recorded_later) == len(reads)


def test_a_scan_kept_in_memory_is_in_the_journal_when_the_station_stops_before_space_is_freed(
    engine: Store, small_disk: Path, tmp_path: Path
) -> None:
    seen = Seen()
    fallback = tmp_path / "tmp" / "unrecorded-scans.tsv"
    worker = ReceivingWorker(
        Receiver(engine, station_id="st"),
        operator=lambda: "anna",
        on_verdict=seen.verdict,
        on_error=seen.error,
        journal=small_disk / "unrecorded-scans.tsv",
        fallback_journals=[fallback],
    )
    worker.start()
    try:
        fill(small_disk)
        worker.submit(Scan(UPS, "dock1"))
        seen.wait(lambda: len(seen.errors) == 1)
    finally:
        assert worker.stop(timeout=30)
        free(small_disk)
    assert seen.verdicts == []
    assert UPS in fallback.read_text(encoding="utf-8")
