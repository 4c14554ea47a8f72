"""Every Russian screen, built with real widgets: no English word from the station's own text is left on it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanstation.access import operators as access
from scanstation.config.settings import SECTIONS
from scanstation.domain.access import Actor
from scanstation.gui import qt
from scanstation.gui.admin.audit_view import AuditView
from scanstation.gui.admin.form import title_of
from scanstation.gui.admin.scanners_tab import ScannerDialog
from scanstation.gui.admin.setting_words import DESCRIPTIONS, NOTES, TITLES
from scanstation.gui.admin.window import AdminWindow
from scanstation.gui.resources import i18n_dir

from .conftest import ADMIN, CONFIG_TEXT, OPERATOR, SUPERVISOR, Station, admin_context
from .test_supervisor import as_supervisor, open_desk, open_page, scan

pytestmark = pytest.mark.gui

Register = Callable[..., Any]
WAIT = 10_000
LATIN = re.compile(r"[A-Za-z]{3,}")

# Words a Russian screen keeps in Latin letters: names of brands, carriers, formats and protocols, which a
# Russian-speaking warehouse writes the same way; and the fixture's data (a store's domain, the config's ids).
ALLOWED = frozenset(
    w.lower()
    for w in (
        *("PIN", "USB", "CSV", "XLSX", "PDF", "PNG", "SVG", "TOML", "URL", "HTTP", "HTTPS", "TLS", "GS1", "STX"),
        *("UPS", "USPS", "FedEx", "DHL", "Amazon", "SQLite", "PostgreSQL", "Code", "HID", "TCP", "serial"),
        *("Enter", "Ctrl", "Shift", "Esc", "VID", "PID"),  # keys' and USB ids' names, as printed on them
        *("true", "false"),  # the TLS field is editable: its text is the value the config file takes
        *("TBA", "amazon", "com", "test", "admin"),  # the fixture's data: a tracking prefix, a store, ids
    )
)


def vocabulary() -> frozenset[str]:
    """The station's own English: every word of the catalogue's sources and of the settings' declarations."""
    root = ET.parse(i18n_dir() / "scanstation_ru.ts").getroot()
    texts = [source.text or "" for source in root.iter("source")]
    for spec in SECTIONS:
        texts.append(spec.description)
        for setting in spec.settings:
            texts += [title_of(setting), setting.description, *setting.notes]
    return frozenset(word.lower() for text in texts for word in LATIN.findall(text))


def widget_path(widget: qt.QWidget) -> str:
    names = []
    w: qt.QWidget | None = widget
    while w is not None:
        names.append(w.objectName() or type(w).__name__)
        w = w.parentWidget()
    return "/".join(reversed(names))


def model_texts(model: Any) -> Iterator[str]:
    if model is None:
        return
    root = qt.QModelIndex()
    columns = 1 if isinstance(model, qt.QAbstractListModel) else model.columnCount(root)  # private in a list
    for section in range(columns):
        header = model.headerData(section, qt.Qt.Orientation.Horizontal, qt.Qt.ItemDataRole.DisplayRole)
        if isinstance(header, str):
            yield header
    for row in range(min(model.rowCount(root), 50)):
        for column in range(columns):
            value = model.index(row, column).data(qt.Qt.ItemDataRole.DisplayRole)
            if isinstance(value, str):
                yield value


def shown_texts(top: qt.QWidget) -> Iterator[tuple[str, str]]:
    """(widget path, text) for every text a person sees on `top` as it stands."""
    yield widget_path(top), top.windowTitle()
    for w in [top, *top.findChildren(qt.QWidget)]:
        if not w.isVisible():
            continue
        path = widget_path(w)
        if isinstance(w, (qt.QLabel, qt.QAbstractButton)):
            yield path, w.text()
        elif isinstance(w, qt.QGroupBox):
            yield path, w.title()
        elif isinstance(w, qt.QLineEdit):
            yield path, w.placeholderText()
        elif isinstance(w, qt.QComboBox):
            for i in range(w.count()):
                yield path, w.itemText(i)
        elif isinstance(w, qt.QTabWidget):
            for i in range(w.count()):
                yield path, w.tabText(i)
        elif isinstance(w, qt.QAbstractItemView) and not isinstance(w, qt.QHeaderView):
            for text in model_texts(w.model()):
                yield path, text


def english_on(screen: str, top: qt.QWidget, words: frozenset[str], found: list[str]) -> None:
    for path, text in shown_texts(top):
        if text.startswith("{"):
            continue  # an audit entry's detail, its data as recorded (JSON keys are not words on a screen)
        english = sorted({w for w in LATIN.findall(text) if w.lower() in words and w.lower() not in ALLOWED})
        if english and all(f": {path}: {text!r}" not in seen for seen in found):  # once, on its first screen
            found.append(f"{screen}: {path}: {text!r} ({', '.join(english)})")


