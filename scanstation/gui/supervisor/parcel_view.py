"""A parcel's page: what the station knows of it, the suggestions, and every resolution the core offers for it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scanstation.domain import Actor, Outcome
from scanstation.gui import qt
from scanstation.gui.photos import PhotoStrip
from scanstation.gui.plain import plain_label
from scanstation.gui.supervisor.context import SupervisorContext
from scanstation.gui.supervisor.queue_view import refusal_words
from scanstation.gui.supervisor.search_view import SearchBox, selected_row
from scanstation.gui.supervisor.words import action_words, kind_words, outcome_words, reason_words, when, yes
from scanstation.gui.tables import RowsModel, table_of
from scanstation.gui.texts import note_words, status_word
from scanstation.gui.widgets import Retranslated, font
from scanstation.receiving.receiver import UNDO_SAFETY_S
from scanstation.review.parcel import (
    ParcelPage,
    RegistrationShown,
    ResolutionShown,
    ScanShown,
    locate_scan,
    parcel_page,
)
from scanstation.review.resolve import CLOSE_RESOLUTIONS, Resolved
from scanstation.review.suggest import Suggestion, suggest
from scanstation.scanners.monitor import visible_controls

log = logging.getLogger(__name__)

_OK_STYLE = "color: #1b5e20; font-weight: bold;"
_BAD_STYLE = "color: #b71c1c; font-weight: bold;"


@dataclass(frozen=True)
class Loaded:
    """One read of a page: the page (None: nothing known of `asked`) and, for an open unknown, its suggestions."""

    asked: str  # the item id, or the raw scan read at the desk
    page: ParcelPage | None
    suggestions: list[Suggestion]


def photo_ref(page: ParcelPage) -> str | None:
    """What a page's photos are kept under: an unknown parcel's own id, else its registration, else its first scan."""
    if page.kind == "unknown" or page.item_id.startswith("registration:"):
        return page.item_id
    if page.registration is not None:
        return f"registration:{page.registration.id}"
    if page.scans:
        return f"scan:{page.scans[0].id}"
    return None


class ScansModel(RowsModel[ScanShown]):
    """Every scan of the parcel, oldest first: when, outcome, who, where, scanner, typed, undone, raw."""

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ParcelView", "When"),
            qt.QCoreApplication.translate("ParcelView", "Outcome"),
            qt.QCoreApplication.translate("ParcelView", "Who"),
            qt.QCoreApplication.translate("ParcelView", "Station"),
            qt.QCoreApplication.translate("ParcelView", "Scanner"),
            qt.QCoreApplication.translate("ParcelView", "Typed"),
            qt.QCoreApplication.translate("ParcelView", "Undone"),
            qt.QCoreApplication.translate("ParcelView", "Raw scan"),
        ]

    def cell(self, row: ScanShown, column: int) -> str:
        values = (
            when(row.at),
            outcome_words(row.outcome),
            row.operator,
            row.station,
            row.scanner,
            yes(row.typed),
            yes(row.undone),
            visible_controls(row.raw),
        )
        return values[column]

    def foreground(self, row: ScanShown, column: int) -> str | None:
        return "#757575" if row.undone else None


class ResolutionsModel(RowsModel[ResolutionShown]):
    """The item's resolutions, oldest first: when, what, who, the registration, the note, undone."""

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ParcelView", "When"),
            qt.QCoreApplication.translate("ParcelView", "Resolution"),
            qt.QCoreApplication.translate("ParcelView", "Who"),
            qt.QCoreApplication.translate("ParcelView", "Registration"),
            qt.QCoreApplication.translate("ParcelView", "Note"),
            qt.QCoreApplication.translate("ParcelView", "Undone"),
        ]

    def cell(self, row: ResolutionShown, column: int) -> str:
        undone = f"{when(row.undone_at)} {row.undone_by or ''}".strip() if row.undone_at else ""
        values = (when(row.at), action_words(row.action), row.actor, row.registration_id or "", row.note, undone)
        return " ".join(values[column].split())

    def foreground(self, row: ResolutionShown, column: int) -> str | None:
        return "#757575" if row.undone_at is not None else None


