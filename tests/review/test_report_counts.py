"""The shift report's SQL counts agree with counting every scan, in any zone; the screen lists the last scans."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scanstation.bench.report import DAY, fill_scan_log
from scanstation.domain import Actor, Role
from scanstation.review.report import SCREEN_SCANS, build_report, day_range, export_report, read_scans
from scanstation.store.connection import Store

SVEN = Actor("sven", Role.SUPERVISOR)
ZONES: list[tzinfo] = [UTC, ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Kolkata")]


@pytest.fixture
def busy(engine: Store) -> Store:
    fill_scan_log(engine, scans_per_day=1_500, days=3, seed=5, quiet=True)
    return engine


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_counts_agree_with_every_scan_counted_by_hand(busy: Store, zone: tzinfo) -> None:
    start, end = day_range((DAY - timedelta(days=1)).date(), zone)
    report = build_report(busy, SVEN, start, end, zone=zone)
    every = read_scans(busy, SVEN, start, end)
    assert report.total == len(every) > SCREEN_SCANS
    assert report.by_outcome == {k: Counter(s.counted_as for s in every).get(k, 0) for k in report.by_outcome}
    for row in report.by_operator:
        assert dict(Counter(s.counted_as for s in every if s.operator == row.operator)) == {
            k: n for k, n in row.counts.items() if n
        }
    assert sum(o.total for o in report.by_operator) == report.total
    by_hour = Counter(s.at.astimezone(zone).replace(minute=0, second=0, microsecond=0) for s in every)
    assert {h.start: h.total for h in report.hours if h.total} == dict(by_hour)
    assert len(report.hours) == 24
    assert all(h.start.tzinfo is not None and h.start.minute == 0 for h in report.hours)


def test_the_screen_gets_the_last_scans_and_the_export_every_one(busy: Store, tmp_path: Path) -> None:
    start, end = day_range(DAY.date(), UTC)
    report = build_report(busy, SVEN, start, end, zone=UTC, scan_limit=100)
    every = read_scans(busy, SVEN, start, end)
    assert report.total == len(every) == 1_500 and not report.scans_complete
    assert report.scans == every[-100:]  # the last ones, in time order
    assert build_report(busy, SVEN, start, end, zone=UTC, scan_limit=None).scans == every
    out = tmp_path / "day.csv"
    export_report(busy, SVEN, report, out, station="st-test", zone=UTC)
    with out.open(newline="", encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    scans_at = table.index(["Scans"])
    assert len(table[scans_at + 2 : table.index([], scans_at)]) == 1_500


def test_exceptions_are_counted_in_sql_and_the_screen_lists_the_last(busy: Store, tmp_path: Path) -> None:
    start, end = day_range(DAY.date(), UTC)
    every = build_report(busy, SVEN, start, end, zone=UTC, exception_limit=None)
    assert every.exceptions_complete and len(every.exceptions) > 20
    assert every.opened == dict(Counter(e.kind for e in every.exceptions if e.opened_in_range))
    assert every.closed == dict(Counter(e.kind for e in every.exceptions if e.closed_in_range))
    assert any(e.closed_in_range and not e.opened_in_range for e in every.exceptions)  # from the day before
    shown = build_report(busy, SVEN, start, end, zone=UTC, exception_limit=20)
    assert not shown.exceptions_complete
    assert shown.exceptions == every.exceptions[-20:]
    assert (shown.opened, shown.closed) == (every.opened, every.closed)
    out = tmp_path / "day.csv"
    export_report(busy, SVEN, shown, out, station="st-test", zone=UTC)
    with out.open(newline="", encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    at = table.index(["Exceptions"])
    assert len(table[at + 2 : table.index([], at)]) == len(every.exceptions)
