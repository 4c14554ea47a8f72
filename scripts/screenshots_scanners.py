"""Screenshots of the admin's Scanners tab and of a live view on a real pty, offscreen, into docs/screenshots/."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tty
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SCANSTATION_HOME", tempfile.mkdtemp(prefix="scanstation-shots-home-"))

from serial.tools.list_ports_common import ListPortInfo

from scanstation.config import Config, ServerConfig
from scanstation.config.load import parse_config_text
from scanstation.config.write import SettingsEdit
from scanstation.domain.access import Act, Actor, Role, require
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext, LiveScanners, ProbeReportShown, SettingsEditor
from scanstation.gui.admin.scanners_tab import ScannersTab
from scanstation.gui.admin.window import AdminWindow
from scanstation.gui.bridge import Bridge
from scanstation.gui.operations import OperationRunner
from scanstation.gui.wedge import build_wedge
from scanstation.scanners import StreamSource
from scanstation.scanners.ports import PortInfo
from scanstation.store.connection import close_store, open_store

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1400, 900)
GS1 = b"]C142078745\x1d9400111899223100012345\r"
UPS = b"1Z3F141E8695861181\r"
MAXICODE = b"[)>\x1e01\x1d96841706672\x1d840\x1d001\x1d1Z12345675\x1dUPSN\x1d12345E\x1d089\x1d\x1e\x04\r"

CONFIG = """\
[station]
id = "nj-receiving-1"

[database]
url = "sqlite:///{db}"

[gui]
language = "en"

[logging]
file = false

# The hand scanner at door 1.
[[scanners]]
name = "dock-1"
type = "serial"
port = "{pty}"

# The presentation scanner at the packing table: found by its USB identity.
[[scanners]]
name = "table-2"
type = "serial"
usb_vid = "0c2e"
usb_pid = "0b61"
usb_serial = "17273B0245"
baudrate = 115200

[[scanners]]
name = "conveyor"
type = "socket"
url = "socket://127.0.0.1:9"

[[scanners]]
name = "gun"
type = "wedge"
"""


def wait(app: qt.QApplication, condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "") -> None:
    # A QEventLoop's processEvents, not QApplication.processEvents (see scripts/screenshots.py).
    loop = qt.QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def port(device: str, description: str, **usb: object) -> PortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.description = description
    for key, value in usb.items():
        setattr(info, key, value)
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="scanstation-shots-"))
    master, slave = os.openpty()
    tty.setraw(slave)
    pty = os.ttyname(slave)
    path = folder / "config.toml"
    path.write_text(CONFIG.format(db=folder / "station.db", pty=pty), encoding="utf-8")
    config = parse_config_text(path.read_text(encoding="utf-8"), str(path))

    def ports() -> list[PortInfo]:
        return [
            port("/dev/ttyS0", "ttyS0"),
            port(
                pty,
                "Honeywell Xenon 1950g (pty)",
                vid=0x0C2E,
                pid=0x0B61,
                serial_number="21034B1187",
                location="1-1.2:1.0",
            ),
            port(
                "/dev/ttyACM1", "Zebra DS2208", vid=0x05E0, pid=0x1701, serial_number="S19217522", location="1-1.4:1.0"
            ),
        ]

    app = qt.QApplication(sys.argv[:1])
    bridge = Bridge()
    store = open_store(config.database.url)
    sources = [StreamSource(c, list_ports=ports) for c in config.scanners if c.type in ("serial", "socket")]
    for source in sources:
        source.start(lambda scan: None, bridge.scanner_status.emit)
    wedge = build_wedge(config.scanners, app)
    assert wedge is not None
    wedge.start(lambda scan: None, bridge.scanner_status.emit)

    def save(actor: Actor, edit: SettingsEditor) -> Config:
        require(actor, Act.CHANGE_SETTINGS)
        raise SystemExit("screenshots: nothing is saved")

    def probe(server: ServerConfig, token: str | None, station_id: str) -> ProbeReportShown:
        raise SystemExit("screenshots: the server is not tested")

    context = AdminContext(
        runner=OperationRunner(lambda work: work()),
        store=store,
        actor=lambda: Actor("olga", Role.ADMIN, "Olga A."),
        config_path=path,
        config=lambda: config,
        apply=lambda config, changes: None,
        station_id=config.station.id,
        bridge=bridge,
        open_edit=SettingsEdit.open,
        save=save,
        probe=probe,
        live_scanners=LiveScanners(sources=lambda: sources, wedge=lambda: wedge, list_ports=ports),
    )
    try:
        window = AdminWindow(context)
        window.resize(*SIZE)
        window.show()
        tab = window.tabs.widget(0)
        assert isinstance(tab, ScannersTab)
        wait(app, lambda: tab.ports_table.rowCount() == 3, what="the port list")
        wait(app, lambda: all(s.status.state.value in ("connected", "error") for s in sources), what="the scanners")
        tab.select_scanner("dock-1")
        window.grab().save(str(args.out / "admin-scanners.png"))

        view = tab.watch_scanner_live()
        assert view is not None
        view.resize(*SIZE)
        for data in (GS1, UPS, MAXICODE, b"]C0" + UPS[:-1]):
            os.write(master, data)
            reads = view.reads
            wait(app, lambda: view.reads > reads, what="a read in the live view")  # noqa: B023
        view.grab().save(str(args.out / "admin-live-view.png"))
        view.close()
        tab.stop()
        window.close()
    finally:
        wedge.stop()
        for source in sources:
            source.stop()
        close_store(store)
        os.close(master)
        os.close(slave)
    print(f"screenshots written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
