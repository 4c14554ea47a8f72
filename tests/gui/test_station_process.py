"""A station built and started in someone else's process (a test, an embedding) leaves its interpreter alone."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest

from scanstation.config import parse_config
from scanstation.gui import qt
from scanstation.gui.app import Station, gui_settings
from scanstation.gui.sound import Sounds

pytestmark = pytest.mark.gui


def test_building_and_starting_a_station_changes_no_interpreter_setting(
    qtbot: Any, qapp: qt.QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCANSTATION_HOME", str(tmp_path / "home"))
    config = parse_config(
        {
            "station": {"id": "st-process"},
            "database": {"url": f"sqlite:///{tmp_path / 'station.db'}"},
            "logging": {"file": False},
        }
    )
    before = (sys.getswitchinterval(), gc.get_freeze_count())
    station = Station(config, qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False))
    qtbot.addWidget(station.window)
    try:
        station.start()
        assert (sys.getswitchinterval(), gc.get_freeze_count()) == before
    finally:
        station.window.close()
        station.stop()
        station.translations.set_language("en")  # the station's Russian catalogue, out of the next tests' way
