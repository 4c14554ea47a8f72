"""The shift report: scans made through the real Receiver, counted, their exceptions, exported and read back."""

from __future__ import annotations

import csv
import json
import random
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from scanstation.cli import main
from scanstation.domain import Act, Actor, AuditKind, NotAllowedError, Outcome, Role, Scan, utcnow
from scanstation.receiving import Receiver
from scanstation.review.report import (
    REPORT_OUTCOMES,
    UNDONE,
    UNKNOWN_PARCEL,
    ShiftReport,
    build_report,
    current_shift,
    day_range,
    export_report,
)
from scanstation.store.audit import AuditFilter, read
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import ReviewItem
from scanstation.tracking.samples import sample_number
from tests.dbfixtures import registrar

STATION = "st-test"
SVEN = Actor("sven", Role.SUPERVISOR, "Sven")
ANNA = Actor("anna", Role.CLERK, "Anna")
# What a spreadsheet would run as a formula; a barcode or a customer's text may start with any of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _numbers(n: int) -> list[str]:
    rng = random.Random(12)
    return [sample_number(rng, "ups").tracking_number for _ in range(n)]


@pytest.fixture
def receiver(engine: Store) -> Iterator[Receiver]:
    receiver = Receiver(engine, station_id=STATION, undo_window_s=10)
    yield receiver
    receiver.close()


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    hours: tuple[datetime, datetime, datetime]


@pytest.fixture
def shift(engine: Store, receiver: Receiver) -> Shift:
    """Three hours of a shift ending now, and one unknown parcel left from before it and matched during it.

    hour 0: anna matches A and B, boris scans an unknown; hour 1: boris re-scans A (duplicate) and an
    ambiguous number; hour 2 (now): anna scans a parcel past the warehouse, matches C and undoes it, and the
    unknown from before the shift is matched by sync in her name. The not-expected item is closed.
    """
    register = registrar(engine)
    a, b, c, unknown, before, twice, shipped = _numbers(7)
    for number in (a, b, c):
        register(number)
    register(twice, customer_id="c_1")
    register(twice, customer_id="c_2")
    register(shipped, status="shipped")
    now = utcnow()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    hours = (start, start + timedelta(hours=1), start + timedelta(hours=2))
    receiver.receive(Scan(before, "dock1", at=start - timedelta(minutes=30)), "anna")
    receiver.receive(Scan(a, "dock1", at=hours[0] + timedelta(minutes=5)), "anna")
    receiver.receive(Scan(b, "dock1", at=hours[0] + timedelta(minutes=6)), "anna")
    receiver.receive(Scan(unknown, "dock2", at=hours[0] + timedelta(minutes=7)), "boris")
    receiver.receive(Scan(a, "dock2", at=hours[1] + timedelta(minutes=1)), "boris")
    receiver.receive(Scan(twice, "dock2", at=hours[1] + timedelta(minutes=2)), "boris")
    receiver.receive(Scan(shipped, "dock1", at=now), "anna")
    undone = receiver.receive(Scan(c, "dock1", at=now), "anna")
    assert receiver.undo(undone.scan_id, ANNA).undone
    register(before)
    [late] = receiver.resolve_unknowns()
    assert late.outcome is Outcome.MATCHED
    with write_transaction(engine) as conn:
        conn.execute(
            update(ReviewItem).where(ReviewItem.kind == "not_expected").values(closed_at=utcnow(), closed_by="sven")
        )
    return Shift(start, utcnow() + timedelta(minutes=1), hours)


def _report(engine: Store, shift: Shift) -> ShiftReport:
    return build_report(engine, SVEN, shift.start, shift.end, station=STATION, zone=UTC)


def test_scans_are_counted_by_outcome_operator_and_hour(engine: Store, shift: Shift) -> None:
    report = _report(engine, shift)
    assert report.by_outcome == {
        "matched": 3,
        "duplicate": 1,
        "unknown": 1,
        "ambiguous": 1,
        "not_expected": 1,
        "invalid": 0,
        UNDONE: 1,
    }, "the scan from before the shift is left out; the undone scan counts once, as undone"
    assert report.total == 8 and report.undone == 1
    assert [(o.operator, o.total) for o in report.by_operator] == [("anna", 5), ("boris", 3)]
    assert {k: n for k, n in report.by_operator[0].counts.items() if n} == {
        "matched": 3,
        "not_expected": 1,
        UNDONE: 1,
    }
    by_hour = {h.start: {k: n for k, n in h.counts.items() if n} for h in report.hours}
    assert by_hour[shift.hours[0]] == {"matched": 2, "unknown": 1}
    assert by_hour[shift.hours[1]] == {"duplicate": 1, "ambiguous": 1}
    assert by_hour[shift.hours[2]] == {"matched": 1, "not_expected": 1, UNDONE: 1}
    assert [h.start for h in report.hours][:3] == list(shift.hours), "every hour of the range, in order"
    assert all(set(h.counts) == set(REPORT_OUTCOMES) for h in report.hours)
    assert [s.at for s in report.scans] == sorted(s.at for s in report.scans)
    [undone] = [s for s in report.scans if s.undone]
    assert (undone.outcome, undone.operator, undone.scanner, undone.station) == ("matched", "anna", "dock1", STATION)
    assert report.peak_hour is not None and report.peak_hour.total == 3


