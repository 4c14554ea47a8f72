"""The Operators tab as an admin uses it: add, role, deactivate, unlock, badges printed to PDF, on a real store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtPdf import QPdfDocument

from scanstation.access.login import LoginPolicy, log_in_with_badge, log_in_with_pin
from scanstation.domain import AuditKind, utcnow
from scanstation.domain.access import Actor, Role
from scanstation.gui import qt
from scanstation.gui.admin.context import AdminContext
from scanstation.gui.admin.operators_tab import OperatorsTab
from scanstation.gui.badge_print import QtBadgePrinter
from scanstation.store.audit import AuditFilter, read
from scanstation.store.operators import add_operator, get_operator

from .conftest import ADMIN, CLERK, CONFIG_TEXT, OPERATOR, PIN, STATION, Station
from .conftest import admin_context as station_admin_context

pytestmark = pytest.mark.gui

ADMIN_PIN = "9090"
POLICY = LoginPolicy(max_wrong_pins=3, first_delay_s=0.0, max_delay_s=0.0, badge_pin_for_privileged=True)


def admin_context(station: Station, tmp_path: Path, actor: Actor | None) -> AdminContext:
    config_path = tmp_path / "admin.toml"
    config_path.write_text(
        CONFIG_TEXT.format(db=tmp_path / "admin.db", url="http://127.0.0.1:9/api", token="t0ken"), encoding="utf-8"
    )
    # The tab acts for the gui station (its operators and trail), on the real parts the Station wires.
    return station_admin_context(station, config_path, lambda: actor, station_id=STATION)


class RecordingPrinter(QtBadgePrinter):
    """The real printer (Qt's PDF writer, the print path to a PDF file), keeping the secrets it was handed.

    The secret reaches nothing else on the screen; the test needs it to log in the way a scanned badge does.
    """

    def __init__(self, folder: Path) -> None:
        self.secrets: list[str] = []
        self.files: list[Path] = []

        def choose_file(parent: qt.QWidget | None, suggested: str) -> Path:
            path = folder / suggested
            self.files.append(path)
            return path

        def choose_printer(printer: qt.QPrinter, parent: qt.QWidget | None) -> bool:
            # What picking "Print to file (PDF)" in the print dialog sets.
            path = folder / f"printed-{len(self.files)}.pdf"
            printer.setOutputFormat(qt.QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(path))
            self.files.append(path)
            return True

        super().__init__(choose_file=choose_file, choose_printer=choose_printer)

    def print_badge(self, display_name: str, secret: str, parent: qt.QWidget | None) -> str | None:
        self.secrets.append(secret)
        return super().print_badge(display_name, secret, parent)

    def save_pdf(self, display_name: str, secret: str, parent: qt.QWidget | None) -> str | None:
        self.secrets.append(secret)
        return super().save_pdf(display_name, secret, parent)


@pytest.fixture
def printer(tmp_path: Path) -> RecordingPrinter:
    folder = tmp_path / "badges"
    folder.mkdir()
    return RecordingPrinter(folder)


MakeTab = Callable[..., OperatorsTab]


@pytest.fixture
def make_tab(qtbot: Any, station: Station, tmp_path: Path, printer: RecordingPrinter) -> MakeTab:
    add_operator(station.engine, ADMIN.name, ADMIN_PIN, role="admin", display_name=ADMIN.display_name)

    def make(actor: Actor | None = ADMIN) -> OperatorsTab:
        with qtbot.waitSignal(station.receiving.runner.answered, timeout=10_000):
            tab = OperatorsTab(admin_context(station, tmp_path, actor), printer)
        qtbot.addWidget(tab)
        tab.resize(1400, 900)
        tab.show()
        return tab

    return make


def names(tab: OperatorsTab) -> list[str]:
    return [r.name for r in tab.model.records]


def cells(tab: OperatorsTab, name: str) -> list[str]:
    row = names(tab).index(name)
    return [tab.model.index(row, c).data() for c in range(tab.model.columnCount())]


def click(qtbot: Any, button: qt.QAbstractButton) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, qt.Qt.MouseButton.LeftButton)


def answer(qtbot: Any, tab: OperatorsTab, action: Callable[[], None]) -> tuple[bool, str]:
    """Do `action` and wait for the core's answer and the table read again after it."""
    with qtbot.waitSignal(tab.done, timeout=10_000) as blocker:
        action()
    ok, words = blocker.args
    assert tab.result_line.text() == words
    return ok, words


def confirm(qtbot: Any, tab: OperatorsTab, yes: bool = True) -> None:
    box = tab.confirmation
    assert box is not None and box.isVisible()
    button = qt.QMessageBox.StandardButton.Yes if yes else qt.QMessageBox.StandardButton.Cancel
    click(qtbot, box.button(button))


def audit_rows(station: Station, kind: AuditKind) -> list[Any]:
    return read(station.engine, AuditFilter(kinds=(kind.value,)))


def test_the_table_lists_the_operators_with_their_state(make_tab: MakeTab) -> None:
    tab = make_tab()
    assert names(tab) == [OPERATOR, ADMIN.name]
    assert cells(tab, OPERATOR) == ["anna", "Anna K.", "clerk", "yes", "", "", "", ""]
    assert tab.model.headers() == [
        "Name",
        "Display name",
        "Role",
        "Active",
        "Locked until",
        "Wrong PINs",
        "Badge issued",
        "Last log-in",
    ]
    assert not tab.buttons["deactivate"].isEnabled()  # nothing selected yet


def test_add_an_operator_through_the_dialog(qtbot: Any, make_tab: MakeTab, station: Station) -> None:
    tab = make_tab()
    click(qtbot, tab.buttons["add"])
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.name_edit is not None and dialog.display_edit is not None
    assert dialog.role_combo is not None and dialog.pin_edit is not None and dialog.pin_again is not None
    assert dialog.pin_edit.echoMode() == qt.QLineEdit.EchoMode.Password
    assert dialog.pin_again.echoMode() == qt.QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.name_edit, "boris")
    qtbot.keyClicks(dialog.display_edit, "Boris B.")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("supervisor"))
    qtbot.keyClicks(dialog.pin_edit, "5678")
    qtbot.keyClicks(dialog.pin_again, "5679")
    ok_button = dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Ok)
    click(qtbot, ok_button)
    assert dialog.isVisible()  # a mistake a person fixes here
    assert dialog.error.text() == "The two PINs differ: type the same PIN twice."
    dialog.pin_again.clear()
    qtbot.keyClicks(dialog.pin_again, "5678")
    ok, words = answer(qtbot, tab, lambda: click(qtbot, ok_button))
    assert ok and words == "Boris B. was added as supervisor."
    assert cells(tab, "boris")[:4] == ["boris", "Boris B.", "supervisor", "yes"]
    assert log_in_with_pin(station.engine, "boris", "5678", POLICY, station=STATION).actor == Actor(
        "boris", Role.SUPERVISOR, "Boris B."
    )
    (added,) = audit_rows(station, AuditKind.OPERATOR_ADDED)
    assert (added.actor, added.target, added.station) == (ADMIN.name, "boris", STATION)
    assert "5678" not in repr(added)