class SuggestionsModel(RowsModel[Suggestion]):
    """The registrations an unknown parcel may be, best first, with the reason in words."""

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ParcelView", "Why"),
            qt.QCoreApplication.translate("ParcelView", "Suite"),
            qt.QCoreApplication.translate("ParcelView", "Customer"),
            qt.QCoreApplication.translate("ParcelView", "Registered number"),
            qt.QCoreApplication.translate("ParcelView", "Store"),
            qt.QCoreApplication.translate("ParcelView", "Order"),
        ]

    def cell(self, row: Suggestion, column: int) -> str:
        values = (
            reason_words(row.reason),
            row.customer_suite,
            row.customer_name,
            row.tracking_typed or row.tracking_number or "",
            row.store,
            row.order_number,
        )
        return " ".join(values[column].split())


class CandidatesModel(RowsModel[RegistrationShown]):
    """An ambiguous scan's registrations: suite, name, store, order, what was typed."""

    def headers(self) -> list[str]:
        return [
            qt.QCoreApplication.translate("ParcelView", "Suite"),
            qt.QCoreApplication.translate("ParcelView", "Customer"),
            qt.QCoreApplication.translate("ParcelView", "Store"),
            qt.QCoreApplication.translate("ParcelView", "Order"),
            qt.QCoreApplication.translate("ParcelView", "Typed"),
            qt.QCoreApplication.translate("ParcelView", "Status"),
        ]

    def cell(self, row: RegistrationShown, column: int) -> str:
        values = (
            row.customer_suite,
            row.customer_name,
            row.store,
            row.order_number,
            row.tracking_typed,
            status_word(row.status),
        )
        return " ".join(values[column].split())


def close_words(resolution: str) -> str:
    words = {
        "returned_to_sender": qt.QCoreApplication.translate("ParcelView", "returned to sender"),
        "disposed": qt.QCoreApplication.translate("ParcelView", "disposed of"),
        "other": qt.QCoreApplication.translate("ParcelView", "other (say in the note)"),
    }
    return words.get(resolution, resolution)


