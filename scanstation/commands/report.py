"""`scanstation report`: a shift's scans and exceptions in a short table, or written to an XLSX or CSV file."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from scanstation.commands.common import add_config_option, config_or_exit, day_or_time, redact_url

if TYPE_CHECKING:
    from scanstation.review.report import ShiftReport

EXIT_STORE = 1
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shift",
        metavar="DAY|current",
        help="a whole local day (YYYY-MM-DD), or current: since 06:00 local today (before 06:00, yesterday's) "
        "until now; the default when no range is given",
    )
    parser.add_argument("--from", dest="start", type=day_or_time, metavar="T", help="from this time (ISO) or day on")
    parser.add_argument(
        "--to", dest="end", type=day_or_time, metavar="T", help="up to this time (ISO), or to the end of this day"
    )
    parser.add_argument("--out", metavar="FILE.xlsx|FILE.csv", help="also write the report there (owner-only), audited")
    parser.add_argument("--json", action="store_true", help="the summary as one JSON object instead of a table")
    add_config_option(parser)


def _range(args: argparse.Namespace) -> tuple[datetime, datetime] | str:
    """The report's [start, end) in UTC, or what is wrong with the options in words."""
    from scanstation.review.report import current_shift, day_range

    if args.shift is not None and (args.start is not None or args.end is not None):
        return "--shift and --from/--to are two ways to give the range: use one"
    if args.start is not None or args.end is not None:
        if args.start is None or args.end is None:
            return "--from and --to come together"
        start = args.start[0]
        end = args.end[0] + timedelta(days=1) if args.end[1] else args.end[0]
        if end <= start:
            return "--to must come after --from"
        return start, end
    if args.shift in (None, "current"):
        return current_shift()
    try:
        return day_range(date.fromisoformat(args.shift))
    except ValueError:
        return f"--shift {args.shift!r}: give a day as YYYY-MM-DD, or current"


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    from pathlib import Path

    from sqlalchemy.exc import DBAPIError

    from scanstation.commands.operators import shell_actor
    from scanstation.logs import setup_logging
    from scanstation.review.report import EXPORTERS, build_report, export_report
    from scanstation.store.connection import close_store, open_store
    from scanstation.store.errors import StoreError

    setup_logging(config.logging, log_file="operators.log")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    span = _range(args)
    if isinstance(span, str):
        print(f"scanstation report: {span}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(args.out) if args.out else None
    if out is not None:
        if out.suffix.lower() not in EXPORTERS:
            print(f"scanstation report: {out.name}: the file must end in .xlsx or .csv", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not out.parent.is_dir():
            print(f"scanstation report: {out.parent} is not a directory", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        store = open_store(config.database.url)
    except (StoreError, DBAPIError) as err:
        print(f"scanstation report: {redact_url(config.database.url)}: {err}", file=sys.stderr)
        return EXIT_STORE
    actor = shell_actor()
    try:
        # A file gets every scan; the table printed here needs only the counts.
        limit = None if out is not None else 0
        report = build_report(store, actor, *span, station=config.station.id, scan_limit=limit)
        if out is not None:
            export_report(store, actor, report, out, station=config.station.id)
    except OSError as err:
        print(f"scanstation report: {err}", file=sys.stderr)
        return EXIT_STORE
    finally:
        close_store(store)
    if args.json:
        print(json.dumps(_summary(report), ensure_ascii=False))
    else:
        _print_table(report)
    if out is not None:
        print(f"report written to {out}: {report.total} scans, {len(report.exceptions)} exceptions")
    return 0


def _summary(report: ShiftReport) -> dict[str, object]:
    from scanstation.domain import rfc3339

    return {
        "from": rfc3339(report.start),
        "to": rfc3339(report.end),
        "scans": report.total,
        "scans_per_hour": round(report.scans_per_hour, 1),
        "by_outcome": dict(report.by_outcome),
        "by_operator": {o.operator: dict(o.counts) for o in report.by_operator},
        "by_hour": {rfc3339(h.start): dict(h.counts) for h in report.hours if h.total},
        "exceptions_opened": dict(report.opened),
        "exceptions_closed": dict(report.closed),
    }


def _print_table(report: ShiftReport) -> None:
    from scanstation.review.report import REPORT_OUTCOMES

    start = report.start.astimezone().strftime("%Y-%m-%d %H:%M")
    end = report.end.astimezone().strftime("%Y-%m-%d %H:%M")
    print(f"shift report {start} - {end}: {report.total} scans, {report.scans_per_hour:.1f} an hour")
    width = max((len(o.operator) for o in report.by_operator), default=8)
    width = max(width, len("operator"), len("all"))

    def line(name: str, counts: Mapping[str, object], total: object) -> None:
        cells = "  ".join(f"{counts.get(k, 0):>12}" for k in REPORT_OUTCOMES)
        print(f"{name:<{width}}  {cells}  {total:>6}")

    line("operator", {k: k for k in REPORT_OUTCOMES}, "total")
    for o in report.by_operator:
        line(o.operator, o.counts, o.total)
    line("all", report.by_outcome, report.total)
    if report.peak_hour is not None:
        print(f"busiest hour: {report.peak_hour.start.astimezone().strftime('%H:00')} ({report.peak_hour.total} scans)")
    opened = ", ".join(f"{k} {n}" for k, n in sorted(report.opened.items())) or "none"
    closed = ", ".join(f"{k} {n}" for k, n in sorted(report.closed.items())) or "none"
    print(f"exceptions opened: {opened}; closed: {closed}")
