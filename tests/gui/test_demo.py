"""The demo as a newcomer meets it: simulator on loopback, fresh station, label panel clicked like a scanner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanstation.domain import Outcome
from scanstation.gui import qt
from scanstation.gui.app import Station, gui_settings
from scanstation.gui.demo import DEMO_OPERATOR, DemoEnvironment
from scanstation.gui.demo_panel import DemoPanel, add_demo_dock
from scanstation.gui.sound import Sounds

from .conftest import stopped_by_sigterm

pytestmark = pytest.mark.gui


@pytest.fixture
def demo(qtbot: Any, qapp: qt.QApplication, tmp_path: Path) -> Iterator[tuple[DemoEnvironment, Station, DemoPanel]]:
    env = DemoEnvironment(parcels=50, language="en", folder=tmp_path / "demo")
    station = Station(env.config, qapp, settings=gui_settings(tmp_path / "state"), sounds=Sounds(enabled=False))
    try:
        station.start()
        env.prepare_station(station)
        panel = add_demo_dock(station.window, env.labels, station.receiving.submit)
        qtbot.addWidget(station.window)
        station.window.show()
        # The station learns the registrations from the simulator over HTTP, like a real one.
        qtbot.waitUntil(lambda: station.sync.status.last_pull_at is not None, timeout=30_000)
        yield env, station, panel
    finally:
        station.window.close()
        station.stop()
        env.close()
        station.translations.set_language("en")


def _click(qtbot: Any, station: Station, panel: DemoPanel, key: str) -> Any:
    with qtbot.waitSignal(station.window.banner_shown, timeout=10_000) as blocker:
        qtbot.mouseClick(panel.cards[key], qt.Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_demo_labels_cover_every_outcome_and_reach_the_server(
    qtbot: Any, demo: tuple[DemoEnvironment, Station, DemoPanel]
) -> None:
    env, station, panel = demo
    w = station.window
    assert w.operator == DEMO_OPERATOR

    verdict = _click(qtbot, station, panel, "usps")
    assert verdict.outcome is Outcome.MATCHED
    assert verdict.scanner == "demo-labels"
    assert (w.banner.word.text(), w.banner.big.text()) == ("НА СКЛАДЕ", "UN-0104")
    assert [b.badge.text() for b in w.banner.services()] == ["PHOTO OF CONTENTS"]

    assert _click(qtbot, station, panel, "split1").outcome is Outcome.MATCHED
    progress = w.banner.progress()
    assert progress is not None and progress.label.text() == "1 of 3"
    assert _click(qtbot, station, panel, "split2").outcome is Outcome.MATCHED
    progress = w.banner.progress()
    assert progress is not None and progress.label.text() == "2 of 3"

    expected = {
        "ups": Outcome.MATCHED,
        "fedex34": Outcome.MATCHED,
        "amazon": Outcome.MATCHED,
        "ambiguous": Outcome.AMBIGUOUS,
        "shipped": Outcome.NOT_EXPECTED,
        "unknown": Outcome.UNKNOWN,
        "garbage": Outcome.INVALID,
    }
    for key, outcome in expected.items():
        assert _click(qtbot, station, panel, key).outcome is outcome, key
    assert _click(qtbot, station, panel, "ups").outcome is Outcome.DUPLICATE
    assert w.banner.word.text() == "ALREADY RECEIVED"

    # Once the undo windows close, sync pushes the six arrivals: the server's parcels change status.
    def statuses(suite: str) -> list[str]:
        return [item["status"] for item in env.server.registrations(query=suite)]

    qtbot.waitUntil(lambda: statuses("UN-0101") == ["at_warehouse"], timeout=40_000)
    qtbot.waitUntil(lambda: sorted(statuses("UN-0103")) == ["at_warehouse", "at_warehouse", "awaiting"], timeout=20_000)
    assert statuses("UN-0107") == ["shipped"]  # not_expected changes nothing on the server


def test_unknown_parcel_registered_later_is_announced(
    qtbot: Any, demo: tuple[DemoEnvironment, Station, DemoPanel]
) -> None:
    env, station, panel = demo
    unknown = next(label for label in env.labels if label.key == "unknown")
    assert _click(qtbot, station, panel, "unknown").outcome is Outcome.UNKNOWN
    assert unknown.tracking_number is not None

    env.server.add_registration(unknown.tracking_number, suite="UN-0999", name="Пётр Сидоров")
    with qtbot.waitSignal(station.bridge.notice, timeout=30_000):
        station.sync.sync_now()
    w = station.window
    assert w.notices() == [
        f"Matched later by sync: {unknown.tracking_number} from the unknown shelf belongs to suite UN-0999 "
        "(Пётр Сидоров): move it to the shelf"
    ]
    assert w.recent_rows()[0][2:] == ("НА СКЛАДЕ", "UN-0999")

    # The clerk takes it off the unknown shelf and scans it: the notice is done.
    assert _click(qtbot, station, panel, "unknown").outcome is Outcome.DUPLICATE
    assert w.notices() == []


def test_demo_command_starts_and_stops_cleanly(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SCANSTATION_HOME=str(tmp_path / "home"))
    stderr = (tmp_path / "stderr.txt").open("w")
    with (
        stderr,
        subprocess.Popen(
            [sys.executable, "-m", "scanstation", "demo", "--parcels", "20", "--keep", str(tmp_path / "demo")],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        ) as proc,
        stopped_by_sigterm(proc),
    ):
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("simulator: http://127.0.0.1:"), (tmp_path / "stderr.txt").read_text()
        assert lines[2].startswith(f"operator:  {DEMO_OPERATOR}")
    assert proc.returncode == 0, (tmp_path / "stderr.txt").read_text()
    assert (tmp_path / "demo" / "station.db").is_file()


def test_the_demo_operator_is_the_administrator_so_no_set_up_message_shows(
    qtbot: Any, demo: tuple[DemoEnvironment, Station, DemoPanel]
) -> None:
    from scanstation.store.operators import active_admin_count

    _env, station, _panel = demo
    assert active_admin_count(station.store) == 1
    with qtbot.waitSignal(station.bridge.active_admins, timeout=10_000) as counted:
        station.receiving.check_admins()
    assert counted.args == [1]
    station.window.log_out()
    assert not station.window.no_admin_bar.isVisible()