def test_a_name_taken_is_refused_in_the_cores_words(qtbot: Any, make_tab: MakeTab) -> None:
    tab = make_tab()
    click(qtbot, tab.buttons["add"])
    dialog = tab.dialog
    assert dialog is not None and dialog.name_edit is not None
    assert dialog.pin_edit is not None and dialog.pin_again is not None
    qtbot.keyClicks(dialog.name_edit, OPERATOR)
    qtbot.keyClicks(dialog.pin_edit, "1111")
    qtbot.keyClicks(dialog.pin_again, "1111")
    ok, words = answer(qtbot, tab, lambda: click(qtbot, dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Ok)))
    assert not ok and words == "an operator named 'anna' already exists"
    assert names(tab) == [OPERATOR, ADMIN.name]


def test_set_a_role_and_a_pin(qtbot: Any, make_tab: MakeTab, station: Station) -> None:
    tab = make_tab()
    tab.select(OPERATOR)
    click(qtbot, tab.buttons["role"])
    dialog = tab.dialog
    assert dialog is not None and dialog.role_combo is not None and dialog.name_edit is None
    assert dialog.role_combo.currentData() == "clerk"  # the role they have now
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("supervisor"))
    ok_button = dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Ok)
    ok, words = answer(qtbot, tab, lambda: click(qtbot, ok_button))
    assert ok and words == "Anna K. is now supervisor."
    assert cells(tab, OPERATOR)[2] == "supervisor"
    selected = tab.selected()
    assert selected is not None and selected.name == OPERATOR  # the selection stays
    changed = audit_rows(station, AuditKind.OPERATOR_CHANGED)[0]
    assert (changed.before["role"], changed.after["role"]) == ("clerk", "supervisor")

    click(qtbot, tab.buttons["pin"])
    dialog = tab.dialog
    assert dialog is not None and dialog.pin_edit is not None and dialog.pin_again is not None
    qtbot.keyClicks(dialog.pin_edit, "12")
    qtbot.keyClicks(dialog.pin_again, "12")
    ok_button = dialog.buttons.button(qt.QDialogButtonBox.StandardButton.Ok)
    click(qtbot, ok_button)
    assert dialog.error.text() == "a PIN is 4 to 12 digits"  # the core's own words
    for edit in (dialog.pin_edit, dialog.pin_again):
        edit.clear()
        qtbot.keyClicks(edit, "24680")
    ok, words = answer(qtbot, tab, lambda: click(qtbot, ok_button))
    assert ok and words == "Anna K. has a new PIN."
    assert log_in_with_pin(station.engine, OPERATOR, "24680", POLICY, station=STATION).ok
    assert not log_in_with_pin(station.engine, OPERATOR, PIN, POLICY, station=STATION).ok


