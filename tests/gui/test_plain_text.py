"""Outside text (feed, barcode, config, server, operators) is shown as it is on every label of every screen."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtGui import QTextDocument

from scanstation.access.login import LoginPolicy, log_in_with_pin
from scanstation.access.operators import issue_badge
from scanstation.commands import gui as gui_command
from scanstation.config import ServerConfig
from scanstation.domain import Outcome, Scan
from scanstation.domain.access import Actor, AuditKind, Role
from scanstation.domain.status import ReceivingStatus, ScannerState, ScannerStatus, SyncNotice, SyncState, SyncStatus
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import AuditView
from scanstation.gui.admin.context import AdminContext, LiveScanners
from scanstation.gui.admin.operators_tab import OperatorsTab
from scanstation.gui.admin.scanners_tab import ScannersTab
from scanstation.gui.admin.window import AdminWindow, open_admin
from scanstation.gui.clerk.doors import Doors
from scanstation.gui.clerk.window import StationWindow
from scanstation.gui.sound import Sounds
from scanstation.gui.supervisor.parcel_view import ParcelView
from scanstation.gui.supervisor.window import SupervisorWindow
from scanstation.receiving import Receiver
from scanstation.scanners import StreamSource
from scanstation.store import audit
from scanstation.store.engine import write_transaction
from scanstation.store.operators import add_operator
from scanstation.sync.probe import REACHABLE, TOKEN, ProbeReport, ProbeStep

from .conftest import ADMIN, CONFIG_TEXT, PIN, STATION, Station
from .conftest import admin_context as station_admin_context

pytestmark = pytest.mark.gui

UPS = "1Z999AA10123456784"
UPS_UNREGISTERED = "1Z0715X10190647079"

# What a customer, a barcode, a server or a config file may hold, each with a piece of it that is in the
# label's text whether the label escaped it or not (that is how the walker finds the labels showing it).
NAME = "<font color=red size=7>UN-6666</font>"
STORE = "<img src=file:///etc/passwd>"
ORDER = "<b>ORDER-x</b>"
SUITE = "&lt;UN-1&gt;"
STATUS = "<u>HELD-9</u>"
SERVICE = "<s>gift</s>"
SERVICE_SHOWN = "<S>GIFT</S>"  # an unknown service code is shown upper-cased
RAW = "<font color=red size=7>RAW-5</font>"
OPERATOR = "<i>OPER-7</i>"
OPERATOR_SHOWN = "<b>OPER-8</b>"
SCANNER = "<b>DOCK-2</b>"
SCANNER_MESSAGE = "<img src=file:///dev/zero>"
SERVER_ERROR = "<b>SRV-5</b> &amp; down"
PROBLEM = "<b>DISK-3</b>: the database refuses writes"
WARNING = "<font size=7>WARN-1</font>: allow_insecure_http"
CONFIG_VALUE = "<b>LANG-1</b>"
CONFIG_DIR = "<u>DIR-1<u>"  # a file name cannot hold a "/"
TYPED_URL = "<b>URL-1</b>"
PROBE_WORDS = "<b>SRV-6</b> answered <i>teapot</i>"
OPERATOR_LISTED = "<b>OPS-9</b> <img src=x>"
AUDIT_DETAIL = "<i>AUD-4</i> &amp; <b>more</b>"
AUDIT_TARGET = "<u>TGT-2</u>"

OUTSIDE: dict[str, str] = {
    NAME: "UN-6666",
    STORE: "passwd",
    ORDER: "ORDER-x",
    SUITE: "UN-1&",
    STATUS: "HELD-9",
    SERVICE_SHOWN: "GIFT",
    RAW: "RAW-5",
    OPERATOR: "OPER-7",
    OPERATOR_SHOWN: "OPER-8",
    SCANNER: "DOCK-2",
    SCANNER_MESSAGE: "dev/zero",
    SERVER_ERROR: "SRV-5",
    PROBLEM: "DISK-3",
    WARNING: "WARN-1",
    CONFIG_VALUE: "LANG-1",
    CONFIG_DIR: "DIR-1",
    TYPED_URL: "URL-1",
    PROBE_WORDS: "SRV-6",
    OPERATOR_LISTED: "OPS-9",
    AUDIT_DETAIL: "AUD-4",
    AUDIT_TARGET: "TGT-2",
}


def shown(text: str, text_format: qt.Qt.TextFormat) -> str:
    """What Qt draws for `text` in `text_format`: rich text rendered to its plain characters."""
    if text_format == qt.Qt.TextFormat.PlainText:
        return text
    if text_format == qt.Qt.TextFormat.AutoText and not QtGuiNamespace.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def check_outside_text(tops: Iterable[qt.QWidget], outside: Mapping[str, str]) -> set[str]:
    """Every label and tooltip carrying outside text shows it literally; returns the outside strings found.

    A label shows it literally when it is plain text, or when it needs markup of its own and escaped the
    outside part: either way, the characters drawn contain the outside string as it came.
    """
    found: set[str] = set()
    for top in tops:
        widgets = [top, *top.findChildren(qt.QWidget)]
        for widget in widgets:
            texts: list[tuple[str, str, qt.Qt.TextFormat]] = []
            if isinstance(widget, qt.QLabel):
                texts.append(("text", widget.text(), widget.textFormat()))
            if widget.toolTip():
                texts.append(("tooltip", widget.toolTip(), qt.Qt.TextFormat.AutoText))
            for what, text, text_format in texts:
                for value, marker in outside.items():
                    if marker not in text:
                        continue
                    found.add(value)
                    where = f"{type(widget).__name__} {widget.objectName()!r} {what} {text!r}"
                    assert value in shown(text, text_format), f"outside text interpreted as markup: {where}"
    return found


# ----- the screens, each brought into a state that shows outside text -----------------------------------------
# A scenario drives the screens and returns the outside strings that must now be on them. A new screen is
# covered by adding its scenarios to SCENARIOS.

Register = Callable[..., Any]


def feed_match(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    register(
        UPS,
        customer_name=NAME,
        store=STORE,
        order_number=ORDER,
        customer_suite=SUITE,
        services=(SERVICE, "photo"),
    )
    station.log_in()
    verdict = station.type_number(UPS)
    assert verdict.outcome is Outcome.MATCHED
    return (NAME, STORE, ORDER, SUITE, SERVICE_SHOWN)


def feed_status(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    register(UPS, status=STATUS, customer_suite=SUITE)
    station.log_in()
    verdict = station.type_number(UPS)
    assert verdict.outcome is Outcome.NOT_EXPECTED
    return (STATUS, SUITE)


def duplicate_by_operator(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    add_operator(station.engine, OPERATOR, PIN, display_name=OPERATOR_SHOWN)
    register(UPS)
    station.log_in(OPERATOR, PIN)
    assert station.window.operator == OPERATOR
    station.type_number(UPS)
    verdict = station.type_number(UPS)
    assert verdict.outcome is Outcome.DUPLICATE
    return (OPERATOR, OPERATOR_SHOWN)


def invalid_scan(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    station.log_in()
    verdict = station.type_number(RAW)
    assert verdict.outcome is Outcome.INVALID
    return (RAW,)


def scan_not_recorded(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    station.log_in()
    with station.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE scan_log")
    station.wait_banner(lambda: station.window.submit(Scan(RAW, "dock-1")))
    assert station.window.banner.word.text() == "NOT RECORDED"
    return (RAW,)


def late_match_notice(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    station.log_in()
    assert station.type_number(UPS_UNREGISTERED).outcome is Outcome.UNKNOWN
    register(UPS_UNREGISTERED, customer_name=NAME, customer_suite=SUITE)
    # What the sync thread does after a feed page: the receiver resolves the unknown parcel, the loop tells.
    (verdict,) = Receiver(station.engine, station_id=STATION).resolve_unknowns()
    notice = SyncNotice(kind="unknown_resolved", message="matched later", verdict=verdict)
    station.wait_banner(lambda: station.bridge.notice.emit(notice))
    assert station.window.notices()
    return (NAME, SUITE)


def scanner_and_server_status(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    bridge = station.bridge
    with station.qtbot.waitSignal(bridge.scanner_status):
        bridge.scanner_status.emit(ScannerStatus(SCANNER, ScannerState.ERROR, SCANNER_MESSAGE, "/dev/ttyACM0"))
    with station.qtbot.waitSignal(bridge.sync_status):
        bridge.sync_status.emit(SyncStatus(state=SyncState.OFFLINE, last_error=SERVER_ERROR))
    return (SCANNER, SCANNER_MESSAGE, SERVER_ERROR)


def recording_problem(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    with station.qtbot.waitSignal(station.bridge.receiving_status):
        station.bridge.receiving_status.emit(ReceivingStatus(waiting=3, problem=PROBLEM))
    assert station.window.problem_bar.isVisible()
    return (PROBLEM,)


def settings_warnings(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    window = StationWindow(
        station.bridge, None, station_id=STATION, sounds=Sounds(enabled=False), config_warnings=(WARNING,)
    )
    station.qtbot.addWidget(window)
    # pytest-qt holds its widgets weakly: a top-level window owned by the station's stays until the walk.
    window.setParent(station.window, qt.Qt.WindowType.Window)
    window.show()
    return (WARNING,)


def config_error_window(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    folder = tmp_path / CONFIG_DIR
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(f'[station]\nid = "st-1"\n[gui]\nlanguage = "{CONFIG_VALUE}"\n', encoding="utf-8")

    def show(box: qt.QMessageBox) -> None:
        station.qtbot.addWidget(box)  # kept open for the walker; closed with the test's widgets
        box.show()

    assert gui_command.run(argparse.Namespace(config=str(config)), show_dialog=show) == 2
    return (CONFIG_VALUE, CONFIG_DIR)


def admin_context(station: Station, tmp_path: Path, actor: Actor, report: ProbeReport | None = None) -> AdminContext:
    config_path = tmp_path / "admin.toml"
    config_path.write_text(
        CONFIG_TEXT.format(db=tmp_path / "admin.db", url="http://127.0.0.1:9/api", token="t0ken"), encoding="utf-8"
    )

    # The server's words are what is under test here: the probe answers with them, as a server could make it.
    def probe(server: ServerConfig, token: str | None, station_id: str) -> ProbeReport:
        return report if report is not None else ProbeReport(())

    return station_admin_context(station, config_path, lambda: actor, probe=probe, station_id=STATION)


def kept_open(station: Station, window: qt.QWidget) -> None:
    station.qtbot.addWidget(window)
    # pytest-qt holds its widgets weakly: a top-level window owned by the station's stays until the walk.
    window.setParent(station.window, qt.Qt.WindowType.Window)
    window.show()


def admin_settings_mistake(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    window = AdminWindow(admin_context(station, tmp_path, ADMIN))
    kept_open(station, window)
    field = window.server_tab.page.field("server.url")
    assert isinstance(field.editor, qt.QLineEdit)
    field.editor.setText(TYPED_URL)
    field.editor.textEdited.emit(TYPED_URL)
    with station.qtbot.waitSignal(window.save_failed):
        window.save()
    assert TYPED_URL in field.error
    return (TYPED_URL,)


def admin_connection_test(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    report = ProbeReport((ProbeStep(REACHABLE, True, "the server answers"), ProbeStep(TOKEN, False, PROBE_WORDS)))
    window = AdminWindow(admin_context(station, tmp_path, ADMIN, report))
    kept_open(station, window)
    with station.qtbot.waitSignal(window.server_tab.probe_answered, timeout=10_000):
        window.server_tab.test_connection()
    return (PROBE_WORDS,)


def scanners_tab(station: Station, tmp_path: Path, *, running: bool) -> ScannersTab:
    """The admin's window on a config with the scanner SCANNER (a socket scanner nobody answers)."""
    context = admin_context(station, tmp_path, ADMIN)
    with context.config_path.open("a", encoding="utf-8") as file:
        file.write(f'\n[[scanners]]\nname = "{SCANNER}"\ntype = "socket"\nurl = "socket://127.0.0.1:9"\n')
    if running:
        source = StreamSource(context.config().scanners[0])
        context = dataclasses.replace(context, live_scanners=LiveScanners(sources=lambda: [source], list_ports=list))
    window = AdminWindow(context)
    kept_open(station, window)
    tab = window.tabs.widget(0)
    assert isinstance(tab, ScannersTab)
    return tab


