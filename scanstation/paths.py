"""Where the station keeps its files: the one place that knows the platform directories."""

from __future__ import annotations

import os
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


def data_dir() -> Path:
    """Directory of the default SQLite database and its pre-migration backups."""
    return _base("data") or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Directory of the rotating log files."""
    return _base("logs") or Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Directory of window geometry and other per-user UI state (kept apart from settings)."""
    return _base("state") or Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'scanstation.db'}"