def test_deactivating_the_last_admin_is_refused_in_words_and_a_clerk_is_deactivated_after_a_yes(
    qtbot: Any, make_tab: MakeTab, station: Station
) -> None:
    tab = make_tab()
    tab.select(ADMIN.name)
    click(qtbot, tab.buttons["deactivate"])
    assert tab.confirmation is not None
    assert tab.confirmation.text() == ("Deactivate Olga A.? They can no longer log in; their scans keep their name.")
    ok, words = answer(qtbot, tab, lambda: confirm(qtbot, tab))
    assert not ok
    assert words == (
        "'olga' is the only active admin: deactivating them would leave nobody who can set up this station; "
        "make another operator admin first"
    )
    assert cells(tab, ADMIN.name)[3] == "yes"

    tab.select(OPERATOR)
    click(qtbot, tab.buttons["deactivate"])
    confirm(qtbot, tab, yes=False)  # Cancel: nothing happens
    info = get_operator(station.engine, OPERATOR)
    assert info is not None and info.active

    click(qtbot, tab.buttons["deactivate"])
    ok, words = answer(qtbot, tab, lambda: confirm(qtbot, tab))
    assert ok and words == "Anna K. can no longer log in."
    assert names(tab) == [ADMIN.name]  # inactive ones hidden until asked for
    with qtbot.waitSignal(tab.refreshed, timeout=10_000):
        click(qtbot, tab.show_inactive)
    assert cells(tab, OPERATOR)[3] == "no"
    tab.select(OPERATOR)
    assert not tab.buttons["deactivate"].isEnabled()
    ok, words = answer(qtbot, tab, lambda: click(qtbot, tab.buttons["activate"]))
    assert ok and words == "Anna K. can log in again."
    assert cells(tab, OPERATOR)[3] == "yes"


def test_unlock_a_locked_operator(qtbot: Any, make_tab: MakeTab, station: Station) -> None:
    now = utcnow()
    wrong = [log_in_with_pin(station.engine, OPERATOR, "0000", POLICY, station=STATION, now=now) for _ in range(3)]
    assert [a.refusal for a in wrong][:2] == ["wrong name or PIN"] * 2
    locked = log_in_with_pin(station.engine, OPERATOR, PIN, POLICY, station=STATION, now=now + timedelta(seconds=1))
    assert not locked.ok and locked.locked_until is not None  # locked: even the right PIN is refused

    tab = make_tab()
    row = cells(tab, OPERATOR)
    assert row[4] != "" and row[5] == "3"
    tab.select(OPERATOR)
    ok, words = answer(qtbot, tab, lambda: click(qtbot, tab.buttons["unlock"]))
    assert ok and words == "Anna K. is unlocked and may try their PIN again."
    assert cells(tab, OPERATOR)[4:6] == ["", ""]
    assert not tab.buttons["unlock"].isEnabled()
    assert log_in_with_pin(station.engine, OPERATOR, PIN, POLICY, station=STATION).ok
    (unlocked,) = audit_rows(station, AuditKind.OPERATOR_UNLOCKED)
    assert (unlocked.actor, unlocked.target) == (ADMIN.name, OPERATOR)


def pdf_pages(path: Path) -> tuple[int, float, float, int]:
    """A PDF as Qt's PDF reader sees it: pages, the first page's size in mm, and its dark pixels (the bars)."""
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    size = document.pagePointSize(0)
    image = document.render(0, qt.QSize(428, 270))
    dark = sum(
        1 for y in range(0, image.height(), 3) for x in range(image.width()) if image.pixelColor(x, y).lightness() < 80
    )
    pages = document.pageCount()
    document.close()
    return pages, size.width() * 25.4 / 72, size.height() * 25.4 / 72, dark