def each_tab(tabs: qt.QTabWidget, screen: str, top: qt.QWidget, words: frozenset[str], found: list[str]) -> None:
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        page = tabs.widget(i)
        english_on(f"{screen}, {page.objectName() if page is not None else i}", top, words, found)


def test_no_english_word_of_the_station_on_a_russian_screen(
    station: Station, register: Register, tmp_path: Path
) -> None:
    words = vocabulary()
    qtbot, w = station.qtbot, station.window
    found: list[str] = []
    qtbot.keyClick(w, qt.Qt.Key.Key_F9)  # Russian, as a clerk switches
    assert qt.QCoreApplication.translate("Verdict", "UNKNOWN") == "НЕИЗВЕСТНАЯ"
    try:
        english_on("clerk, logged out", w, words, found)
        station.log_in(OPERATOR, "9999")
        english_on("clerk, wrong PIN", w, words, found)

        register("1Z999AA10123456784", customer_suite="UN-1234", services=("photo",))
        register("9400111899223197428490", status="shipped", customer_suite="UN-0107")
        register("TBA000000000444", customer_id="c_1", customer_suite="UN-1", customer_name="Иван Петров")
        register("TBA000000000444", customer_id="c_2", customer_suite="UN-2", customer_name="Анна Лис")
        station.log_in()
        for name, number in (
            ("matched", "1Z999AA10123456784"),
            ("duplicate", "1Z999AA10123456784"),
            ("unknown", "1Z0715X10190647079"),
            ("ambiguous", "TBA000000000444"),
            ("not expected", "9400111899223197428490"),
            ("invalid", "hello"),
        ):
            station.type_number(number)
            english_on(f"clerk, {name}", w, words, found)
        for row in range(w.recent.model.rowCount()):  # a click on a line of the last scans: its details
            w.open_details(w.recent.model.scan_at(row))
            assert w.details is not None
            english_on(f"scan details, line {row}", w.details, words, found)
            w.close_details()

        unknown = scan(station, "TBA000000004711")
        as_supervisor(station)
        desk = open_desk(station)
        for item in list(desk.queue.model.rows):  # each kind's page: unknown, ambiguous, not expected
            open_page(station, desk, item.id)
            english_on(f"supervisor, page of {item.kind}", desk, words, found)
        open_page(station, desk, f"unknown:{unknown.unknown_id}")
        desk.tabs.setCurrentWidget(desk.search)
        with qtbot.waitSignal(desk.search.box.searched, timeout=WAIT):
            desk.search.box.search("UN-")
        english_on("supervisor, search", desk, words, found)
        with qtbot.waitSignal(desk.report.loaded, timeout=WAIT):
            desk.tabs.setCurrentWidget(desk.report)
        english_on("supervisor, report", desk, words, found)
        each_tab(desk.tabs, "supervisor", desk, words, found)

        config_path = tmp_path / "config.toml"
        config_path.write_text(
            CONFIG_TEXT.format(db=tmp_path / "admin.db", url="http://127.0.0.1:9/api", token="t0ken"), encoding="utf-8"
        )
        for actor in (ADMIN, SUPERVISOR):
            access.add_operator(
                station.engine,
                Actor.shell("test"),
                actor.name,
                "9090",
                actor.role.value,
                actor.display_name,
                station="st-admin",
            )
        admin = AdminWindow(admin_context(station, config_path, lambda: ADMIN))
        qtbot.addWidget(admin)
        admin.resize(1400, 900)
        admin.show()
        each_tab(admin.tabs, "admin", admin, words, found)

        for kind in ("serial", "socket", "wedge"):  # the scanner dialog shows the settings of its type
            dialog = ScannerDialog({"name": "dock-1", "type": kind}, lambda values: ())
            qtbot.addWidget(dialog)
            dialog.show()
            english_on(f"scanner dialog, {kind}", dialog, words, found)
            dialog.close()

        with qtbot.waitSignal(station.receiving.runner.answered, timeout=WAIT):
            audit = AuditView(admin_context(station, config_path, lambda: ADMIN, station_id="st-gui"))
        qtbot.addWidget(audit)
        audit.resize(1400, 900)
        audit.show()
        english_on("audit", audit, words, found)
    finally:
        qtbot.keyClick(w, qt.Qt.Key.Key_F9)  # back to English for the tests after this one
    assert not found, f"{len(found)} English texts on Russian screens:\n" + "\n".join(found)


def test_every_declared_setting_has_its_words_in_the_catalogue() -> None:
    # A setting added to settings.py without its entry would show its English title on a Russian form.
    declared = {(spec.name, s.name): s for spec in SECTIONS for s in spec.settings}
    assert set(TITLES) == set(declared) and set(DESCRIPTIONS) == set(declared)
    for key, setting in declared.items():
        assert TITLES[key] == title_of(setting), key  # the English form is the one it was
        assert DESCRIPTIONS[key] == setting.description, key
        assert NOTES.get(key) == ("\n".join(setting.notes) or None), key
