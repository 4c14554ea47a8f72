"""The shift report: a time range's scans counted by outcome, operator and hour, its exceptions, and its export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final, NamedTuple

from sqlalchemy import Boolean, Integer, and_, func, literal, or_, select, type_coerce

from scanstation.access.refusals import check
from scanstation.domain import Act, Actor, AuditKind, Json, Outcome, storable_text, utcnow
from scanstation.private import write_private_atomically
from scanstation.store import audit
from scanstation.store.connection import Store
from scanstation.store.engine import write_transaction
from scanstation.store.models import ReviewItem, ScanLog, UnknownParcel

__all__ = [
    "CURRENT_SHIFT_STARTS",
    "MAX_CHART_HOURS",
    "REPORT_OUTCOMES",
    "SCREEN_EXCEPTIONS",
    "SCREEN_SCANS",
    "UNDONE",
    "UNKNOWN_PARCEL",
    "ExceptionRow",
    "HourRow",
    "OperatorRow",
    "ScanRow",
    "ShiftReport",
    "build_report",
    "current_shift",
    "day_range",
    "export_csv",
    "export_report",
    "export_xlsx",
    "read_scans",
    "safe_text",
]

# A scan undone since is counted under "undone", not under the outcome it had: each scan counts once.
UNDONE: Final = "undone"
REPORT_OUTCOMES: Final = (*(o.value for o in Outcome), UNDONE)
# The kind an unknown parcel has among the exceptions (review items keep their own kinds).
UNKNOWN_PARCEL: Final = "unknown_parcel"
# `--shift current`: the day shift starts at 06:00 local; before that hour it is still the one that began yesterday.
CURRENT_SHIFT_STARTS: Final = time(6, 0)
# A range longer than this lists only the hours that had scans: a month of empty hours is no chart.
MAX_CHART_HOURS: Final = 7 * 24
# The scans a report lists for the screen (the last ones of the range); an export always writes every one.
SCREEN_SCANS: Final = 1_000
SCREEN_EXCEPTIONS: Final = 1_000
# Scans are counted in quarter hours of UTC: every zone's local hours begin on one (+05:30, +05:45 too).
_QUARTER: Final = timedelta(minutes=15)


class ScanRow(NamedTuple):
    """One scan of the range as the report lists it (a tuple: a busy day makes 50,000 of them)."""

    at: datetime  # aware UTC
    number: str  # the tracking number, or "" for a read nobody could parse
    raw: str  # what the scanner sent (text from outside)
    carrier: str
    outcome: str  # an Outcome value, as it was decided (the undo mark is apart)
    operator: str
    scanner: str
    station: str
    typed: bool
    undone: bool

    @property
    def counted_as(self) -> str:
        return UNDONE if self.undone else self.outcome


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    """An unknown parcel or a review item that was opened or closed in the range."""

    kind: str  # UNKNOWN_PARCEL, or a review item's kind (ambiguous, not_expected, rejected_event, ...)
    ref: str  # the unknown parcel's id or the review item's number
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str
    what: str  # the unknown's tracking number (else its raw scan), the review item's detail
    resolution: str  # the unknown's resolution; "closed" for a closed review item; "" while open
    opened_in_range: bool
    closed_in_range: bool


@dataclass(frozen=True, slots=True)
class HourRow:
    """One local hour of the range: its scans by counted outcome."""

    start: datetime  # aware, in the report's zone
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class OperatorRow:
    """One operator's scans in the range by counted outcome."""

    operator: str
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """What happened at the station between `start` (included) and `end` (excluded)."""

    start: datetime
    end: datetime
    made_at: datetime
    by_outcome: Mapping[str, int]  # every REPORT_OUTCOMES key, zeros included
    by_operator: tuple[OperatorRow, ...]  # most scans first
    hours: tuple[HourRow, ...]  # in time order (see MAX_CHART_HOURS)
    scans: tuple[ScanRow, ...]  # in time order: every scan, or the last ones (see scans_complete)
    exceptions: tuple[ExceptionRow, ...]  # by the time they were opened
    opened: Mapping[str, int] = field(default_factory=dict)  # exceptions opened in the range, by kind
    closed: Mapping[str, int] = field(default_factory=dict)  # exceptions closed in the range, by kind
    scan_count: int | None = None  # every scan of the range; None: len(scans)
    exception_count: int | None = None  # every exception opened or closed in the range; None: len(exceptions)

    @property
    def total(self) -> int:
        return len(self.scans) if self.scan_count is None else self.scan_count

    @property
    def scans_complete(self) -> bool:
        """`scans` lists every scan of the range (not only the last SCREEN_SCANS)."""
        return len(self.scans) == self.total

    @property
    def exceptions_complete(self) -> bool:
        """`exceptions` lists every exception opened or closed in the range."""
        return self.exception_count is None or len(self.exceptions) == self.exception_count

    @property
    def undone(self) -> int:
        return self.by_outcome.get(UNDONE, 0)

    @property
    def scans_per_hour(self) -> float:
        """The range's scans over its length in hours (at least one hour)."""
        hours = max((self.end - self.start).total_seconds() / 3600, 1.0)
        return self.total / hours

    @property
    def peak_hour(self) -> HourRow | None:
        busiest = max(self.hours, key=lambda h: h.total, default=None)
        return busiest if busiest is not None and busiest.total else None