def texts_on_screen(app: qt.QApplication) -> list[str]:
    found: list[str] = []
    for top in app.topLevelWidgets():
        for widget in [top, *top.findChildren(qt.QWidget)]:
            found += [widget.windowTitle(), widget.toolTip(), widget.statusTip(), widget.accessibleName()]
            if isinstance(widget, qt.QLabel | qt.QAbstractButton | qt.QLineEdit):
                found.append(widget.text())
    return found


def test_a_badge_printed_to_pdf_logs_in_once_revoked_never(
    qtbot: Any,
    make_tab: MakeTab,
    station: Station,
    printer: RecordingPrinter,
    qapp: qt.QApplication,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tab = make_tab()
    tab.select(OPERATOR)
    assert not tab.buttons["revoke"].isEnabled()  # no badge yet
    ok, words = answer(qtbot, tab, lambda: click(qtbot, tab.buttons["badge"]))  # no badge to replace: no question
    assert ok and words == "A new badge was issued for Anna K.: print it now."
    dialog = tab.badge_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.picture.pixmap().isNull()  # the barcode is on screen as a picture
    assert cells(tab, OPERATOR)[6] != ""

    click(qtbot, dialog.pdf_button)
    (saved,) = printer.files
    assert saved.name == "badge-Anna-K..pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
    pages, width_mm, height_mm, dark = pdf_pages(saved)
    assert pages == 1 and width_mm == pytest.approx(85.6, abs=0.5) and height_mm == pytest.approx(54, abs=0.5)
    assert dark > 500  # the bars were painted
    assert dialog.result_line.text() == f"The badge was saved to {saved}."
    click(qtbot, dialog.print_button)
    printed = printer.files[-1]
    assert printed.read_bytes().startswith(b"%PDF-") and pdf_pages(printed)[3] > 500
    assert dialog.result_line.text() == f"The badge was sent to {printed}."

    secret = printer.secrets[0]
    assert printer.secrets == [secret, secret]
    assert not any(secret in text for text in texts_on_screen(qapp))
    assert log_in_with_badge(station.engine, secret, POLICY, station=STATION).actor == Actor(
        OPERATOR, Role.CLERK, "Anna K."
    )
    click(qtbot, dialog.close_button)
    assert not dialog.isVisible()

    # A new badge replaces the old one, after a question.
    tab.select(OPERATOR)
    click(qtbot, tab.buttons["badge"])
    assert tab.confirmation is not None
    assert tab.confirmation.text() == "Anna K. has a badge already. Issue a new one? The old badge stops logging in."
    ok, _ = answer(qtbot, tab, lambda: confirm(qtbot, tab))
    second = tab.badge_dialog
    assert ok and second is not None and second is not dialog
    click(qtbot, second.pdf_button)
    newer = printer.secrets[-1]
    assert newer != secret
    assert log_in_with_badge(station.engine, secret, POLICY, station=STATION).refusal == (
        "this badge is not valid (revoked or unknown)"
    )
    assert log_in_with_badge(station.engine, newer, POLICY, station=STATION).ok
    click(qtbot, second.close_button)

    # Revoked: the badge logs nobody in.
    tab.select(OPERATOR)
    click(qtbot, tab.buttons["revoke"])
    assert tab.confirmation is not None
    ok, words = answer(qtbot, tab, lambda: confirm(qtbot, tab))
    assert ok and words == "The badge of Anna K. no longer logs in."
    assert cells(tab, OPERATOR)[6] == ""
    assert not log_in_with_badge(station.engine, newer, POLICY, station=STATION).ok
    kinds = [r.kind for r in read(station.engine, AuditFilter(target=OPERATOR))]
    assert kinds[0] == "badge.revoked" and kinds.count("badge.issued") == 2

    assert not any(secret in text or newer in text for text in texts_on_screen(qapp))
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    assert "badge for Anna K. was saved" in logged  # the log was listening
    assert secret not in logged and newer not in logged
    assert not any(secret in str(e.detail) + str(e.after) for e in read(station.engine, AuditFilter()))


def test_a_clerk_gets_the_cores_refusal_in_words(qtbot: Any, make_tab: MakeTab, station: Station) -> None:
    tab = make_tab(CLERK)
    assert names(tab) == []
    assert tab.result_line.text() == "Anna K. is a clerk: managing operators needs an admin"
    (refused,) = audit_rows(station, AuditKind.REFUSED)
    assert (refused.actor, refused.target) == (CLERK.name, "operators.manage")
