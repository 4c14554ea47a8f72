"""The demo on a real X server (Xvfb): keys typed by xdotool at a scanner's pace are a scan, end to end."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

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


@contextmanager
def demo_window(display: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """The demo on `display` with the keyboard focus on its window: its environment and its directory."""
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
        yield env, demo_dir
    assert demo.returncode == 0, (tmp_path / "demo.err").read_text()


def scans_recorded(demo_dir: Path, count: int) -> list[tuple[object, ...]]:
    """The scan log's rows once `count` scans are in it."""

    def scanned() -> bool:
        with sqlite3.connect(demo_dir / "station.db") as conn:
            return len(conn.execute("SELECT 1 FROM scan_log").fetchall()) >= count

    wait_until(scanned, timeout=30, what=f"{count} scans to be recorded")
    with sqlite3.connect(demo_dir / "station.db") as conn:
        return conn.execute(
            "SELECT scanner, raw, outcome, operator, typed FROM scan_log ORDER BY scanned_at"
        ).fetchall()


def test_keyboard_wedge_scan_typed_into_the_demo_window(display: str, tmp_path: Path) -> None:
    amazon = next(label for label in demo_labels() if label.key == "amazon")
    with demo_window(display, tmp_path) as (env, demo_dir):
        # A scanner's pace: 4 ms between keys, then its Enter terminator.
        subprocess.run(["xdotool", "type", "--delay", "4", amazon.scan], env=env, check=True)
        subprocess.run(["xdotool", "key", "Return"], env=env, check=True)
        assert scans_recorded(demo_dir, 1) == [("wedge", amazon.scan, "matched", "demo", 0)]


# The keysyms a ЙЦУКЕН layout has at the US letters' positions: pressing them there is what a scanner's
# key codes are while that layout is active.
RU_KEYSYMS: Final = dict(
    zip(
        "qwertyuiopasdfghjklzxcvbnm",
        [
            "Cyrillic_shorti",
            "Cyrillic_tse",
            "Cyrillic_u",
            "Cyrillic_ka",
            "Cyrillic_ie",
            "Cyrillic_en",
            "Cyrillic_ghe",
            "Cyrillic_sha",
            "Cyrillic_shcha",
            "Cyrillic_ze",
            "Cyrillic_ef",
            "Cyrillic_yeru",
            "Cyrillic_ve",
            "Cyrillic_a",
            "Cyrillic_pe",
            "Cyrillic_er",
            "Cyrillic_o",
            "Cyrillic_el",
            "Cyrillic_de",
            "Cyrillic_ya",
            "Cyrillic_che",
            "Cyrillic_es",
            "Cyrillic_em",
            "Cyrillic_i",
            "Cyrillic_te",
            "Cyrillic_softsign",
        ],
        strict=True,
    )
)


def scanner_keys(text: str, layout: str) -> list[str]:
    """xdotool key names for the keys a US-set scanner presses for `text`, named as `layout` names those keys."""
    keys = []
    for char in text:
        if char == "\x1d":
            keys.append("ctrl+Cyrillic_hardsign" if layout == "ru" else "ctrl+bracketright")
        elif char.isdigit():
            keys.append(char)
        else:
            base = char.lower()
            name = RU_KEYSYMS[base] if layout == "ru" else base
            keys.append(f"shift+{name}" if char.isupper() else name)
    return [*keys, "Return"]


@pytest.mark.skipif(not shutil.which("setxkbmap"), reason="needs setxkbmap (x11-xkb-utils)")
@pytest.mark.parametrize(("layout", "caps_lock"), [("ru", False), ("us", True), ("ru", True)])
def test_a_wedge_scan_reads_the_same_whatever_layout_and_caps_lock(
    display: str, tmp_path: Path, layout: str, caps_lock: bool
) -> None:
    labels = {label.key: label for label in demo_labels()}
    ups, usps = labels["ups"].scan, labels["usps"].scan  # letters; and a GS (Ctrl+], ъ on ЙЦУКЕН)
    with demo_window(display, tmp_path) as (env, demo_dir):
        subprocess.run(["setxkbmap", "-layout", layout], env=env, check=True)
        if caps_lock:
            subprocess.run(["xdotool", "key", "Caps_Lock"], env=env, check=True)
        for scan in (ups, usps):
            subprocess.run(["xdotool", "key", "--delay", "4", *scanner_keys(scan, layout)], env=env, check=True)
        rows = scans_recorded(demo_dir, 2)
    assert [(raw, outcome) for _, raw, outcome, _, _ in rows] == [(ups, "matched"), (usps, "matched")]
