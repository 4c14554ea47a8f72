"""Where the GUI finds its sounds, translations and icons (the source tree, or a PyInstaller bundle)."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` folder: beside the package in a checkout, under _MEIPASS in a frozen build."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def sounds_dir() -> Path:
    return resources_dir() / "sounds"


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def icon_path() -> Path:
    return resources_dir() / "icons" / "scanstation.svg"