def test_exceptions_opened_and_closed_in_the_range(engine: Store, shift: Shift) -> None:
    report = _report(engine, shift)
    assert report.opened == {UNKNOWN_PARCEL: 1, "ambiguous": 1, "not_expected": 1}
    assert report.closed == {UNKNOWN_PARCEL: 1, "not_expected": 1}
    late = next(e for e in report.exceptions if e.kind == UNKNOWN_PARCEL and e.closed_in_range)
    assert not late.opened_in_range and late.opened_at < shift.start and late.resolution == "matched"
    closed = next(e for e in report.exceptions if e.kind == "not_expected")
    assert closed.opened_in_range and closed.closed_by == "sven" and closed.resolution == "closed"
    # A range after all of it: nothing opened, nothing closed, no scans.
    later = build_report(engine, SVEN, shift.end, shift.end + timedelta(hours=1), station=STATION, zone=UTC)
    assert (later.total, later.exceptions, later.opened, later.closed) == (0, (), {}, {})
    assert later.peak_hour is None


def test_a_clerk_is_refused_the_report_and_its_export_and_both_are_audited(
    engine: Store, shift: Shift, tmp_path: Path
) -> None:
    with pytest.raises(NotAllowedError, match=r"^Anna is a clerk: reading a shift report needs a supervisor$"):
        build_report(engine, ANNA, shift.start, shift.end, station=STATION)
    report = _report(engine, shift)
    out = tmp_path / "shift.xlsx"
    with pytest.raises(NotAllowedError, match="exporting a shift report needs a supervisor"):
        export_report(engine, ANNA, report, out, station=STATION)
    assert not out.exists()
    refused = list(reversed(read(engine, AuditFilter(kinds=(AuditKind.REFUSED,)))))
    assert [(r.actor, r.target, r.station) for r in refused] == [
        ("anna", Act.READ_REPORTS.value, STATION),
        ("anna", Act.EXPORT_REPORT.value, STATION),
    ]


def _injections(engine: Store, receiver: Receiver) -> list[str]:
    """One scan per formula character, read by an operator whose name starts with one too."""
    raws = [f'{lead}HYPERLINK("http://x";"y")' for lead in FORMULA_STARTS]
    for raw in raws:
        receiver.receive(Scan(raw, "dock1"), "@op")
    return raws


def test_csv_export_escapes_every_formula_start_and_is_audited(
    engine: Store, receiver: Receiver, shift: Shift, tmp_path: Path
) -> None:
    raws = _injections(engine, receiver)
    report = _report(engine, shift)
    out = tmp_path / "shift.csv"
    assert export_report(engine, SVEN, report, out, station=STATION) == out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    titles = [row[0] for row in table if len(row) == 1]
    assert titles == ["Summary", "Operators", "Hours", "Scans", "Exceptions"]
    scans_at = table.index(["Scans"])
    header = table[scans_at + 1]
    scans = table[scans_at + 2 : table.index([], scans_at)]
    assert len(scans) == report.total == 8 + len(raws)
    raw_column = [row[header.index("raw")] for row in scans if row[header.index("operator")] == "'@op"]
    assert raw_column == ["'" + raw for raw in raws], "each formula start is escaped, the text kept"
    assert ["'@op", "0", "0", "0", "0", "0", str(len(raws)), "0", str(len(raws))] in table
    [exported] = read(engine, AuditFilter(kinds=(AuditKind.EXPORTED,)))
    assert (exported.actor, exported.target) == ("sven", str(out))
    assert isinstance(exported.after, dict)
    assert exported.after["rows"] == {"scans": 14, "hours": len(report.hours), "exceptions": 4}


