"""`scanstation operators`: add operators, set PINs and roles, deactivate and activate them."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: the platform config directory)")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError("being written")