# --------------------------------------------------------------------------- ranges


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    """`moment` in `zone`; None is the system's local time with its own rules for that moment (DST)."""
    return moment.astimezone(zone)


def day_range(day: date, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """One local day: its midnight to the next (23 or 25 hours on a DST change), in UTC."""
    start = datetime.combine(day, time(), tzinfo=zone) if zone else datetime.combine(day, time()).astimezone()
    following = day + timedelta(days=1)
    end = datetime.combine(following, time(), tzinfo=zone) if zone else datetime.combine(following, time()).astimezone()
    return start.astimezone(UTC), end.astimezone(UTC)


def current_shift(now: datetime | None = None, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The shift going on: since the last CURRENT_SHIFT_STARTS local (today's, else yesterday's) up to now."""
    moment = now or utcnow()
    local = _local(moment, zone)
    day = local.date() if local.time() >= CURRENT_SHIFT_STARTS else local.date() - timedelta(days=1)
    naive = datetime.combine(day, CURRENT_SHIFT_STARTS)
    start = naive.replace(tzinfo=zone) if zone else naive.astimezone()
    return start.astimezone(UTC), moment.astimezone(UTC)


def _hour_of(moment: datetime, zone: tzinfo | None) -> datetime:
    return _local(moment, zone).replace(minute=0, second=0, microsecond=0)


def _hours_between(start: datetime, end: datetime, zone: tzinfo | None) -> list[datetime]:
    hours: list[datetime] = []
    hour = _hour_of(start, zone)
    while hour < end and len(hours) <= MAX_CHART_HOURS:
        hours.append(hour)
        # A step in UTC, then back to local time: a DST change gives a 23- or 25-hour day, never a gap or a repeat.
        hour = _hour_of(hour.astimezone(UTC) + timedelta(hours=1), zone)
    return hours


# -------------------------------------------------------------------------- building


def build_report(
    store: Store,
    actor: Actor,
    start: datetime,
    end: datetime,
    *,
    station: str = "",
    zone: tzinfo | None = None,
    scan_limit: int | None = SCREEN_SCANS,
    exception_limit: int | None = SCREEN_EXCEPTIONS,
) -> ShiftReport:
    """The report of [start, end); hours are local hours of `zone` (None: the system's). Supervisors and up.

    `station` names the station asking, for the audit row of a refusal. The counts come from one GROUP BY
    over scan_log's scanned_at index (quarter hour, operator, outcome, undone), so they always add up and
    cost the same whatever the day's size; so are the exceptions opened and closed. `scans` lists the last
    `scan_limit` scans and `exceptions` the last `exception_limit` exceptions (None: every one, as an export
    writes them; export_report reads the rest itself).
    """
    check(store, actor, Act.READ_REPORTS, station=station)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("a report's range needs aware datetimes")
    with store.begin() as conn:
        hour_text, quarter = _quarter_hour(store)
        undone = type_coerce(ScanLog.undone_at.is_not(None), Boolean)
        groups = conn.execute(
            select(hour_text, quarter, ScanLog.operator, ScanLog.outcome, undone, func.count())
            .where(ScanLog.scanned_at >= start, ScanLog.scanned_at < end)
            .group_by(hour_text, quarter, ScanLog.operator, ScanLog.outcome, undone)
        ).all()
        scans = _scan_rows(conn, start, end, scan_limit)
        exceptions = _exception_rows(conn, start, end, exception_limit)
        opened, closed, exception_count = _exception_counts(conn, start, end)
    counted = [
        _Group(_quarter_start(hour, q), operator, UNDONE if was_undone else outcome, int(n))
        for hour, q, operator, outcome, was_undone, n in groups
    ]
    return replace(
        _summarise(start, end, counted, scans, zone),
        exceptions=tuple(exceptions),
        opened=opened,
        closed=closed,
        exception_count=exception_count,
    )


def _in_range(column: Any, start: datetime, end: datetime) -> Any:
    return and_(column >= start, column < end)


def _exception_counts(conn: Any, start: datetime, end: datetime) -> tuple[dict[str, int], dict[str, int], int]:
    """The exceptions opened and closed in the range, by kind, and how many were either: counted in SQL."""
    opened: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    total = 0
    u_open = _in_range(UnknownParcel.first_seen_at, start, end)
    u_close = _in_range(UnknownParcel.resolved_at, start, end)
    r_open = _in_range(ReviewItem.created_at, start, end)
    r_close = _in_range(ReviewItem.closed_at, start, end)
    queries = (
        select(literal(UNKNOWN_PARCEL), func.count().filter(u_open), func.count().filter(u_close), func.count()).where(
            or_(u_open, u_close)
        ),
        select(ReviewItem.kind, func.count().filter(r_open), func.count().filter(r_close), func.count())
        .where(or_(r_open, r_close))
        .group_by(ReviewItem.kind),
    )
    for query in queries:
        for kind, n_opened, n_closed, n in conn.execute(query):
            if n_opened:
                opened[kind] += int(n_opened)
            if n_closed:
                closed[kind] += int(n_closed)
            total += int(n)
    return dict(opened), dict(closed), total


def _exception_rows(conn: Any, start: datetime, end: datetime, limit: int | None) -> list[ExceptionRow]:
    """The unknown parcels and review items opened or closed in the range, by the time they were opened.

    The last `limit` of them; None: every one.
    """
    unknowns = select(
        UnknownParcel.id,
        UnknownParcel.first_seen_at,
        UnknownParcel.resolved_at,
        UnknownParcel.resolved_by,
        UnknownParcel.tracking_number,
        UnknownParcel.raw_scan,
        UnknownParcel.resolution,
    ).where(or_(_in_range(UnknownParcel.first_seen_at, start, end), _in_range(UnknownParcel.resolved_at, start, end)))
    reviews = select(
        ReviewItem.id,
        ReviewItem.kind,
        ReviewItem.created_at,
        ReviewItem.closed_at,
        ReviewItem.closed_by,
        ReviewItem.detail,
    ).where(or_(_in_range(ReviewItem.created_at, start, end), _in_range(ReviewItem.closed_at, start, end)))
    if limit is not None:
        # Each table's last `limit`: together they hold the last `limit` of both.
        unknowns = unknowns.order_by(UnknownParcel.first_seen_at.desc()).limit(max(0, limit))
        reviews = reviews.order_by(ReviewItem.created_at.desc()).limit(max(0, limit))

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    rows = [
        ExceptionRow(
            kind=UNKNOWN_PARCEL,
            ref=u.id,
            opened_at=u.first_seen_at,
            closed_at=u.resolved_at,
            closed_by=u.resolved_by or "",
            what=u.tracking_number or u.raw_scan,
            resolution=u.resolution or "",
            opened_in_range=within(u.first_seen_at),
            closed_in_range=within(u.resolved_at),
        )
        for u in conn.execute(unknowns)
    ]
    rows += [
        ExceptionRow(
            kind=r.kind,
            ref=str(r.id),
            opened_at=r.created_at,
            closed_at=r.closed_at,
            closed_by=r.closed_by or "",
            what=r.detail,
            resolution="closed" if r.closed_at is not None else "",
            opened_in_range=within(r.created_at),
            closed_in_range=within(r.closed_at),
        )
        for r in conn.execute(reviews)
    ]
    rows.sort(key=lambda e: (e.opened_at, e.kind, e.ref))
    return rows if limit is None else rows[max(0, len(rows) - limit) :]


class _Group(NamedTuple):
    """The scans of one quarter hour, one operator and one counted outcome."""

    at: datetime  # the quarter hour's start, aware UTC
    operator: str
    counted: str
    n: int


def _quarter_hour(store: Store) -> tuple[Any, Any]:
    """SQL for a scan's UTC hour ("YYYY-MM-DD HH") and its quarter (0-3) on the store's backend."""
    if store.dialect.name == "sqlite":
        # UTCDateTime keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: the text itself, no date functions per row.
        text = func.substr(ScanLog.scanned_at, 1, 13)
        quarter = type_coerce(func.substr(ScanLog.scanned_at, 15, 2), Integer) / 15
        return text, func.cast(quarter, Integer)
    utc = func.timezone("UTC", ScanLog.scanned_at)
    return func.to_char(utc, "YYYY-MM-DD HH24"), func.cast(func.floor(func.extract("minute", utc) / 15), Integer)


def _quarter_start(hour: str, quarter: int) -> datetime:
    return datetime.fromisoformat(f"{hour}:00+00:00") + int(quarter) * _QUARTER


def _scan_select() -> Any:
    # The columns in ScanRow's order, so each row becomes one without a step in Python.
    return select(
        ScanLog.scanned_at,
        func.coalesce(ScanLog.tracking_number, ""),
        ScanLog.raw,
        func.coalesce(ScanLog.carrier, ""),
        ScanLog.outcome,
        ScanLog.operator,
        ScanLog.scanner,
        ScanLog.station_id,
        ScanLog.typed,
        type_coerce(ScanLog.undone_at.is_not(None), Boolean),
    )


def _scan_rows(conn: Any, start: datetime, end: datetime, limit: int | None) -> tuple[ScanRow, ...]:
    """The range's scans in time order, or its last `limit`.

    Ordered by the index alone: a tie-break column would make SQLite sort the whole day again.
    """
    query = _scan_select().where(ScanLog.scanned_at >= start, ScanLog.scanned_at < end)
    if limit is None:
        return tuple(map(ScanRow._make, conn.execute(query.order_by(ScanLog.scanned_at))))
    last = conn.execute(query.order_by(ScanLog.scanned_at.desc()).limit(max(0, limit))).all()
    return tuple(map(ScanRow._make, reversed(last)))


def read_scans(
    store: Store, actor: Actor, start: datetime, end: datetime, *, station: str = "", limit: int | None = None
) -> tuple[ScanRow, ...]:
    """The scans of [start, end) in time order (the last `limit` of them; None: all). Supervisors and up."""
    check(store, actor, Act.READ_REPORTS, station=station)
    with store.begin() as conn:
        return _scan_rows(conn, start, end, limit)


def _summarise(
    start: datetime,
    end: datetime,
    groups: list[_Group],
    scans: tuple[ScanRow, ...],
    zone: tzinfo | None,
) -> ShiftReport:
    """The counts of the scans' groups, as a report with no exceptions yet."""
    by_outcome = dict.fromkeys(REPORT_OUTCOMES, 0)
    by_operator: dict[str, dict[str, int]] = {}
    hours = _hours_between(start, end, zone)
    groups.sort(key=lambda g: g.at)
    long_range = len(hours) > MAX_CHART_HOURS
    if long_range:
        by_hour: dict[datetime, dict[str, int]] = {}
        for g in groups:
            counts = by_hour.setdefault(_hour_of(g.at, zone), dict.fromkeys(REPORT_OUTCOMES, 0))
            counts[g.counted] += g.n
        hours = sorted(by_hour)
        hour_counts = [by_hour[h] for h in hours]
    else:
        hour_counts = [dict.fromkeys(REPORT_OUTCOMES, 0) for _ in hours]
    # The groups come in time order: walking the hours' ends beside them is cheaper than a zone lookup each.
    ends = [h.astimezone(UTC) for h in hours[1:]]
    index = 0
    total = 0
    for g in groups:
        by_outcome[g.counted] += g.n
        total += g.n
        own = by_operator.get(g.operator)
        if own is None:
            own = by_operator[g.operator] = dict.fromkeys(REPORT_OUTCOMES, 0)
        own[g.counted] += g.n
        while index < len(ends) and g.at >= ends[index]:
            index += 1
        if hour_counts and not long_range:
            hour_counts[index][g.counted] += g.n
    operators = sorted(by_operator.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return ShiftReport(
        start=start,
        end=end,
        made_at=utcnow(),
        by_outcome=by_outcome,
        by_operator=tuple(OperatorRow(name, counts) for name, counts in operators),
        hours=tuple(HourRow(h, counts) for h, counts in zip(hours, hour_counts, strict=True)),
        scans=scans,
        exceptions=(),
        scan_count=total,
    )


# --------------------------------------------------------------------------- export

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's CSV-injection list): a barcode
# or a customer's text must stay text.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """`text` fit for a spreadsheet cell: a leading formula character is escaped with a single quote."""
    text = storable_text(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _xlsx_text(text: str) -> str:
    # XML 1.0 has no place for most C0 controls (openpyxl refuses them): a GS in a raw scan is shown by its code.
    safe = safe_text(text)
    return "".join(f"<0x{ord(c):02X}>" if ord(c) < 0x20 and c not in "\t\n\r" else c for c in safe)


def _when(moment: datetime | None, zone: tzinfo | None) -> str:
    return "" if moment is None else _local(moment, zone).isoformat(timespec="seconds")


SCAN_COLUMNS: Final = (
    "time",
    "number",
    "carrier",
    "outcome",
    "undone",
    "operator",
    "scanner",
    "station",
    "typed",
    "raw",
)
EXCEPTION_COLUMNS: Final = ("kind", "ref", "opened", "closed", "closed by", "resolution", "what")


def _summary_rows(report: ShiftReport, zone: tzinfo | None) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("from", _when(report.start, zone)),
        ("to", _when(report.end, zone)),
        ("scans", report.total),
        ("scans per hour", round(report.scans_per_hour, 1)),
    ]
    rows += [(outcome, report.by_outcome.get(outcome, 0)) for outcome in REPORT_OUTCOMES]
    rows += [(f"opened: {kind}", n) for kind, n in sorted(report.opened.items())]
    rows += [(f"closed: {kind}", n) for kind, n in sorted(report.closed.items())]
    return rows


def _scan_values(scan: ScanRow, zone: tzinfo | None) -> list[object]:
    return [
        _when(scan.at, zone),
        scan.number,
        scan.carrier,
        scan.outcome,
        "yes" if scan.undone else "",
        scan.operator,
        scan.scanner,
        scan.station,
        "yes" if scan.typed else "",
        scan.raw,
    ]


def _exception_values(e: ExceptionRow, zone: tzinfo | None) -> list[object]:
    return [e.kind, e.ref, _when(e.opened_at, zone), _when(e.closed_at, zone), e.closed_by, e.resolution, e.what]


def _csv_cells(values: Iterable[object]) -> list[object]:
    return [safe_text(v) if isinstance(v, str) else v for v in values]


def csv_bytes(report: ShiftReport, zone: tzinfo | None = None) -> bytes:
    """The report as one CSV file: sections Summary, Operators, Hours, Scans, Exceptions, a blank line apart."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)

    def section(title: str, header: Sequence[str], rows: Iterable[Iterable[object]]) -> None:
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(_csv_cells(row) for row in rows)
        writer.writerow([])

    section("Summary", ("what", "count"), _summary_rows(report, zone))
    section(
        "Operators",
        ("operator", *REPORT_OUTCOMES, "total"),
        ([o.operator, *(o.counts.get(k, 0) for k in REPORT_OUTCOMES), o.total] for o in report.by_operator),
    )
    section(
        "Hours",
        ("hour", *REPORT_OUTCOMES, "total"),
        ([_when(h.start, zone), *(h.counts[k] for k in REPORT_OUTCOMES), h.total] for h in report.hours),
    )
    section("Scans", SCAN_COLUMNS, (_scan_values(s, zone) for s in report.scans))
    section("Exceptions", EXCEPTION_COLUMNS, (_exception_values(e, zone) for e in report.exceptions))
    # UTF-8 with a BOM: the spreadsheet programs people open it with then read Cyrillic names right.
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(report: ShiftReport, zone: tzinfo | None = None) -> bytes:
    """The report as a workbook: Summary (with the chart of scans per hour), Operators, Hours, Scans, Exceptions.

    Every sheet's header row is frozen and its columns sized; text is escaped as in CSV (safe_text).
    """
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    heading = Font(bold=True)

    def sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int]) -> Any:
        ws = book.create_sheet(title)
        append(ws, header, bold=True)
        for row in rows:
            append(ws, row)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        return ws

    def append(ws: Any, values: Sequence[object], *, bold: bool = False) -> None:
        ws.append([_xlsx_text(v) if isinstance(v, str) else v for v in values])
        if bold:
            for cell in ws[ws.max_row]:
                cell.font = heading

    book.remove(book.active)
    summary = sheet("Summary", ("what", "count"), _summary_rows(report, zone), (28, 26))
    sheet(
        "Operators",
        ("operator", *REPORT_OUTCOMES, "total"),
        ((o.operator, *(o.counts.get(k, 0) for k in REPORT_OUTCOMES), o.total) for o in report.by_operator),
        (20, *(13 for _ in REPORT_OUTCOMES), 9),
    )
    hours = sheet(
        "Hours",
        ("hour", *REPORT_OUTCOMES, "total"),
        (
            (_local(h.start, zone).strftime("%Y-%m-%d %H:%M"), *(h.counts[k] for k in REPORT_OUTCOMES), h.total)
            for h in report.hours
        ),
        (18, *(13 for _ in REPORT_OUTCOMES), 9),
    )
    if report.hours:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "stacked"
        chart.overlap = 100  # stacked bars need full overlap, or Excel draws them side by side
        chart.title = "Scans per hour by outcome"
        chart.y_axis.title = "scans"
        chart.x_axis.title = "hour"
        last = len(report.hours) + 1
        chart.add_data(
            Reference(hours, min_col=2, max_col=len(REPORT_OUTCOMES) + 1, min_row=1, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(Reference(hours, min_col=1, min_row=2, max_row=last))
        chart.width, chart.height = 24, 12
        summary.add_chart(chart, "D2")

    sheet(
        "Scans",
        SCAN_COLUMNS,
        (_scan_values(s, zone) for s in report.scans),
        (26, 24, 10, 13, 8, 16, 12, 14, 7, 30),
    )
    sheet(
        "Exceptions",
        EXCEPTION_COLUMNS,
        (_exception_values(e, zone) for e in report.exceptions),
        (16, 38, 26, 26, 16, 14, 50),
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_csv(report: ShiftReport, path: Path, zone: tzinfo | None = None) -> None:
    """Write the report to `path` as CSV, atomically and owner-only (no role check: see export_report)."""
    write_private_atomically(path, csv_bytes(report, zone))


def export_xlsx(report: ShiftReport, path: Path, zone: tzinfo | None = None) -> None:
    """Write the report to `path` as an XLSX workbook, atomically and owner-only (no role check: see export_report)."""
    write_private_atomically(path, xlsx_bytes(report, zone))


EXPORTERS: Final = {".csv": export_csv, ".xlsx": export_xlsx}


def export_report(
    store: Store, actor: Actor, report: ShiftReport, path: Path, *, station: str, zone: tzinfo | None = None
) -> Path:
    """Write `report` as CSV or XLSX by `path`'s suffix; supervisors and up; the export is audited with its counts."""
    check(store, actor, Act.EXPORT_REPORT, station=station)
    exporter = EXPORTERS.get(path.suffix.lower())
    if exporter is None:
        raise ValueError(f"{path.name}: a report is exported as .xlsx or .csv")
    if not (report.scans_complete and report.exceptions_complete):
        # A report built for the screen lists the last scans and exceptions: the file gets every one.
        with store.begin() as conn:
            report = replace(
                report,
                scans=_scan_rows(conn, report.start, report.end, None),
                scan_count=None,
                exceptions=tuple(_exception_rows(conn, report.start, report.end, None)),
                exception_count=None,
            )
    exporter(report, path, zone)
    counts: dict[str, Json] = {
        "scans": len(report.scans),
        "hours": len(report.hours),
        "exceptions": len(report.exceptions),
    }
    with write_transaction(store) as conn:
        audit.append(
            conn,
            station=station,
            actor=actor,
            kind=AuditKind.EXPORTED,
            target=str(path),
            after={"report": {"from": report.start.isoformat(), "to": report.end.isoformat()}, "rows": counts},
            detail=f"shift report: {len(report.scans)} scans, {len(report.exceptions)} exceptions to {path}",
        )
    return path