def admin_scanner_mistake(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    tab = scanners_tab(station, tmp_path, running=False)
    tab.select_scanner(SCANNER)
    dialog = tab.edit_selected()
    assert dialog is not None
    station.qtbot.addWidget(dialog)
    url = dialog.field("url").editor
    assert isinstance(url, qt.QLineEdit)
    url.setText(TYPED_URL)
    dialog.try_accept()
    assert TYPED_URL in dialog.field("url").error
    return (TYPED_URL,)


def admin_scanner_live_view(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    tab = scanners_tab(station, tmp_path, running=True)
    tab.select_scanner(SCANNER)
    view = tab.watch_scanner_live()
    assert view is not None
    kept_open(station, view)
    station.bridge.scanner_status.emit(ScannerStatus(SCANNER, ScannerState.ERROR, SCANNER_MESSAGE, None))
    station.qtbot.waitUntil(lambda: view.status_line.text() == SCANNER_MESSAGE)
    return (SCANNER, SCANNER_MESSAGE)


def admin_refused(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    box = open_admin(admin_context(station, tmp_path, Actor("oper", Role.CLERK, OPERATOR_SHOWN)), station.window)
    station.qtbot.addWidget(box)
    assert isinstance(box, qt.QMessageBox)
    return (OPERATOR_SHOWN,)


def badge_pin_prompt(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    add_operator(station.engine, OPERATOR, PIN, role="supervisor", display_name=OPERATOR_SHOWN)
    secret = issue_badge(station.engine, Actor.shell("test"), OPERATOR, station=STATION)
    with station.qtbot.waitSignal(station.window.banner_shown, timeout=10_000):
        station.window.submit(Scan(secret, "dock-1"))
    assert station.window.name_edit.isReadOnly()
    return (OPERATOR,)


def login_locked(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    add_operator(station.engine, OPERATOR, PIN, display_name=OPERATOR_SHOWN)
    for _ in range(5):
        log_in_with_pin(station.engine, OPERATOR, "0000", LoginPolicy(first_delay_s=0, max_delay_s=0), station=STATION)
    station.log_in(OPERATOR, PIN)
    assert station.window.login_error_label.text().startswith("locked until")
    return ()


def clerk_refused_settings(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    clerk = Actor("oper", Role.CLERK, OPERATOR_SHOWN)
    doors = Doors(station.window, station.receiving, admin_context(station, tmp_path, clerk))
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        doors.open_settings(clerk)
    assert isinstance(doors.window("settings"), qt.QMessageBox)
    return (OPERATOR_SHOWN,)


def admin_operators(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    add_operator(station.engine, "ops9", PIN, display_name=OPERATOR_LISTED)
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        tab = OperatorsTab(admin_context(station, tmp_path, ADMIN))
    kept_open(station, tab)
    tab.select("ops9")
    tab.deactivate()  # the question names them
    assert tab.confirmation is not None and tab.confirmation.isVisible()
    with station.qtbot.waitSignal(tab.done, timeout=10_000):
        tab.activate()  # "... can log in again." names them too
    tab.select("ops9")
    return (OPERATOR_LISTED,)


def admin_audit(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    with write_transaction(station.engine) as conn:
        audit.append(
            conn,
            station=STATION,
            actor=Actor("ops9", Role.ADMIN, OPERATOR_LISTED),
            kind=AuditKind.OPERATOR_CHANGED,
            target=AUDIT_TARGET,
            after={"display_name": OPERATOR_LISTED},
            detail=AUDIT_DETAIL,
        )
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        view = AuditView(admin_context(station, tmp_path, ADMIN))
    kept_open(station, view)
    view.table.selectRow(0)
    return (AUDIT_DETAIL, AUDIT_TARGET, OPERATOR_LISTED)


def supervisor_pages(station: Station, register: Register, tmp_path: Path) -> tuple[str, ...]:
    reg = register(UPS, customer_name=NAME, store=STORE, order_number=ORDER, customer_suite=SUITE)
    station.receiving.worker.receiver.receive(Scan(UPS, "dock-1"), OPERATOR)
    station.window.log_in("sam", OPERATOR_SHOWN, Role.SUPERVISOR)
    with station.qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
        desk = SupervisorWindow(station.supervisor)
    kept_open(station, desk)
    with station.qtbot.waitSignal(desk.parcel.loaded, timeout=10_000):
        desk.open_item(f"registration:{reg.id}")
    assert NAME in desk.parcel.registration_line.text()
    with station.qtbot.waitSignal(desk.report.loaded, timeout=10_000):
        desk.tabs.setCurrentWidget(desk.report)
    page = ParcelView(station.supervisor)
    kept_open(station, page)
    with station.qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show_scan(RAW)  # nothing known of it: the title names the raw scan
    assert RAW in page.title.text()
    return (NAME, STORE, ORDER, SUITE, RAW)


SCENARIOS: list[Callable[[Station, Register, Path], tuple[str, ...]]] = [
    feed_match,
    feed_status,
    duplicate_by_operator,
    invalid_scan,
    scan_not_recorded,
    late_match_notice,
    scanner_and_server_status,
    recording_problem,
    settings_warnings,
    config_error_window,
    admin_settings_mistake,
    admin_connection_test,
    admin_refused,
    admin_scanner_mistake,
    admin_scanner_live_view,
    badge_pin_prompt,
    login_locked,
    clerk_refused_settings,
    admin_operators,
    admin_audit,
    supervisor_pages,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_outside_text_is_shown_as_it_is_on_every_label(
    scenario: Callable[[Station, Register, Path], tuple[str, ...]],
    station: Station,
    register: Register,
    qapp: qt.QApplication,
    tmp_path: Path,
) -> None:
    expected = scenario(station, register, tmp_path)
    found = check_outside_text(qapp.topLevelWidgets(), OUTSIDE)
    assert set(expected) <= found, f"not on any label: {set(expected) - found}"


def test_the_walker_catches_a_label_that_interprets_markup(qtbot: Any) -> None:
    # The check itself, on the defect the issue found: an AutoText label showing a customer's name.
    widget = qt.QWidget()
    qtbot.addWidget(widget)
    label = qt.QLabel(widget)
    label.setText(f"Suite UN-1 · {NAME}")
    with pytest.raises(AssertionError, match="interpreted as markup"):
        check_outside_text([widget], OUTSIDE)
    label.setTextFormat(qt.Qt.TextFormat.PlainText)
    assert check_outside_text([widget], OUTSIDE) == {NAME}
