"""`scanstation demo` behind the command: the simulator, a fresh database and config, the window and labels."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from scanstation.config import Config, load_config
from scanstation.labels.samples import DemoLabel, demo_labels, demo_registrations

if TYPE_CHECKING:
    from scanstation.gui.app import Station

log = logging.getLogger(__name__)

DEMO_TOKEN = "demo-token"
DEMO_STATION = "demo-1"
DEMO_OPERATOR = "demo"
DEMO_PIN = "1234"


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DemoEnvironment:
    """A throw-away world on loopback: DevServer with sample registrations, a config pointing at it.

    Everything lives under one temporary folder that `close()` removes (unless `keep`).
    """

    def __init__(
        self,
        *,
        parcels: int = 500,
        language: str = "ru",
        folder: Path | None = None,
        keep: bool = False,
        seed: int = 2026,
    ) -> None:
        from scanstation.devserver import DevServer

        self.folder = folder or Path(tempfile.mkdtemp(prefix="scanstation-demo-"))
        self.keep = keep or folder is not None
        self.labels: list[DemoLabel] = demo_labels(seed)
        self.server = DevServer(self.folder / "devserver.sqlite3", token=DEMO_TOKEN, parcels=parcels, seed=seed)
        self.server.start()
        for reg in demo_registrations(self.labels, seed):
            self.server.add_registration(
                reg.typed,
                order_number=reg.order_number,
                store=reg.store,
                suite=reg.suite,
                name=reg.name,
                services=reg.services,
                status=reg.status,
            )
        self.config_path = self.folder / "config.toml"
        self.config_path.write_text(self._config_text(language), encoding="utf-8")
        self.config: Config = load_config(self.config_path)

    def _config_text(self, language: str) -> str:
        db = f"sqlite:///{self.folder / 'station.db'}"
        return f"""# Written by `scanstation demo`: a fresh station against the simulator on loopback.
[station]
id = {_toml(DEMO_STATION)}

[database]
url = {_toml(db)}

[server]
url = {_toml(self.server.url)}
token = {_toml(DEMO_TOKEN)}
pull_interval_s = 3
push_interval_s = 1
backoff_max_s = 5

[receiving]
undo_window_s = 10

[gui]
language = {_toml(language)}

[logging]
file = false

[[scanners]]
# A real keyboard-wedge scanner pointed at the screen works too.
name = "wedge"
type = "wedge"
"""

    def prepare_station(self, station: Station) -> None:
        """Create the demo operator and log them in, so a newcomer starts at the scan screen.

        The demo operator is the station's administrator: the demo is a station already set up, so its
        log-in screen does not ask for the first administrator (a fresh real station does).
        """
        from scanstation.store.operators import OperatorError, add_operator

        try:
            add_operator(station.store, DEMO_OPERATOR, DEMO_PIN, role="admin", display_name="Demo")
        except OperatorError:
            pass  # a kept demo folder already has the operator
        station.receiving.check_admins()
        station.window.log_in(DEMO_OPERATOR, "Demo")

    def close(self) -> None:
        self.server.stop()
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)
