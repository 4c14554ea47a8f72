"""Pieces every command shares: the --config option and turning a ConfigError into exit status 2."""

from __future__ import annotations

import argparse
import sys

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


def config_or_exit(args: argparse.Namespace) -> Config:
    """Load the config named by --config; print the problem and exit 2 when it is bad."""
    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"scanstation: configuration error: {exc}", file=sys.stderr)
        raise ConfigExit(EXIT_CONFIG) from None


def redact_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
