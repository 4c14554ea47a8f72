"""`scanstation gui`: the clerk's scan screen on the configured database, server and scanners."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scanstation.commands.common import EXIT_CONFIG, add_config_option, print_config_errors
from scanstation.config import ConfigError, config_search_paths, load_config

if TYPE_CHECKING:
    from scanstation.gui.startup_error import ShowDialog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)


def run(args: argparse.Namespace, *, show_dialog: ShowDialog | None = None) -> int:
    """Open the scan screen; a missing or broken config is said on stderr and in a window, exit 2.

    The station is usually started from a menu entry, where nobody reads stderr. `show_dialog` shows the
    error box and returns when it is closed (tests close it themselves); by default it is shown modally
    wherever a window can appear.
    """
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print_config_errors(exc.errors)
        from scanstation.gui.startup_error import show_config_error

        show_config_error(exc, config_search_paths(args.config), show=show_dialog)
        return EXIT_CONFIG
    from scanstation.gui.app import run_window

    # The file load_config read (the --config one, or the first found): the admin's settings save to it.
    return run_window(config, sys.argv[:1], config_path=Path(config.source) if config.source else None)
