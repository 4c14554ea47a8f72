"""The shift report's figure for `scanstation bench supervisor`: build_report over one busy day of a big scan log."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scanstation.bench.common import Stats, print_stats, progress, stopwatch

if TYPE_CHECKING:
    from scanstation.review.report import ShiftReport
    from scanstation.store.connection import Store

# Outcomes of a busy day's scans (issue 2's mix, with a little of the rarer ones).
OUTCOME_WEIGHTS = {"matched": 68, "duplicate": 10, "unknown": 14, "invalid": 5, "ambiguous": 2, "not_expected": 1}
OPERATORS = ("anna", "boris", "vera", "gleb", "olga", "ilya")
SCANNERS = ("dock-1", "dock-2", "dock-3")
BATCH = 10_000
DAY = datetime(2026, 12, 1, tzinfo=UTC)


def fill_scan_log(store: Store, *, scans_per_day: int, days: int, seed: int = 7, quiet: bool = False) -> None:
    """`days` days of `scans_per_day` scans each, the last one DAY, written straight into scan_log.

    Each unknown scan gets its unknown parcel, half of them resolved two hours later: the report reads only
    these tables, so no registrations are needed (bench/receive.py's builder makes registrations, not scans).
    """
    from sqlalchemy import insert

    from scanstation.store.engine import write_transaction
    from scanstation.store.models import ScanLog, UnknownParcel

    rng = random.Random(seed)
    outcomes, weights = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    for day in range(days):
        first = DAY - timedelta(days=days - 1 - day)
        progress(f"scan log: day {day + 1} of {days}", quiet=quiet)
        for offset in range(0, scans_per_day, BATCH):
            scans: list[dict[str, object]] = []
            unknowns: list[dict[str, object]] = []
            for i in range(offset, min(offset + BATCH, scans_per_day)):
                at = first + timedelta(seconds=86_400 * i / scans_per_day)
                outcome = rng.choices(outcomes, weights)[0]
                number = f"1Z{rng.randrange(10**16):016d}"
                scan_id = str(uuid.UUID(int=rng.getrandbits(128)))
                unknown_id = str(uuid.UUID(int=rng.getrandbits(128))) if outcome == "unknown" else None
                operator = rng.choice(OPERATORS)
                scans.append(
                    {
                        "id": scan_id,
                        "scanned_at": at,
                        "raw": number,
                        "keys": number,
                        "tracking_number": None if outcome == "invalid" else number,
                        "carrier": None if outcome == "invalid" else "ups",
                        "symbology": None,
                        "scanner": rng.choice(SCANNERS),
                        "station_id": "bench-station",
                        "operator": operator,
                        "typed": rng.random() < 0.03,
                        "outcome": outcome,
                        "registration_id": None,
                        "unknown_id": unknown_id,
                        "note": None,
                        "latency_ms": 1.0,
                        "undone_at": at if rng.random() < 0.01 else None,
                        "undone_by": None,
                    }
                )
                if unknown_id is not None:
                    resolved = rng.random() < 0.5
                    unknowns.append(
                        {
                            "id": unknown_id,
                            "tracking_number": number,
                            "carrier": "ups",
                            "raw_scan": number,
                            "keys": number,
                            "first_scan_id": scan_id,
                            "first_seen_at": at,
                            "station_id": "bench-station",
                            "operator": operator,
                            "resolution": "matched" if resolved else None,
                            "resolved_registration_id": None,
                            "resolved_at": at + timedelta(hours=2) if resolved else None,
                            "resolved_by": "sven" if resolved else None,
                            "note": None,
                        }
                    )
            with write_transaction(store) as conn:
                conn.execute(insert(ScanLog), scans)
                if unknowns:
                    conn.execute(insert(UnknownParcel), unknowns)


def time_report(store: Store, *, runs: int = 5) -> tuple[Stats, ShiftReport]:
    """Time build_report over DAY `runs` times (after one untimed build, as a screen opened before); the stats."""
    from scanstation.domain import Actor, Role
    from scanstation.review.report import build_report, day_range

    supervisor = Actor("sven", Role.SUPERVISOR)
    start, end = day_range(DAY.date(), UTC)
    report = build_report(store, supervisor, start, end, station="bench-station", zone=UTC)
    times: list[float] = []
    for _ in range(max(1, runs)):
        with stopwatch() as took:
            report = build_report(store, supervisor, start, end, station="bench-station", zone=UTC)
        times.append(took[0])
    return Stats.of(times), report


def bench_report(url: str, *, scans_per_day: int = 50_000, days: int = 10, runs: int = 5, quiet: bool = False) -> Stats:
    """Fill a fresh database at `url`, time build_report over its last day `runs` times, print the line; the stats.

    The default is the issue's figure: 500,000 scan-log rows, the day asked for holding 50,000 of them.
    """
    from scanstation.store.connection import close_store, open_store

    store = open_store(url)
    try:
        fill_scan_log(store, scans_per_day=scans_per_day, days=days, quiet=quiet)
        stats, report = time_report(store, runs=runs)
    finally:
        close_store(store)
    print_stats(f"shift report ({report.total} scans)", stats)
    return stats
