"""`scanstation review`: the supervisor's queue listed, one exception resolved, suggestions and search, by command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING

from scanstation.commands.common import add_config_option, config_or_exit, redact_url

if TYPE_CHECKING:
    from scanstation.domain import Actor
    from scanstation.review.resolve import Resolutions, Resolved
    from scanstation.store.connection import Store

EXIT_STORE = 1
EXIT_REFUSED = 2
ACTIONS = ("match", "returned", "disposed", "other", "ack", "retry", "dismiss")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="review_command", metavar="list|resolve|suggest|search", required=True)
    listing = sub.add_parser("list", help="the open exceptions, oldest first")
    listing.add_argument("--kind", action="append", default=[], metavar="KIND", help="only this kind; repeatable")
    listing.add_argument("--all", action="store_true", help="resolved ones too")
    listing.add_argument("--overdue-days", type=int, default=14, metavar="N", help="awaiting longer than N days")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    add_config_option(listing)
    resolve = sub.add_parser("resolve", help="resolve one exception: ID ACTION [REGISTRATION_ID] [--note ...]")
    resolve.add_argument("id", metavar="ID", help="unknown:<uuid>, review:<n> or registration:<id>")
    resolve.add_argument("action", choices=ACTIONS)
    resolve.add_argument("registration", nargs="?", metavar="REGISTRATION_ID", help="for match")
    resolve.add_argument("--note", default="", help="why; needed to close, acknowledge or dismiss")
    add_config_option(resolve)
    suggesting = sub.add_parser("suggest", help="the registrations an unknown parcel may be, best first, with why")
    suggesting.add_argument("parcel", metavar="UNKNOWN_OR_NUMBER", help="unknown:<uuid>, an unknown's id, or a number")
    suggesting.add_argument("--limit", type=int, default=5, metavar="N", help="at most N suggestions (5)")
    suggesting.add_argument("--json", action="store_true", help="one JSON object per line")
    add_config_option(suggesting)
    searching = sub.add_parser("search", help="registrations by part of a number, suite, name, order or store")
    searching.add_argument("text", help="what to look for")
    searching.add_argument("--limit", type=int, default=50, metavar="N", help="at most N registrations (50)")
    searching.add_argument("--json", action="store_true", help="one JSON object per line")
    add_config_option(searching)


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    from sqlalchemy.exc import DBAPIError

    from scanstation.commands.operators import shell_actor
    from scanstation.domain import NotAllowedError, json_form
    from scanstation.logs import setup_logging
    from scanstation.receiving import Receiver
    from scanstation.review.queue import ExceptionFilter, ExceptionKind, list_exceptions
    from scanstation.review.resolve import ResolutionError, Resolutions
    from scanstation.store.connection import close_store, open_store
    from scanstation.store.errors import StoreError

    setup_logging(config.logging, log_file="operators.log")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        store = open_store(config.database.url)
    except (StoreError, DBAPIError) as err:
        print(f"scanstation review: {redact_url(config.database.url)}: {err}", file=sys.stderr)
        return EXIT_STORE
    actor = shell_actor()
    station = config.station.id
    try:
        if args.review_command == "list":
            kinds = tuple(ExceptionKind(k) for k in args.kind)
            flt = ExceptionFilter(kinds=kinds, open_only=not args.all)
            items = list_exceptions(store, actor, flt, overdue_days=args.overdue_days, station=station)
            if not items and not args.json:
                print("no open exceptions" if flt.open_only else "no exceptions")  # said, not an empty screen
            for item in items:
                if args.json:
                    print(json.dumps(json_form(item), ensure_ascii=False))
                else:
                    when = item.opened_at.astimezone().strftime("%Y-%m-%d %H:%M")
                    state = f"  [{item.resolution or 'resolved'}]" if item.resolved else ""
                    print(f"{item.id}  {item.kind}  {when}  {item.tracking_number or '-'}  {item.summary}{state}")
            return 0
        if args.review_command == "suggest":
            return _suggest(store, actor, args, station)
        if args.review_command == "search":
            return _search(store, actor, args, station)
        receiver = Receiver(
            store,
            station_id=station,
            undo_window_s=config.receiving.undo_window_s,
            fnc1_substitutes=config.receiving.fnc1_substitutes,
        )
        done = _resolve(Resolutions(store, receiver), actor, args)
        print(f"{done.item_id}: {done.message} (resolution {done.id}, undo until {done.undo_until:%H:%M:%S})")
        return 0
    except (NotAllowedError, ResolutionError, ValueError) as err:
        print(f"scanstation review: {err}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        close_store(store)


def _suggest(store: Store, actor: Actor, args: argparse.Namespace, station: str) -> int:
    from scanstation.domain import json_form
    from scanstation.review.suggest import suggest, suggest_for_unknown

    parcel: str = args.parcel
    unknown_id = parcel.removeprefix("unknown:")
    found = suggest_for_unknown(store, actor, unknown_id, limit=args.limit, station=station)
    if found is None:
        if parcel.startswith("unknown:"):
            print(f"scanstation review: no unknown parcel {unknown_id}", file=sys.stderr)
            return EXIT_REFUSED
        found = suggest(store, actor, parcel, limit=args.limit, station=station)
    if not found and not args.json:
        print("no suggestions")
    for item in found:
        if args.json:
            print(json.dumps(json_form(item), ensure_ascii=False))
        else:
            number = item.tracking_number or item.tracking_typed
            print(f"{item.registration_id}  {number}  {item.customer_suite}  {item.customer_name}  {item.words}")
    return 0


def _search(store: Store, actor: Actor, args: argparse.Namespace, station: str) -> int:
    from scanstation.domain import json_form
    from scanstation.review.search import search_registrations

    hits = search_registrations(store, actor, args.text, limit=args.limit, station=station)
    if not hits and not args.json:
        print("nothing found")
    for hit in hits:
        if args.json:
            print(json.dumps(json_form(hit), ensure_ascii=False))
        else:
            deleted = "  [deleted]" if hit.deleted else ""
            number = hit.tracking_number or hit.tracking_typed
            print(
                f"{hit.registration_id}  {number}  {hit.customer_suite}  {hit.customer_name}  {hit.store}  "
                f"{hit.order_number}  {hit.status}  ({hit.matched_on}){deleted}"
            )
    return 0


def _resolve(resolutions: Resolutions, actor: Actor, args: argparse.Namespace) -> Resolved:
    from scanstation.review.resolve import ResolutionError

    item: str = args.id
    note: str = args.note
    if args.action == "match":
        if not args.registration:
            raise ResolutionError("match needs the REGISTRATION_ID")
        if item.startswith("review:"):
            return resolutions.pick_ambiguous(actor, item, args.registration, note)
        return resolutions.match_unknown(actor, item, args.registration, note)
    if args.action in ("returned", "disposed", "other"):
        word = "returned_to_sender" if args.action == "returned" else args.action
        return resolutions.close_unknown(actor, item, word, note)
    if args.action == "ack":
        return resolutions.acknowledge(actor, item, note)
    if args.action == "retry":
        return resolutions.retry_event(actor, item, note)
    return resolutions.dismiss(actor, item, note)
