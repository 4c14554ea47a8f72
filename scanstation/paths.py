"""Where the station keeps its files: the one place that knows the platform directories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "scanstation"

# One environment variable moves every location at once (tests, the demo, portable installs).
HOME_ENV = "SCANSTATION_HOME"


def _base(kind: str) -> Path | None:
    home = os.environ.get(HOME_ENV)
    return Path(home) / kind if home else None


def config_dir() -> Path:
    """Directory searched for `config.toml` when neither --config nor SCANSTATION_CONFIG is given."""
    return _base("config") or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def site_config_dir() -> Path:
    r"""The system-wide config directory, searched after the user's: where the installers put config.toml.

    Linux: /etc/scanstation (platformdirs would say /etc/xdg/scanstation; install.sh and the service use
    /etc/scanstation). Windows: %PROGRAMDATA%\scanstation. Under SCANSTATION_HOME: its `site-config`.
    """
    base = _base("site-config")
    if base is not None:
        return base
    if sys.platform.startswith("linux"):
        return Path("/etc") / APP_NAME
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Directory of the default SQLite database and its pre-migration backups."""
    return _base("data") or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def photos_dir() -> Path:
    """Directory of the parcels' photos (each file named in the `photos` table)."""
    return data_dir() / "photos"


def log_dir() -> Path:
    """Directory of the rotating log files."""
    return _base("logs") or Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Directory of window geometry and other per-user UI state (kept apart from settings)."""
    return _base("state") or Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def config_search_paths() -> tuple[Path, Path]:
    """Where config.toml is looked for when no path is given: the user's, then the system's."""
    return (default_config_path(), site_config_dir() / "config.toml")


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'scanstation.db'}"