def test_xlsx_export_has_its_sheets_a_stacked_chart_and_escaped_text_cells(
    engine: Store, receiver: Receiver, shift: Shift, tmp_path: Path
) -> None:
    raws = _injections(engine, receiver)
    report = _report(engine, shift)
    out = tmp_path / "shift.xlsx"
    export_report(engine, SVEN, report, out, station=STATION)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Operators", "Hours", "Scans", "Exceptions"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.column_dimensions["A"].width > 10, ws.title
    [chart] = book["Summary"]._charts  # openpyxl reads charts back only through this list
    assert chart.grouping == "stacked"
    columns = "BCDEFGH"
    assert [s.tx.strRef.f for s in chart.series] == [f"'Hours'!{c}1" for c in columns[: len(REPORT_OUTCOMES)]]

    scans = book["Scans"]
    header = [c.value for c in scans[1]]
    rows = list(scans.iter_rows(min_row=2))
    assert len(rows) == report.total
    injected = [r[header.index("raw")] for r in rows if r[header.index("operator")].value == "'@op"]
    assert len(injected) == len(raws)
    for cell, raw in zip(injected, raws, strict=True):
        assert cell.data_type == "s", f"{raw!r} became a {cell.data_type} cell"
        assert isinstance(cell.value, str) and cell.value.startswith("'")
        # XML reads a lone CR back as a line feed; what follows the quote is the scan's text all the same.
        assert cell.value[2:] == raw[1:]
    summary = {r[0].value: r[1].value for r in book["Summary"].iter_rows(min_row=2) if r[0].value}
    assert summary["scans"] == 14 and summary["matched"] == 3 and summary["invalid"] == len(raws)
    hours = {r[0].value: r[-1].value for r in book["Hours"].iter_rows(min_row=2)}
    assert hours[shift.hours[0].strftime("%Y-%m-%d %H:%M")] == 3


def test_ranges_a_local_day_and_the_current_shift() -> None:
    zone = UTC
    start, end = day_range(datetime(2026, 12, 1).date(), zone)
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    morning = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert current_shift(morning, zone) == (datetime(2026, 12, 1, 6, tzinfo=UTC), morning)
    night = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    assert current_shift(night, zone)[0] == datetime(2026, 12, 1, 6, tzinfo=UTC), "before 06:00: the shift of yesterday"


@pytest.fixture
def config(sqlite_url: str, tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[station]\nid = "{STATION}"\n[database]\nurl = "{sqlite_url}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    return str(path)


def test_the_command_prints_the_summary_and_writes_the_file(
    sqlite_engine: Store, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver = Receiver(sqlite_engine, station_id=STATION)
    try:
        number = _numbers(1)[0]
        registrar(sqlite_engine)(number)
        receiver.receive(Scan(number, "dock1"), "anna")
        receiver.receive(Scan(number, "dock1"), "anna")
        receiver.receive(Scan("=1+2", "dock1"), "boris")
    finally:
        receiver.close()
    start = (utcnow() - timedelta(hours=1)).isoformat()
    end = (utcnow() + timedelta(hours=1)).isoformat()
    out = tmp_path / "shift.xlsx"
    assert main(["report", "--from", start, "--to", end, "--out", str(out), "--config", config]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("shift report ") and ": 3 scans, 1.5 an hour" in lines[0]
    assert lines[1].split() == ["operator", *REPORT_OUTCOMES, "total"]
    assert lines[2].split() == ["anna", "1", "1", "0", "0", "0", "0", "0", "2"]
    assert lines[3].split() == ["boris", "0", "0", "0", "0", "0", "1", "0", "1"]
    assert lines[4].split() == ["all", "1", "1", "0", "0", "0", "1", "0", "3"]
    assert lines[-1] == f"report written to {out}: 3 scans, 0 exceptions"
    book = load_workbook(out)
    assert [c.value for c in book["Scans"]["J"]][1:] == [number, number, "'=1+2"]
    [exported] = read(sqlite_engine, AuditFilter(kinds=(AuditKind.EXPORTED,)))
    assert exported.actor.startswith("shell:") and exported.target == str(out)

    assert main(["report", "--shift", "current", "--json", "--config", config]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scans"] == 3 and summary["by_operator"]["boris"]["invalid"] == 1


@pytest.mark.parametrize(
    "options",
    [
        ["--shift", "yesterday"],
        ["--shift", "current", "--from", "2026-12-01"],
        ["--from", "2026-12-01"],
        ["--from", "2026-12-02", "--to", "2026-12-01T10:00"],
        ["--out", "shift.pdf"],
    ],
    ids=["bad-day", "two-ranges", "from-alone", "backwards", "pdf"],
)
def test_the_command_says_what_is_wrong_with_a_bad_option(
    options: list[str], config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "shift.pdf"
    assert main(["report", *(str(pdf) if o == "shift.pdf" else o for o in options), "--config", config]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scanstation report: ") and err.count("\n") == 1
    assert not pdf.exists()
