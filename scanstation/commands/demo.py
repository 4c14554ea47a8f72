"""`scanstation demo`: the simulator on loopback, a fresh database, and the scan screen with sample labels."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanstation.gui.app import Station


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parcels", type=int, default=500, metavar="N", help="extra generated registrations in the simulator (500)"
    )
    parser.add_argument("--language", choices=("ru", "en"), default="ru", help="language of the screen (ru)")
    parser.add_argument("--keep", metavar="DIR", help="keep the demo's files (database, config) in DIR")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    if args.parcels < 0:
        print("scanstation demo: --parcels must be 0 or more", file=sys.stderr)
        return 2
    folder = Path(args.keep) if args.keep else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    # The demo must not touch a real station's files: every platform directory moves into its folder.
    from scanstation import paths
    from scanstation.gui.demo import DEMO_OPERATOR, DEMO_PIN, DemoEnvironment

    env = DemoEnvironment(parcels=args.parcels, language=args.language, folder=folder)
    os.environ[paths.HOME_ENV] = str(env.folder / "home")
    try:
        from scanstation.gui.app import run_window
        from scanstation.gui.demo_panel import add_demo_dock

        def extra(station: Station) -> None:
            env.prepare_station(station)
            add_demo_dock(station.window, env.labels, station.receiving.submit)
            print(f"simulator: {env.server.url} (admin pages: {env.server.admin_url})")
            print(f"station:   {env.config_path}")
            print(f"operator:  {DEMO_OPERATOR}, PIN {DEMO_PIN}", flush=True)

        return run_window(env.config, sys.argv[:1], extra=extra, config_path=env.config_path)
    finally:
        env.close()
