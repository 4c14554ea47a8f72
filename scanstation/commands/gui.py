"""`scanstation gui`: the clerk's scan screen on the configured database, server and scanners."""

from __future__ import annotations

import argparse
import sys

from scanstation.commands.common import add_config_option, config_or_exit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args)
    from scanstation.gui.app import run_window

    return run_window(config, sys.argv[:1])
