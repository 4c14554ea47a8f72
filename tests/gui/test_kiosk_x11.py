"""A kiosk on a real X server (Xvfb): the window system's close is refused in words, except for an administrator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_x11 import display  # noqa: F401 - the Xvfb fixture

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Xvfb"),
]

ROOT = Path(__file__).resolve().parents[2]


def test_a_kiosk_closes_by_the_window_system_only_for_an_administrator(display: str, tmp_path: Path) -> None:  # noqa: F811
    env = dict(
        os.environ,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        SCANSTATION_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("kiosk_child.py"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines == [
        "nobody: open | This station runs as a kiosk: an administrator logs in to close it.",
        "clerk: open",
        "admin: closed",
    ], done.stderr
