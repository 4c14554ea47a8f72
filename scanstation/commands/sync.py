"""`scanstation sync [--once | --test]`: the sync loop from the command line, or a test of the connection."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING

from scanstation.commands.common import add_config_option, config_or_exit

if TYPE_CHECKING:
    from scanstation.domain import SyncNotice, SyncStatus
    from scanstation.sync.loop import CycleReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one cycle (health, pull to the end, push), then exit")
    mode.add_argument(
        "--test",
        action="store_true",
        help="test the connection (reachable, clocks, token) without syncing; one line per step, exit 1 on a problem",
    )


def probe_connection(args: argparse.Namespace) -> int:
    """`sync --test`: the probe's steps, one line each; 0 when every one passed."""
    # A missing token is one of the steps here, not a reason to refuse the config.
    config = config_or_exit(args)
    from scanstation.logs import setup_logging
    from scanstation.sync.probe import probe_server

    token = config.server_token()
    setup_logging(config.logging, secrets=[t for t in [token] if t], log_file="sync.log")
    for warning in config.warnings():
        print(warning, file=sys.stderr)
    report = probe_server(config.server, token, config.station.id)
    for step in report.steps:
        print(f"{'ok  ' if step.ok else 'FAIL'}  {step.name:<9}  {step.words}", flush=True)
    return 0 if report.ok else 1


def describe_cycle(report: CycleReport) -> str:
    """One line: what a cycle pulled, pushed and what went wrong."""
    parts: list[str] = []
    pull = report.pull
    if pull is not None:
        parts.append(
            f"pulled {pull.items} registrations in {pull.pages} pages ({pull.inserted} new, {pull.updated} changed"
            f"{', feed restarted after 410' if pull.restarted else ''})"
        )
        if pull.resolved:
            parts.append(f"received {len(pull.resolved)} unknown parcels the customers registered late")
    push = report.push
    parts.append(
        f"pushed {push.sent + push.duplicate} events ({push.duplicate} already known), rejected {push.rejected}"
    )
    if report.token_rejected:
        parts.append("token rejected: fix the token in the config")
    parts.extend(f"error: {error}" for error in report.errors)
    return "; ".join(parts)


def describe_status(status: SyncStatus) -> str:
    offset = "?" if status.clock_offset_s is None else f"{status.clock_offset_s:+.1f} s"
    text = (
        f"{status.state}: {status.events_waiting} events waiting, {status.events_held} held, "
        f"{status.rejected_count} rejected, clock offset {offset}"
    )
    if status.contract_errors:
        text += f", {status.contract_errors} answers set aside"
    if status.last_error:
        text += f" (last error: {status.last_error})"
    return text


def run(args: argparse.Namespace) -> int:
    if args.test:
        return probe_connection(args)
    # Without a token the server could only answer 401, which would read as a wrong token: say it is missing.
    config = config_or_exit(args, require_token=True)
    from scanstation.logs import setup_logging
    from scanstation.process import share_the_gil_quickly
    from scanstation.receiving import Receiver
    from scanstation.store.connection import close_store, open_store
    from scanstation.store.errors import StoreError
    from scanstation.sync.loop import DISABLED, TOKEN_REJECTED, SyncLoop

    share_the_gil_quickly()  # as the station would, so a pull here runs as it does beside scans
    setup_logging(config.logging, secrets=[t for t in [config.server_token()] if t], log_file="sync.log")
    if not config.server.enabled:
        print("scanstation sync: no [server] url in the config: sync is disabled", file=sys.stderr)
        return 1
    try:
        store = open_store(config.database.url)
    except StoreError as err:
        print(f"scanstation sync: {err}", file=sys.stderr)
        return 1
    receiver = Receiver(
        store,
        station_id=config.station.id,
        undo_window_s=config.receiving.undo_window_s,
        fnc1_substitutes=config.receiving.fnc1_substitutes,
    )

    def notice(item: SyncNotice) -> None:
        verdict = item.verdict
        number = verdict.tracking_number or verdict.raw
        suite = verdict.customer_suite or "?"
        print(f"received {number} for {suite}: {item.message}", flush=True)

    try:
        if args.once:
            loop = SyncLoop(config, store, resolver=receiver.resolve_unknowns, on_notice=notice)
            report = loop.run_once()
            print(describe_cycle(report), flush=True)
            print(describe_status(loop.status), flush=True)
            if loop.status.state == DISABLED:
                return 1
            if report.token_rejected or loop.status.state == TOKEN_REJECTED:
                return 3
            return 1 if report.errors else 0

        done = threading.Event()

        def status(item: SyncStatus) -> None:
            print(describe_status(item), flush=True)

        def cycle(item: CycleReport) -> None:
            pulled = item.pull is not None and (item.pull.items or item.pull.resolved)
            if pulled or item.push.requests or item.errors:  # quiet cycles print nothing
                print(describe_cycle(item), flush=True)

        loop = SyncLoop(
            config, store, resolver=receiver.resolve_unknowns, on_status=status, on_notice=notice, on_cycle=cycle
        )
        loop.start()
        print("syncing; Ctrl-C stops", file=sys.stderr, flush=True)
        try:
            done.wait()
        except KeyboardInterrupt:
            pass
        finally:
            loop.stop()
        return 0
    finally:
        close_store(store)
