"""The demo on a real X server (Xvfb): keys typed by xdotool at a scanner's pace are a scan, end to end."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanstation.labels.samples import demo_labels
from tests.waiting import wait_until

from .conftest import stopped_by_sigterm

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"),
]


@pytest.fixture
def display() -> Iterator[str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as answer:
            number = answer.readline().strip()  # Xvfb writes the display it took once it is ready
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def test_keyboard_wedge_scan_typed_into_the_demo_window(display: str, tmp_path: Path) -> None:
    amazon = next(label for label in demo_labels() if label.key == "amazon")
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", SCANSTATION_HOME=str(tmp_path / "home"))
    demo_dir = tmp_path / "demo"
    stderr = (tmp_path / "demo.err").open("w")
    with (
        stderr,
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scanstation",
                "demo",
                "--parcels",
                "20",
                "--language",
                "en",
                "--keep",
                str(demo_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        ) as demo,
        stopped_by_sigterm(demo),
    ):
        assert demo.stdout is not None
        for _ in range(3):
            demo.stdout.readline()
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "Scan station"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        window = found.stdout.split()[0]

        def focused() -> bool:
            focus = subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, capture_output=True)
            return focus.returncode == 0

        wait_until(focused, timeout=30, what="the demo window to take the keyboard focus")
        # A scanner's pace: 4 ms between keys, then its Enter terminator.
        subprocess.run(["xdotool", "type", "--delay", "4", amazon.scan], env=env, check=True)
        subprocess.run(["xdotool", "key", "Return"], env=env, check=True)

        def scanned() -> bool:
            with sqlite3.connect(demo_dir / "station.db") as conn:
                return bool(conn.execute("SELECT 1 FROM scan_log").fetchall())

        wait_until(scanned, timeout=30, what="the scan to be recorded")
        with sqlite3.connect(demo_dir / "station.db") as conn:
            rows = conn.execute("SELECT scanner, raw, outcome, operator, typed FROM scan_log").fetchall()
        assert rows == [("wedge", amazon.scan, "matched", "demo", 0)]
    assert demo.returncode == 0, (tmp_path / "demo.err").read_text()
