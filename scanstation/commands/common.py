"""Pieces every command shares: the --config option and turning a ConfigError into exit status 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit, urlunsplit

from scanstation.config import Config, ConfigError, load_config

EXIT_CONFIG = 2


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $SCANSTATION_CONFIG, else config.toml in the platform config directory)",
    )


class ConfigExit(SystemExit):
    """Raised after the config problem was printed; carries exit status 2."""


def config_or_exit(args: argparse.Namespace, *, require_token: bool = False) -> Config:
    """Load the config named by --config; print every problem and exit 2 when it is bad.

    `require_token`: for the commands that talk to the server, a url without a usable token is a problem.
    """
    try:
        return load_config(getattr(args, "config", None), require_token=require_token)
    except ConfigError as exc:
        print_config_errors(exc.errors)
        raise ConfigExit(EXIT_CONFIG) from None


def print_config_errors(errors: Sequence[ConfigError]) -> None:
    """One line per mistake on stderr, each naming its key and fix."""
    for error in errors:
        print(f"scanstation: configuration error: {error}", file=sys.stderr)
    if len(errors) > 1:
        print(
            f"scanstation: {len(errors)} configuration errors; the station starts once all are fixed", file=sys.stderr
        )


def redact_url(url: str) -> str:
    """A URL (database or server) fit to print: the password hidden, everything else as written."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def day_or_time(text: str) -> tuple[datetime, bool]:
    """An option's day (local midnight; True: a whole day) or ISO time, in UTC.

    For argparse's `type=`: a ValueError is shown as a usage error.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.astimezone()).astimezone(UTC), False
    return datetime.combine(day, time()).astimezone().astimezone(UTC), True
