"""`scanstation audit`: read the audit trail (filtered by operator, kind, date) or export it as CSV."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import timedelta

from scanstation.commands.common import add_config_option, config_or_exit, day_or_time, redact_url

EXIT_STORE = 1
EXIT_BAD_INPUT = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--operator", metavar="NAME", help="only what NAME did or what was done to NAME")
    parser.add_argument(
        "--kind", action="append", default=[], metavar="KIND", help="only this kind (login.failed, ...); repeatable"
    )
    parser.add_argument("--since", type=day_or_time, metavar="DATE", help="from this day (YYYY-MM-DD) or time on")
    parser.add_argument(
        "--until", type=day_or_time, metavar="DATE", help="up to this day (YYYY-MM-DD, the whole day) or time"
    )
    parser.add_argument("--limit", type=int, default=1000, metavar="N", help="at most N rows, newest first")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    parser.add_argument("--export", metavar="FILE.csv", help="write the rows to a CSV file (owner-only), audited")
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    from pathlib import Path

    from sqlalchemy.exc import DBAPIError

    from scanstation.access.audit import export_audit, read_audit
    from scanstation.commands.operators import shell_actor
    from scanstation.domain import json_form
    from scanstation.logs import setup_logging
    from scanstation.store.audit import AuditFilter
    from scanstation.store.connection import close_store, open_store
    from scanstation.store.errors import StoreError

    setup_logging(config.logging, log_file="operators.log")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    since = args.since[0] if args.since else None
    until = None
    if args.until:
        until = args.until[0] + timedelta(days=1) if args.until[1] else args.until[0]
    flt = AuditFilter(
        operator=args.operator, kinds=tuple(args.kind), since=since, until=until, limit=max(1, args.limit)
    )
    try:
        store = open_store(config.database.url)
    except (StoreError, DBAPIError) as err:
        print(f"scanstation audit: {redact_url(config.database.url)}: {err}", file=sys.stderr)
        return EXIT_STORE
    actor = shell_actor()
    try:
        if args.export:
            path = Path(args.export)
            if not path.parent.is_dir():
                print(f"scanstation audit: {path.parent} is not a directory", file=sys.stderr)
                return EXIT_BAD_INPUT
            rows = export_audit(store, actor, flt, path, station=config.station.id)
            print(f"{rows} audit rows written to {path}")
            return 0
        entries = read_audit(store, actor, flt, station=config.station.id)
    except OSError as err:
        print(f"scanstation audit: {err}", file=sys.stderr)
        return EXIT_STORE
    finally:
        close_store(store)
    for e in entries:
        if args.json:
            print(json.dumps(json_form(e), ensure_ascii=False))
        else:
            local = e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            changes = ""
            if e.before is not None or e.after is not None:
                changes = f" {json.dumps(e.before, ensure_ascii=False)} -> {json.dumps(e.after, ensure_ascii=False)}"
            print(f"{local}  {e.station}  {e.actor} ({e.role})  {e.kind}  {e.target}{changes}  {e.detail}".rstrip())
    if not entries:
        print("no audit rows match", file=sys.stderr)
    return 0
