"""Screenshots of every tab of the admin's window (a station with a few operators, a real simulator), offscreen."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SCANSTATION_HOME", tempfile.mkdtemp(prefix="scanstation-shots-home-"))

from scanstation.access import operators as access
from scanstation.access.login import LoginPolicy, log_in_with_badge, log_in_with_pin
from scanstation.access.settings import save_settings
from scanstation.config import Config
from scanstation.config.load import load_config
from scanstation.config.write import SettingsEdit
from scanstation.devserver.server import DevServer
from scanstation.domain import Actor, Role
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import AuditView
from scanstation.gui.admin.context import AdminContext, SettingsEditor
from scanstation.gui.admin.operators_tab import OperatorsTab
from scanstation.gui.admin.window import AdminWindow
from scanstation.gui.bridge import Bridge, GuiReceiving
from scanstation.gui.i18n import Translations
from scanstation.receiving import Receiver
from scanstation.store.connection import Store, close_store, open_store
from scanstation.store.operators import add_operator
from scanstation.sync.probe import probe_server

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1400, 900)
STATION = "dock-1"
ADMIN = Actor("olga", Role.ADMIN, "Olga Antonova")
TOKEN = "screenshot-token-0123456789"
CONFIG = """\
[station]
id = "{station}"

[database]
url = "sqlite:///{db}"

[server]
url = "{server}"
token = "{token}"
allow_insecure_http = true

[gui]
language = "{language}"
sound = false

[logging]
file = false
"""


def wait(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    # A QEventLoop's processEvents, as scripts/screenshots.py does (QApplication.processEvents leaks on 6.12).
    loop = qt.QEventLoop()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"admin screenshots: timed out waiting for {what}")
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle() -> None:
    """Let the layouts catch up with the texts just set before the picture is taken."""
    loop = qt.QEventLoop()
    for _ in range(5):
        loop.processEvents(qt.QEventLoop.ProcessEventsFlag.AllEvents, 50)


def people(store: Store, station: str) -> None:
    """A small station's operators: an admin, supervisors, clerks (one locked out, one gone), a badge or two."""
    add_operator(store, ADMIN.name, "9090", role="admin", display_name=ADMIN.display_name)
    for name, display, role in (
        ("sven", "Sven Petrov", "supervisor"),
        ("anna", "Anna Kuznetsova", "clerk"),
        ("boris", "Boris Ivanov", "clerk"),
        ("dina", "Dina Sokolova", "clerk"),
        ("egor", "Egor Smirnov", "clerk"),
    ):
        access.add_operator(store, ADMIN, name, "4321", role, display, station=station)
    policy = LoginPolicy(first_delay_s=0.0, max_delay_s=0.0)
    for name in ("sven", "anna", "dina"):
        log_in_with_pin(store, name, "4321", policy, station=station)
    for _ in range(5):
        log_in_with_pin(store, "boris", "0000", policy, station=station)
    badge = access.issue_badge(store, ADMIN, "anna", station=station)
    log_in_with_badge(store, badge, policy, station=station)
    access.issue_badge(store, ADMIN, "sven", station=station)
    access.set_role(store, ADMIN, "dina", "supervisor", station=station)
    access.deactivate_operator(store, ADMIN, "egor", station=station)
    log_in_with_pin(store, "nobody", "1234", policy, station=station)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--language", choices=("ru", "en"), default="en")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="scanstation-admin-shots-"))
    config_path = folder / "config.toml"
    server = DevServer(folder / "central.db", token=TOKEN)
    server.start()
    text = CONFIG.format(
        station=STATION, db=folder / "station.db", language=args.language, server=server.url, token=TOKEN
    )
    config_path.write_text(text, encoding="utf-8")
    config = load_config(config_path)

    app = qt.QApplication(sys.argv[:1])
    translations = Translations(app)
    translations.set_language(args.language)
    store = open_store(config.database.url)
    people(store, STATION)

    bridge = Bridge()
    receiving = GuiReceiving.with_worker(Receiver(store, station_id=STATION), bridge)
    receiving.start()
    try:

        def save(actor: Actor, edit: SettingsEditor) -> Config:
            assert isinstance(edit, SettingsEdit)
            return save_settings(store, actor, edit, station=STATION)

        context = AdminContext(
            runner=receiving.runner,
            store=store,
            actor=lambda: ADMIN,
            config_path=config_path,
            config=lambda: config,
            apply=lambda new, changes: None,
            station_id=STATION,
            bridge=bridge,
            open_edit=SettingsEdit.open,
            save=save,
            probe=probe_server,
        )
        window = AdminWindow(context)
        window.resize(*SIZE)
        window.show()
        operators = window.findChild(OperatorsTab)
        audit = window.findChild(AuditView)
        assert operators is not None and audit is not None
        wait(lambda: len(operators.model.records) > 0, "the operators")
        window.tabs.setCurrentWidget(operators)
        operators.show_inactive.setChecked(True)  # the deactivated clerk shown too, greyed
        wait(lambda: any(not r.active for r in operators.model.records), "the inactive operators")
        operators.select("boris")
        wait(lambda: operators.selected() is not None, "the selection")
        settle()
        window.grab().save(str(args.out / "admin-operators.png"))

        window.tabs.setCurrentWidget(window.server_tab)
        tested: list[object] = []
        window.server_tab.probe_answered.connect(tested.append)
        window.server_tab.test_connection()  # against the simulator, with the token from the file
        wait(lambda: bool(tested), "the connection test")
        settle()
        window.grab().save(str(args.out / "admin-server.png"))

        window.tabs.setCurrentWidget(window.station_tab)
        settle()
        window.grab().save(str(args.out / "admin-station.png"))

        window.tabs.setCurrentWidget(audit)
        wait(lambda: len(audit.model.entries) > 0, "the audit trail")
        answered: list[bool] = []
        audit.loaded.connect(lambda: answered.append(True))
        audit.refresh()  # the trail as it is now
        wait(lambda: bool(answered), "the audit trail read again")
        audit.table.selectRow(1)
        settle()
        window.grab().save(str(args.out / "admin-audit.png"))
        window.close()
    finally:
        receiving.stop()
        close_store(store)
        server.stop()
    shots = ("admin-operators", "admin-server", "admin-station", "admin-audit")
    print("admin screenshots: " + ", ".join(str(args.out / f"{name}.png") for name in shots))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
