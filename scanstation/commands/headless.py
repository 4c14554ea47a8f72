"""`scanstation headless`: scanners, receiving and sync with no window; JSON lines on stdout, logs on stderr."""

from __future__ import annotations

import argparse
import sys

from scanstation.commands.common import add_config_option, config_or_exit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    from scanstation.headless import run_headless
    from scanstation.logs import setup_logging
    from scanstation.process import share_the_gil_quickly
    from scanstation.store.errors import StoreError

    share_the_gil_quickly()  # scans are decided on their threads while a feed page is written on another
    setup_logging(config.logging, secrets=[t for t in (config.server_token(),) if t], log_file="headless.log")
    token_error = config.token_error()
    if token_error is not None:  # scanning goes on offline; the events wait in the outbox for a token
        print(
            f"scanstation headless: WARNING: {token_error}. Scans are recorded; their events wait for a token",
            file=sys.stderr,
        )
    try:
        return run_headless(config)
    except StoreError as exc:
        print(f"scanstation headless: the database cannot be opened: {exc}", file=sys.stderr)
        return 1
