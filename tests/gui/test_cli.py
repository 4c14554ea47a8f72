"""`scanstation gui` as a process: a bad config is refused with exit 2; a good one opens and closes cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import stopped_by_sigterm

pytestmark = pytest.mark.gui


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", SCANSTATION_HOME=str(tmp_path / "home"))


def test_a_bad_config_names_the_key_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[station]\nid = "st-1"\n[gui]\nlanguage = "de"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "scanstation", "gui", "--config", str(config)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "gui.language" in done.stderr


def test_gui_opens_the_station_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\nid = "st-cli"\n[database]\nurl = "sqlite:///{db}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    with (
        subprocess.Popen(
            [sys.executable, "-m", "scanstation", "gui", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp_path),
        ) as proc,
        stopped_by_sigterm(proc),
    ):
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "scan screen ready" in line:
                break
        assert "station st-cli" in seen[-1], "".join(seen)
    assert proc.returncode == 0
    assert db.is_file()
    assert (tmp_path / "home" / "state" / "gui.ini").is_file()  # window geometry written on close