def _field(name: str) -> qt.QLabel:
    label = plain_label()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(qt.Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _button(name: str) -> qt.QPushButton:
    button = qt.QPushButton()
    button.setObjectName(name)
    return button


class ParcelView(Retranslated, qt.QWidget):
    """Shows one page and asks the core for each resolution; it holds no rule of its own (the core checks all).

    `loaded` follows every read, `resolved` every answer to a resolution or an undo (ok, the words shown).
    """

    loaded = qt.Signal()
    resolved = qt.Signal(bool, str)
    open_item = qt.Signal(str)

    def __init__(self, context: SupervisorContext) -> None:
        super().__init__()
        self.setObjectName("parcelView")
        self._context = context
        self._loaded: Loaded | None = None
        self._pending = False
        self._message = ""
        self._message_bad = False

        # ----- what the station knows
        self.title = plain_label()
        self.title.setObjectName("parcelTitle")
        self.title.setFont(font(16, bold=True))
        self.title.setWordWrap(True)
        self.raw_line = _field("parcelRaw")
        self.raw_line.setFont(qt.QFontDatabase.systemFont(qt.QFontDatabase.SystemFont.FixedFont))
        self.keys_line = _field("parcelKeys")
        self.carrier_line = _field("parcelCarrier")
        self.first_line = _field("parcelFirstSeen")
        self.last_line = _field("parcelLastSeen")
        self.registration_line = _field("parcelRegistration")
        self.notes_line = _field("parcelNotes")
        self.registration_button = _button("openRegistration")
        self.registration_button.clicked.connect(self._open_registration)
        self.form_labels: dict[str, qt.QLabel] = {}
        self._form = form = qt.QFormLayout()
        for key, widget in (
            ("raw", self.raw_line),
            ("keys", self.keys_line),
            ("carrier", self.carrier_line),
            ("first", self.first_line),
            ("last", self.last_line),
            ("registration", self.registration_line),
            ("notes", self.notes_line),
        ):
            label = plain_label()
            self.form_labels[key] = label
            form.addRow(label, widget)
        self.scans_model = ScansModel()
        self.scans_table = table_of(self.scans_model, "parcelScans")
        self.scans_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.scans_box = qt.QGroupBox()
        qt.QVBoxLayout(self.scans_box).addWidget(self.scans_table)
        # The parcel's photos (gui/photos.py): a strip made for each parcel shown (_show_photos).
        self.photos_box = qt.QGroupBox()
        self.photos_box.setObjectName("photos_box")
        self.photos_layout = qt.QVBoxLayout(self.photos_box)
        self.photo_strip: PhotoStrip | None = None
        self._photo_ref: str | None = None
        self.history_model = ResolutionsModel()
        self.history_table = table_of(self.history_model, "parcelHistory")
        self.history_box = qt.QGroupBox()
        qt.QVBoxLayout(self.history_box).addWidget(self.history_table)

        left = qt.QVBoxLayout()
        left.addWidget(self.title)
        left.addLayout(form)
        link_row = qt.QHBoxLayout()
        link_row.addWidget(self.registration_button)
        link_row.addStretch(1)
        left.addLayout(link_row)
        left.addWidget(self.scans_box, 1)
        left.addWidget(self.photos_box)
        left.addWidget(self.history_box, 1)

        # ----- what a supervisor may do with it
        self.suggestions_model = SuggestionsModel()
        self.suggestions_table = table_of(self.suggestions_model, "parcelSuggestions")
        self.suggestions_table.activated.connect(lambda _: self.match_suggestion())
        self.suggestions_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.this_is_it = _button("thisIsIt")
        # The one gesture the page is for: it stands out from the rest.
        self.this_is_it.setStyleSheet(
            "QPushButton { background: #2e7d32; color: white; font-weight: bold; padding: 6px; }"
            "QPushButton:disabled { background: #a5d6a7; }"
        )
        self.this_is_it.clicked.connect(self.match_suggestion)
        self.suggestions_box = qt.QGroupBox()
        box = qt.QVBoxLayout(self.suggestions_box)
        box.addWidget(self.suggestions_table)
        box.addWidget(self.this_is_it)

        self.candidates_model = CandidatesModel()
        self.candidates_table = table_of(self.candidates_model, "parcelCandidates")
        self.candidates_table.activated.connect(lambda _: self.pick_candidate())
        self.candidates_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.pick_button = _button("pickCandidate")
        self.pick_button.clicked.connect(self.pick_candidate)
        self.candidates_box = qt.QGroupBox()
        box = qt.QVBoxLayout(self.candidates_box)
        box.addWidget(self.candidates_table)
        box.addWidget(self.pick_button)

        self.finder = SearchBox(context, "parcelFind")
        self.finder.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.finder.searched.connect(self._update_buttons)
        self.match_found = _button("matchFound")
        self.match_found.clicked.connect(self.match_found_registration)
        self.correct_button = _button("correctScan")
        self.correct_button.clicked.connect(self.correct_selected_scan)
        self.find_box = qt.QGroupBox()
        box = qt.QVBoxLayout(self.find_box)
        box.addWidget(self.finder, 1)
        found_buttons = qt.QHBoxLayout()
        found_buttons.addWidget(self.match_found)
        found_buttons.addWidget(self.correct_button)
        box.addLayout(found_buttons)

        self.note_edit = qt.QLineEdit()
        self.note_edit.setObjectName("resolutionNote")
        self.note_edit.setMaxLength(500)
        self.note_label = plain_label()
        self.note_label.setBuddy(self.note_edit)
        self.close_combo = qt.QComboBox()
        self.close_combo.setObjectName("closeResolution")
        self.close_button = _button("closeUnknown")
        self.close_button.clicked.connect(self.close_unknown)
        self.ack_button = _button("acknowledge")
        self.ack_button.clicked.connect(self.acknowledge)
        self.retry_button = _button("retryEvent")
        self.retry_button.clicked.connect(self.retry_event)
        self.dismiss_button = _button("dismiss")
        self.dismiss_button.clicked.connect(self.dismiss)
        self.actions_box = qt.QGroupBox()
        box = qt.QVBoxLayout(self.actions_box)
        note_row = qt.QHBoxLayout()
        note_row.addWidget(self.note_label)
        note_row.addWidget(self.note_edit, 1)
        box.addLayout(note_row)
        close_row = qt.QHBoxLayout()
        close_row.addWidget(self.close_combo, 1)
        close_row.addWidget(self.close_button)
        box.addLayout(close_row)
        others = qt.QHBoxLayout()
        for button in (self.ack_button, self.retry_button, self.dismiss_button):
            others.addWidget(button)
        box.addLayout(others)

        self.undo_button = _button("undoResolution")
        self.undo_button.clicked.connect(self.undo)
        self.undo_button.setStyleSheet("font-weight: bold;")
        self.result_line = plain_label()
        self.result_line.setObjectName("parcelResult")
        self.result_line.setWordWrap(True)
        self._undo_timer = qt.QTimer(self)
        self._undo_timer.setInterval(250)
        self._undo_timer.timeout.connect(self._update_undo)

        right = qt.QVBoxLayout()
        right.addWidget(self.suggestions_box, 3)
        right.addWidget(self.candidates_box, 3)
        right.addWidget(self.find_box, 2)
        right.addWidget(self.actions_box)
        undo_row = qt.QHBoxLayout()
        undo_row.addWidget(self.result_line, 1)
        undo_row.addWidget(self.undo_button)
        right.addLayout(undo_row)
        right.addStretch(0)

        layout = qt.QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.retranslate()
        self._show()

    # ----- texts ----------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        words = {
            "raw": self.tr("Raw scan"),
            "keys": self.tr("Match keys"),
            "carrier": self.tr("Carrier"),
            "first": self.tr("First seen"),
            "last": self.tr("Last seen"),
            "registration": self.tr("Registration"),
            "notes": self.tr("Notes"),
        }
        for key, text in words.items():
            self.form_labels[key].setText(text)
        self.registration_button.setText(self.tr("Open the registration's page"))
        self.scans_box.setTitle(self.tr("Every scan of it"))
        self.photos_box.setTitle(self.tr("Photos"))
        self.history_box.setTitle(self.tr("Resolutions"))
        self.suggestions_box.setTitle(self.tr("Suggestions, best first"))
        self.this_is_it.setText(self.tr("&This is it"))
        self.this_is_it.setToolTip(self.tr("Receive the parcel as the selected registration's"))
        self.candidates_box.setTitle(self.tr("Registrations sharing this number: pick the customer"))
        self.pick_button.setText(self.tr("&Pick this customer"))
        self.find_box.setTitle(self.tr("Find the right registration"))
        self.match_found.setText(self.tr("&Match to the registration found"))
        self.correct_button.setText(self.tr("&Correct the selected scan to it"))
        self.correct_button.setToolTip(
            self.tr("The selected matched scan was another parcel: revert it and receive the one found")
        )
        self.actions_box.setTitle(self.tr("Resolve"))
        self.note_label.setText(self.tr("&Note"))
        self.note_edit.setPlaceholderText(self.tr("what was done and why (needed to close, acknowledge or dismiss)"))
        chosen = self.close_combo.currentData()
        self.close_combo.clear()
        for resolution in CLOSE_RESOLUTIONS:
            self.close_combo.addItem(close_words(resolution), resolution)
        self.close_combo.setCurrentIndex(max(0, self.close_combo.findData(chosen)))
        self.close_button.setText(self.tr("C&lose the unknown parcel"))
        self.ack_button.setText(self.tr("&Acknowledge"))
        self.retry_button.setText(self.tr("Send &again"))
        self.retry_button.setToolTip(self.tr("Queue the rejected event again once the cause is fixed"))
        self.dismiss_button.setText(self.tr("&Dismiss"))
        for model in (
            self.scans_model,
            self.history_model,
            self.suggestions_model,
            self.candidates_model,
        ):
            model.headerDataChanged.emit(qt.Qt.Orientation.Horizontal, 0, model.columnCount() - 1)
        self._show()

    # ----- reading --------------------------------------------------------------------------------------------

    @property
    def page(self) -> ParcelPage | None:
        return self._loaded.page if self._loaded is not None else None

    @property
    def suggestions(self) -> list[Suggestion]:
        return self.suggestions_model.rows

    def show_item(self, item_id: str) -> None:
        """Read `item_id`'s page (and an open unknown's suggestions) on the receiving thread."""
        c = self._context

        def work(actor: Actor) -> Loaded:
            page = parcel_page(c.store, actor, item_id, station=c.station_id)
            return Loaded(item_id, page, self._suggestions_for(actor, page))

        self._read(work)

    def show_scan(self, raw: str) -> None:
        """A scan read at the desk: the page of the parcel or registration it is, else what it may be."""
        c = self._context

        def work(actor: Actor) -> Loaded:
            item = locate_scan(c.store, actor, raw, station=c.station_id)
            page = parcel_page(c.store, actor, item, station=c.station_id) if item is not None else None
            suggestions = self._suggestions_for(actor, page) if page is not None else self._suggest(actor, raw)
            return Loaded(raw, page, suggestions)

        self._read(work)

    def _suggestions_for(self, actor: Actor, page: ParcelPage | None) -> list[Suggestion]:
        if page is None or page.kind != "unknown" or not page.open:
            return []
        return self._suggest(actor, page.raw or page.tracking_number or "")

    def _suggest(self, actor: Actor, scanned: str) -> list[Suggestion]:
        return suggest(self._context.store, actor, scanned, station=self._context.station_id) if scanned else []

    def _read(self, work: Callable[[Actor], Loaded]) -> None:
        actor = self._context.actor()
        if actor is None:
            self._say(self.tr("Log in as a supervisor to read a parcel's page."), bad=True)
            self.loaded.emit()
            return

        def shown(loaded: Loaded) -> None:
            self._loaded = loaded
            self._show()
            self.loaded.emit()

        def failed(exc: Exception) -> None:
            self._say(refusal_words(exc), bad=True)
            self.loaded.emit()

        self._context.runner.op(lambda: work(actor)).success(shown).failure(failed).run_in_background()

    def reload(self) -> None:
        page = self.page
        if page is not None:
            self.show_item(page.item_id)

    # ----- showing --------------------------------------------------------------------------------------------

    def _show(self) -> None:
        loaded = self._loaded
        page = loaded.page if loaded is not None else None
        if loaded is None:
            self.title.setText(self.tr("Open an exception from the queue, search, or scan a parcel here."))
        elif page is None:
            self.title.setText(
                self.tr("Nothing known of %1: never scanned here, and no registration has it.").replace(
                    "%1", visible_controls(loaded.asked)
                )
            )
        else:
            number = page.tracking_number or visible_controls(page.raw) or page.item_id
            parts = [kind_words(page.kind), number]
            if page.kind not in ("registration", "scan"):  # an exception is open or resolved; a registration is not
                parts.append(self.tr("open") if page.open else self.tr("resolved"))
            self.title.setText(" · ".join(parts))
        raw = page.raw if page is not None else (loaded.asked if loaded is not None else "")
        self.raw_line.setText(visible_controls(raw))
        self.keys_line.setText(" ".join(page.keys) if page is not None else "")
        self.carrier_line.setText((page.carrier or "") if page is not None else "")
        self.first_line.setText(when(page.first_seen) if page is not None else "")
        self.last_line.setText(when(page.last_seen) if page is not None else "")
        self.registration_line.setText(self._registration_words(page))
        self.notes_line.setText("\n".join(note_words(n) for n in page.notes) if page is not None else "")
        for line in (self.keys_line, self.carrier_line, self.first_line, self.last_line):
            self._form.setRowVisible(line, page is not None)
        self._form.setRowVisible(self.registration_line, bool(self.registration_line.text()))
        self._form.setRowVisible(self.notes_line, bool(self.notes_line.text()))
        self.registration_button.setVisible(
            page is not None and page.registration is not None and page.kind != "registration"
        )
        self.scans_model.set_rows(list(page.scans) if page is not None else [])
        self.history_model.set_rows(list(page.resolutions) if page is not None else [])
        self.suggestions_model.set_rows(loaded.suggestions if loaded is not None else [])
        self.candidates_model.set_rows(list(page.candidates) if page is not None and page.open else [])
        for table in (self.scans_table, self.history_table, self.suggestions_table, self.candidates_table):
            table.resizeColumnsToContents()
        if self.suggestions_model.rows:
            self.suggestions_table.selectRow(0)
        self._show_boxes()
        self._show_photos(page)
        self._update_buttons()
        self._update_undo()
        self.result_line.setText(self._message)
        self.result_line.setStyleSheet(_BAD_STYLE if self._message_bad else _OK_STYLE)

    def _registration_words(self, page: ParcelPage | None) -> str:
        reg = page.registration if page is not None else None
        if reg is None:
            return ""
        parts = [reg.customer_suite, reg.customer_name, reg.store, reg.order_number]
        status = self.tr("deleted by the customer") if reg.deleted else status_word(reg.status)
        typed = self.tr("typed: %1").replace("%1", reg.tracking_typed)
        return " · ".join(p for p in (*parts, status, typed) if p)

    def _open_registration(self) -> None:
        page = self.page
        if page is not None and page.registration is not None:
            self.open_item.emit(f"registration:{page.registration.id}")

    def _kind(self) -> str:
        page = self.page
        return page.kind if page is not None else ""

    def _show_photos(self, page: ParcelPage | None) -> None:
        """The strip of the parcel's photos, made again only when the page is another parcel's."""
        ref = photo_ref(page) if page is not None else None
        if ref == self._photo_ref:
            return
        self._photo_ref = ref
        if self.photo_strip is not None:
            self.photos_layout.removeWidget(self.photo_strip)
            self.photo_strip.deleteLater()
            self.photo_strip = None
        self.photos_box.setVisible(ref is not None)
        if ref is None:
            return
        c = self._context
        self.photo_strip = PhotoStrip(
            c.store, c.actor, ref, c.runner, station=c.station_id, cameras=c.cameras, parent=self.photos_box
        )
        self.photos_layout.addWidget(self.photo_strip)

    def _show_boxes(self) -> None:
        page = self.page
        kind, is_open = self._kind(), page is not None and page.open
        unknown = kind == "unknown" and is_open
        self.suggestions_box.setVisible(unknown or (self._loaded is not None and page is None))
        self.candidates_box.setVisible(kind == "ambiguous" and is_open)
        correctable = (
            page is not None
            and kind in ("registration", "scan")
            and any(s.outcome == Outcome.MATCHED.value and not s.undone for s in page.scans)
        )
        self.find_box.setVisible(unknown or correctable)
        self.match_found.setVisible(unknown)
        self.correct_button.setVisible(correctable)
        self.close_combo.setVisible(unknown)
        self.close_button.setVisible(unknown)
        acknowledgeable = kind == "not_expected" and is_open
        retryable = kind == "rejected_event" and is_open
        self.ack_button.setVisible(acknowledgeable)
        self.retry_button.setVisible(retryable)
        deleted = page is not None and page.registration is not None and page.registration.deleted
        dismissable = (kind in ("rejected_event", "refused_registration") and is_open) or (
            kind == "registration" and deleted and self._undismissed()
        )
        self.dismiss_button.setVisible(dismissable)
        self.actions_box.setVisible(unknown or acknowledgeable or retryable or dismissable)

    def _undismissed(self) -> bool:
        page = self.page
        return page is not None and not any(
            r.action == "dismissed" and r.undone_at is None and r.item_id == page.item_id for r in page.resolutions
        )

    def _update_buttons(self) -> None:
        idle = not self._pending
        self.this_is_it.setEnabled(
            idle
            and self._kind() == "unknown"
            and selected_row(self.suggestions_table, len(self.suggestions)) is not None
        )
        self.pick_button.setEnabled(
            idle and selected_row(self.candidates_table, len(self.candidates_model.rows)) is not None
        )
        found = self.finder.selected() is not None
        self.match_found.setEnabled(idle and found)
        self.correct_button.setEnabled(idle and found and self.selected_scan() is not None)
        for button in (self.close_button, self.ack_button, self.retry_button, self.dismiss_button):
            button.setEnabled(idle)

    def selected_scan(self) -> ScanShown | None:
        """The selected scan when it is one a correction can revert (matched, not undone)."""
        row = selected_row(self.scans_table, len(self.scans_model.rows))
        scan = self.scans_model.rows[row] if row is not None else None
        return scan if scan is not None and scan.outcome == Outcome.MATCHED.value and not scan.undone else None

    def _say(self, text: str, bad: bool = False) -> None:
        self._message = text
        self._message_bad = bad
        self.result_line.setText(text)
        self.result_line.setStyleSheet(_BAD_STYLE if bad else _OK_STYLE)

    # ----- resolutions: each one call of the core on the receiving thread --------------------------------------

    def _resolve(self, work: Callable[[Actor], Resolved], *, note_needed: bool = False) -> None:
        actor = self._context.actor()
        if actor is None or self._pending:
            return
        if note_needed and not self.note_edit.text().strip():
            self._say(self.tr("Write in the note what was done and why first."), bad=True)
            self.note_edit.setFocus()
            self.resolved.emit(False, self._message)
            return
        self._pending = True
        self._update_buttons()

        def done(result: Resolved) -> None:
            self._pending = False
            self.note_edit.clear()
            if result.action == "undone":
                self._say(self.tr("Undone: nothing of it was sent."))
            else:
                self._say(self.tr("Done: %1.").replace("%1", action_words(result.action)))
            self.reload()
            self.resolved.emit(True, self._message)

        def failed(exc: Exception) -> None:
            self._pending = False
            self._say(self.tr("Not done: %1").replace("%1", refusal_words(exc)), bad=True)
            self._update_buttons()
            self.resolved.emit(False, self._message)

        self._context.runner.op(lambda: work(actor)).success(done).failure(failed).run_in_background()

    def _item(self) -> str:
        page = self.page
        return page.item_id if page is not None else ""

    def _note(self) -> str:
        return self.note_edit.text().strip()

    def match_suggestion(self) -> None:
        """The "this is it" button: the unknown parcel is the selected suggestion's registration."""
        row = selected_row(self.suggestions_table, len(self.suggestions))
        if row is None or self._kind() != "unknown":
            return
        self._match(self.suggestions[row].registration_id)

    def match_found_registration(self) -> None:
        hit = self.finder.selected()
        if hit is not None and self._kind() == "unknown":
            self._match(hit.registration_id)

    def _match(self, registration_id: str) -> None:
        item, note, r = self._item(), self._note(), self._context.resolutions
        self._resolve(lambda actor: r.match_unknown(actor, item, registration_id, note))

    def close_unknown(self) -> None:
        item, note, r = self._item(), self._note(), self._context.resolutions
        resolution = str(self.close_combo.currentData())
        self._resolve(lambda actor: r.close_unknown(actor, item, resolution, note), note_needed=True)

    def pick_candidate(self) -> None:
        row = selected_row(self.candidates_table, len(self.candidates_model.rows))
        if row is None:
            return
        chosen = self.candidates_model.rows[row].id
        item, note, r = self._item(), self._note(), self._context.resolutions
        self._resolve(lambda actor: r.pick_ambiguous(actor, item, chosen, note))

    def acknowledge(self) -> None:
        item, note, r = self._item(), self._note(), self._context.resolutions
        self._resolve(lambda actor: r.acknowledge(actor, item, note), note_needed=True)

    def retry_event(self) -> None:
        item, note, r = self._item(), self._note(), self._context.resolutions
        self._resolve(lambda actor: r.retry_event(actor, item, note), note_needed=True)

    def dismiss(self) -> None:
        item, note, r = self._item(), self._note(), self._context.resolutions
        self._resolve(lambda actor: r.dismiss(actor, item, note), note_needed=True)

    def correct_selected_scan(self) -> None:
        scan, hit = self.selected_scan(), self.finder.selected()
        if scan is None or hit is None:
            return
        scan_id, registration_id, note, r = scan.id, hit.registration_id, self._note(), self._context.resolutions
        self._resolve(lambda actor: r.correct_scan(actor, scan_id, registration_id, note))

    # ----- undo -----------------------------------------------------------------------------------------------

    def undo_target(self) -> ResolutionShown | None:
        """The newest resolution of the page that is not undone and still inside its undo window."""
        page = self.page
        if page is None:
            return None
        now = datetime.now(UTC)
        for resolution in reversed(page.resolutions):
            if resolution.undone_at is None and resolution.action != "undone":
                return resolution if self._left(resolution, now) > 0 else None
        return None

    @staticmethod
    def _left(resolution: ResolutionShown, now: datetime) -> float:
        # The core refuses an undo this close to the end of the window: the button ends there too.
        return (resolution.undo_until - timedelta(seconds=UNDO_SAFETY_S) - now).total_seconds()

    def undo_seconds_left(self) -> float:
        target = self.undo_target()
        return max(0.0, self._left(target, datetime.now(UTC))) if target is not None else 0.0

    def _update_undo(self) -> None:
        target = self.undo_target()
        left = self.undo_seconds_left()
        if target is not None and left > 0:
            self.undo_button.setText(
                self.tr("&Undo %1 (%2 s)")
                .replace("%1", action_words(target.action))
                .replace("%2", str(int(left + 0.999)))
            )
            self.undo_button.setVisible(True)
            self.undo_button.setEnabled(not self._pending)
            if not self._undo_timer.isActive():
                self._undo_timer.start()
        else:
            self.undo_button.setVisible(False)
            self._undo_timer.stop()

    def undo(self) -> None:
        target = self.undo_target()
        if target is None:
            return
        resolution_id, r = target.id, self._context.resolutions
        self._resolve(lambda actor: r.undo_resolution(actor, resolution_id))


__all__ = ["Loaded", "ParcelView"]
