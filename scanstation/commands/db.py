"""`scanstation db upgrade|status`: migrate the local database, or show its revision and row counts."""

from __future__ import annotations

import argparse
import sys

from scanstation.commands.common import add_config_option, config_or_exit
from scanstation.commands.common import redact_url as _redact

EXIT_STORE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = sub.add_parser("upgrade", help="back up the database and apply pending migrations (also done on start)")
    add_config_option(up)
    status = sub.add_parser("status", help="show the schema revision, the newest one known, and row counts")
    add_config_option(status)


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    # Heavy imports here, not at module top: the CLI imports every command module to build --help.
    from sqlalchemy.exc import DBAPIError

    from scanstation.store.errors import StoreError

    try:
        if args.db_command == "upgrade":
            return _upgrade(config.database.url)
        return _status(config.database.url)
    except StoreError as err:
        print(f"scanstation db: {err}", file=sys.stderr)
    except DBAPIError as err:
        print(f"scanstation db: {_redact(config.database.url)} is not a usable database: {err.orig}", file=sys.stderr)
    return EXIT_STORE


def _upgrade(url: str) -> int:
    from scanstation.store.connection import create_store
    from scanstation.store.migrate import current_revision, head_revision, upgrade

    store = create_store(url)
    try:
        with store.connect() as conn:
            before = current_revision(conn)
        backup = upgrade(store)
    finally:
        store.close()
    head = head_revision()
    if before == head:
        print(f"database {_redact(url)} is up to date (revision {head})")
        return 0
    print(f"database {_redact(url)} upgraded from {before or 'empty'} to {head}")
    if backup is not None:
        print(f"backup of the previous database: {backup}")
    elif url.startswith("postgresql") and before is not None:
        print("no copy was made of the PostgreSQL database: take a pg_dump before upgrading the software")
    return 0


def _status(url: str) -> int:
    from sqlalchemy import func, inspect, select

    from scanstation.store.connection import create_store
    from scanstation.store.engine import FEED_ALIAS, sqlite_path
    from scanstation.store.migrate import current_revision, head_revision
    from scanstation.store.models import Base, FeedBase

    path = sqlite_path(url)
    if path is not None and not path.exists():
        print(f"no database at {path} yet: `scanstation db upgrade` (or starting the station) creates it")
        return EXIT_STORE
    store = create_store(url)
    try:
        with store.connect() as conn:
            current = current_revision(conn)
            inspector = inspect(conn)
            present = set(inspector.get_table_names())
            if path is not None:  # the feed's own file, attached to every station connection
                present |= set(inspector.get_table_names(schema=FEED_ALIAS))
            tables = {**Base.metadata.tables, **FeedBase.metadata.tables}
            counts = {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in sorted(tables.items())
                if name in present
            }
    finally:
        store.close()
    head = head_revision()
    print(f"database  {_redact(url)}")
    state = "up to date" if current == head else "needs `scanstation db upgrade`"
    print(f"revision  {current or 'none (empty database)'}; newest known {head}: {state}")
    for name, count in counts.items():
        print(f"  {name:<18} {count:>12,}")
    return 0
