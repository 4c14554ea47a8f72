"""`scanstation config check`: validate the config file and say what the station will use."""

from __future__ import annotations

import argparse
import sys

from scanstation.commands.common import add_config_option, config_or_exit, redact_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate the config file; exit 2 and name the key when it is wrong")
    add_config_option(check)


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args, require_token=True)
    for warning in config.warnings():
        print(warning, file=sys.stderr)
    print(f"config OK: {config.source}")
    print(f"  station   {config.station.id} (headless operator {config.station.operator!r})")
    print(f"  database  {redact_url(config.database.url)}")
    if config.server.url:
        if config.token_from_environment():
            overridden = ", which wins over the one in the file" if config.server.token else ""
            where = f"from ${config.server.token_env}{overridden}"
        else:
            where = "set in the file"
        print(f"  server    {redact_url(config.server.url)} (token {where})")
    else:
        print("  server    none configured: the station works offline and keeps every event")
    for scanner in config.scanners:
        target = scanner.port or scanner.url or ("USB match" if scanner.usb_vid or scanner.usb_serial else "keyboard")
        print(f"  scanner   {scanner.name}: {scanner.type} {target}{'' if scanner.enabled else ' (disabled)'}")
    return 0
