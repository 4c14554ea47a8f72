"""Every word the scan screen shows about a verdict, translated through Qt; status words stay Russian."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Final

from scanstation.access.login import BADGE_NOT_VALID, LOCKED_WORDS, WAIT_WORDS, WRONG_NAME_OR_PIN
from scanstation.config.model import StationConfig
from scanstation.domain import AT_WAREHOUSE, AWAITING, Outcome, Verdict
from scanstation.gui.qt import QCoreApplication
from scanstation.receiving import (
    NOTE_ALREADY_FLAGGED,
    NOTE_DELETED,
    NOTE_INCOMPLETE,
    UNDONE,
    UNDONE_CORRECTED,
    UNDONE_NOTHING_SENT,
)
from scanstation.tracking import group_for_print
from scanstation.tracking.formats import NOTE_ROUTING
from scanstation.tracking.parsing import NOTE_NOTHING, NOTE_PRODUCT

# "conveyor": who a scan is recorded for when nobody is logged in, unless the config names another.
DEFAULT_OPERATOR: Final = str(next(f.default for f in fields(StationConfig) if f.name == "operator"))

AWAITING_WORD = "ОЖИДАЕМ"
AT_WAREHOUSE_WORD = "НА СКЛАДЕ"

# (background, text). The six outcomes differ in brightness as well as hue, so a clerk who tells red from
# green badly (and a grey photocopy of the manual) still tells them apart: every pair of outcome backgrounds
# is at least 1.5:1 in WCAG luminance contrast, text on each at least 4.5:1 (tests/gui/test_banner_colours.py,
# with a deuteranopia and protanopia simulation). Darkest to lightest: not expected, unknown, matched,
# ambiguous, duplicate, invalid.
COLOURS: dict[str, tuple[str, str]] = {
    Outcome.MATCHED: ("#147a37", "#ffffff"),
    Outcome.DUPLICATE: ("#e8c005", "#111111"),
    Outcome.UNKNOWN: ("#8e1b1b", "#ffffff"),
    Outcome.AMBIGUOUS: ("#f57707", "#111111"),
    Outcome.NOT_EXPECTED: ("#2b0b45", "#ffffff"),
    Outcome.INVALID: ("#f3f3f4", "#111111"),
    "undone": ("#37474f", "#ffffff"),
    "error": ("#4a0000", "#ffffff"),
    "idle": ("#263238", "#eceff1"),
}


def status_word(code: str | None) -> str:
    """A customer-facing status: the site's own two words, later stages translated, any other code as it came."""
    if code == AWAITING:
        return AWAITING_WORD
    if code == AT_WAREHOUSE:
        return AT_WAREHOUSE_WORD
    later = {
        "packed": QCoreApplication.translate("Status", "PACKED"),
        "shipped": QCoreApplication.translate("Status", "SHIPPED"),
        "delivered": QCoreApplication.translate("Status", "DELIVERED"),
    }
    return later.get(code or "", code or "")


def operator_word(name: str | None) -> str:
    """An operator's name as recorded; the station's default for "nobody logged in" in the screen's language."""
    if name == DEFAULT_OPERATOR:
        return QCoreApplication.translate("Verdict", "conveyor")
    return name or "?"


def note_words(note: str | None) -> str:
    """A verdict's note from the core in the screen's language; a note this version does not know as it is."""
    known = {
        NOTE_DELETED: QCoreApplication.translate("Verdict", "the customer deleted the registration of this number"),
        NOTE_INCOMPLETE: QCoreApplication.translate("Verdict", "the read was cut off: scan again"),
        NOTE_PRODUCT: QCoreApplication.translate("Verdict", "a product barcode: scan the carrier's label"),
        NOTE_ROUTING: QCoreApplication.translate("Verdict", "a routing barcode: scan the other barcode of the label"),
        NOTE_NOTHING: QCoreApplication.translate("Verdict", "no tracking number in this barcode"),
    }
    if note in known:
        return known[note]
    shared, status = _SHARED_NOTE.fullmatch(note or ""), _STATUS_NOTE.fullmatch(note or "")
    if shared is not None:
        return QCoreApplication.translate("Verdict", "%1 registrations share this number").replace("%1", shared[1])
    if status is not None:
        return QCoreApplication.translate("Verdict", "status is %1").replace("%1", status_word(status[1]))
    return note or ""


# The receiving rules' notes that carry a value (receiving/decide.py), read back to be put in the screen's words.
_SHARED_NOTE: Final = re.compile(r"(\d+) registrations share this number")
_STATUS_NOTE: Final = re.compile(r"status is (\S+)")


def undo_words(message: str) -> str:
    """The core's answer to an undo in the screen's language; any other words (a refusal) as they are."""
    known = {
        UNDONE_NOTHING_SENT: QCoreApplication.translate("Verdict", "undone; nothing was sent"),
        UNDONE: QCoreApplication.translate("Verdict", "undone"),
        UNDONE_CORRECTED: QCoreApplication.translate(
            "Verdict", "undone after the window: a correction is sent to the server"
        ),
    }
    return known.get(message, message)


def local_time(at: datetime | None, seconds: bool = False) -> str:
    if at is None:
        return ""
    return at.astimezone().strftime("%H:%M:%S" if seconds else "%H:%M")


def local_when(at: datetime) -> str:
    """The time of day, with the date in front when it was not today (a parcel received last week)."""
    here = at.astimezone()
    today = datetime.now(here.tzinfo).date()
    return here.strftime("%H:%M" if here.date() == today else "%d.%m %H:%M")


def outcome_word(outcome: str) -> str:
    """The short name of an outcome for lists and counters."""
    words = {
        Outcome.MATCHED: AT_WAREHOUSE_WORD,
        Outcome.DUPLICATE: QCoreApplication.translate("Verdict", "DUPLICATE"),
        Outcome.UNKNOWN: QCoreApplication.translate("Verdict", "UNKNOWN"),
        Outcome.AMBIGUOUS: QCoreApplication.translate("Verdict", "AMBIGUOUS"),
        Outcome.NOT_EXPECTED: QCoreApplication.translate("Verdict", "NOT EXPECTED"),
        Outcome.INVALID: QCoreApplication.translate("Verdict", "UNREADABLE"),
        "undone": QCoreApplication.translate("Verdict", "UNDONE"),
    }
    return words.get(outcome, str(outcome))


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    badge: str
    action: str


def service(code: str) -> Service:
    """A requested service as a badge word and what the clerk does; an unknown code is shown as is."""
    known = {
        "photo": (
            QCoreApplication.translate("Service", "PHOTO"),
            QCoreApplication.translate("Service", "take the photo"),
        ),
        "photo_contents": (
            QCoreApplication.translate("Service", "PHOTO OF CONTENTS"),
            QCoreApplication.translate("Service", "open and photograph the contents"),
        ),
        "remove_invoice": (
            QCoreApplication.translate("Service", "REMOVE INVOICE"),
            QCoreApplication.translate("Service", "take the invoice out"),
        ),
        "repack": (
            QCoreApplication.translate("Service", "REPACK"),
            QCoreApplication.translate("Service", "put on the repacking table"),
        ),
        "check_contents": (
            QCoreApplication.translate("Service", "CHECK CONTENTS"),
            QCoreApplication.translate("Service", "check the contents against the order"),
        ),
        "consolidate": (
            QCoreApplication.translate("Service", "CONSOLIDATE"),
            QCoreApplication.translate("Service", "put on the consolidation shelf"),
        ),
        "hold": (
            QCoreApplication.translate("Service", "HOLD"),
            QCoreApplication.translate("Service", "hold: do not ship"),
        ),
    }
    badge, action = known.get(code, (code.upper(), ""))
    return Service(code, badge, action)


@dataclass(frozen=True, slots=True)
class Progress:
    """How many parcels of a split order are here: its own badge, and a cue of its own once all are."""

    here: int
    total: int
    label: str  # "2 of 3", "3 of 3: order complete"
    caption: str  # what it means for the clerk

    @property
    def complete(self) -> bool:
        return self.here >= self.total


@dataclass(frozen=True, slots=True)
class BannerText:
    """What the banner shows, top to bottom; `key` picks the colours and the outcome's shape."""

    key: str
    word: str
    big: str  # the largest type: the suite, or the number when there is no suite
    action: str
    details: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    notice: str = ""
    progress: Progress | None = None
    big_scale: float = 1.0  # of the banner's largest type: below 1 where the big line must not invite shelving


def _who(verdict: Verdict) -> str:
    parts = [p for p in (verdict.customer_name, verdict.store) if p]
    return " · ".join(parts)


def _order_line(verdict: Verdict) -> tuple[str, ...]:
    if not verdict.order_number:
        return ()
    return (QCoreApplication.translate("Verdict", "Order %1").replace("%1", verdict.order_number),)


def _progress(verdict: Verdict) -> Progress | None:
    """A split order's progress ("2 of 3"); None for an order of one parcel."""
    total = verdict.order_parcels_total or 0
    if not verdict.order_number or total <= 1:
        return None
    here = verdict.order_parcels_here or 0
    if here >= total:
        label = (
            QCoreApplication.translate("Verdict", "%1 of %2: order complete")
            .replace("%1", str(here))
            .replace("%2", str(total))
        )
        caption = QCoreApplication.translate("Verdict", "every parcel of this order is here")
    else:
        label = QCoreApplication.translate("Verdict", "%1 of %2").replace("%1", str(here)).replace("%2", str(total))
        caption = QCoreApplication.translate("Verdict", "parcels of this order are here")
    return Progress(here, total, label, caption)


def _number(verdict: Verdict) -> str:
    """The tracking number grouped as the carrier prints it; a read with no number as it came."""
    if verdict.tracking_number:
        return group_for_print(verdict.tracking_number, verdict.carrier)
    return verdict.raw.strip()


def _received(verdict: Verdict) -> str:
    """When, by whom and where a duplicate was first received: "received 17:39 by anna"."""
    first = verdict.first_receipt
    if first is None or first.at is None:
        return ""
    when = local_when(first.at)
    if first.operator:
        words = (
            QCoreApplication.translate("Verdict", "received %1 by %2")
            .replace("%1", when)
            .replace("%2", operator_word(first.operator))
        )
    else:
        words = QCoreApplication.translate("Verdict", "received %1 at another station").replace("%1", when)
    if first.station_id and first.station_id != verdict.station_id:
        words += QCoreApplication.translate("Verdict", ", station %1").replace("%1", first.station_id)
    return words


def _duplicate(verdict: Verdict, details: tuple[str, ...], notice: str) -> BannerText:
    """Where the parcel already is and who put it there; its services are not asked again."""
    word = QCoreApplication.translate("Verdict", "ALREADY RECEIVED")
    received = _received(verdict)
    if verdict.customer_suite is None and (verdict.unknown_id or verdict.note == NOTE_ALREADY_FLAGGED):
        where = QCoreApplication.translate("Verdict", "to the unknown shelf: it is already on it")
        big, scale = _number(verdict), 1.0
    else:
        suite = verdict.customer_suite or "?"
        where = QCoreApplication.translate("Verdict", "already on shelf %1").replace("%1", suite)
        big, scale = suite, 1.0
    action = f"{where} — {received}" if received else where
    if verdict.services:
        asked = ", ".join(service(code).badge for code in verdict.services)
        details = (
            *details,
            QCoreApplication.translate("Verdict", "services asked at the first receipt: %1").replace("%1", asked),
        )
    return BannerText(Outcome.DUPLICATE, word, big, action, details, (), notice, None, scale)


def _suites(verdict: Verdict) -> str:
    suites = dict.fromkeys(s or "?" for s in verdict.candidate_suites)
    return " · ".join(suites)


def banner_for(verdict: Verdict, logged_in: bool = True) -> BannerText:
    """Turn a committed verdict into the words a clerk reads from three metres."""
    number = _number(verdict)
    who = _who(verdict)
    notice = ""
    if verdict.resolved_later:
        notice = QCoreApplication.translate("Verdict", "Matched later by sync: this parcel arrived as unknown")
    how: tuple[str, ...] = ()  # how the scan came in, after what it is about
    if verdict.typed:
        how = (QCoreApplication.translate("Verdict", "typed by hand: %1").replace("%1", number),)
    if not logged_in:
        nobody = QCoreApplication.translate("Verdict", "nobody logged in: recorded as %1").replace(
            "%1", operator_word(verdict.operator)
        )
        how = (*how, nobody)
    details = (*(d for d in (who, *_order_line(verdict)) if d), *how)
    outcome = verdict.outcome
    if outcome == Outcome.MATCHED:
        services = tuple(service(code) for code in verdict.services)
        action = QCoreApplication.translate("Verdict", "shelve for suite %1").replace(
            "%1", verdict.customer_suite or "?"
        )
        big = verdict.customer_suite or number
        return BannerText(outcome, AT_WAREHOUSE_WORD, big, action, details, services, notice, _progress(verdict))
    if outcome == Outcome.DUPLICATE:
        return _duplicate(verdict, details, notice)
    if outcome == Outcome.UNKNOWN:
        word = QCoreApplication.translate("Verdict", "UNKNOWN")
        # The last four characters in marker on the box find it again on the shelf when sync names its number.
        mark = (verdict.tracking_number or verdict.raw.strip())[-4:]
        action = (
            QCoreApplication.translate("Verdict", "write %1 and %2 on the box, put it on the unknown shelf")
            .replace("%1", mark)
            .replace("%2", verdict.at.astimezone().strftime("%d.%m"))
        )
        if verdict.note:
            details = (*details, note_words(verdict.note))
        return BannerText(outcome, word, number, action, details, (), notice)
    if outcome == Outcome.AMBIGUOUS:
        word = outcome_word(outcome)
        action = QCoreApplication.translate("Verdict", "do not shelve: call a supervisor")
        count = QCoreApplication.translate("Verdict", "%1 customers registered this number: %2").replace(
            "%1", str(len(verdict.candidates))
        )
        count = count.replace("%2", number)
        # The suites, smaller than a match's: the parcel belongs to one of them, and nobody knows which yet.
        big = _suites(verdict) or number
        return BannerText(outcome, word, big, action, (*details, count), (), notice, None, 0.55)
    if outcome == Outcome.NOT_EXPECTED:
        word = outcome_word(outcome)
        action = QCoreApplication.translate("Verdict", "do not shelve: call a supervisor")
        # The status is what the clerk reads large; the suite goes with the customer, in small type.
        whose = " · ".join(p for p in (verdict.customer_suite, who) if p)
        lines = (*(d for d in (whose, *_order_line(verdict)) if d), *how)
        big = status_word(verdict.status) or number
        return BannerText(outcome, word, big, action, lines, (), notice, None, 0.55)
    word = QCoreApplication.translate("Verdict", "UNREADABLE")
    action = QCoreApplication.translate("Verdict", "scan again")
    shown = verdict.raw.strip()
    shown = shown if len(shown) <= 40 else shown[:40] + "…"
    # Control characters (a GS, a stray CR) would print as nothing; show them as the scanner manuals do.
    shown = "".join(ch if ch.isprintable() else f"<{ord(ch):02X}>" for ch in shown)
    lines = tuple(line for line in (shown, note_words(verdict.note)) if line)
    return BannerText(Outcome.INVALID, word, "", action, (*lines, *how))


def banner_idle(logged_in: bool) -> BannerText:
    if logged_in:
        return BannerText(
            "idle",
            QCoreApplication.translate("Verdict", "READY"),
            "",
            QCoreApplication.translate("Verdict", "scan a parcel"),
        )
    return BannerText(
        "idle",
        QCoreApplication.translate("Verdict", "LOG IN"),
        "",
        QCoreApplication.translate("Verdict", "enter your name and PIN"),
    )


def banner_undone(number: str, message: str) -> BannerText:
    word = QCoreApplication.translate("Verdict", "UNDONE")
    action = QCoreApplication.translate("Verdict", "take the parcel back: its scan was cancelled")
    return BannerText("undone", word, number, action, (undo_words(message),) if message else ())


def banner_kept(raw: str) -> BannerText:
    word = QCoreApplication.translate("Verdict", "NOT RECORDED YET")
    action = QCoreApplication.translate(
        "Verdict", "put the box aside, do not scan it again: it is recorded once the disk takes writes"
    )
    # The problem itself is the bar above, in the screen's language; the banner names the read.
    return BannerText("error", word, "", action, (raw.strip()[:40],))


def banner_error(raw: str, message: str) -> BannerText:
    word = QCoreApplication.translate("Verdict", "NOT RECORDED")
    action = QCoreApplication.translate("Verdict", "scan again; if it repeats, call a supervisor")
    return BannerText("error", word, "", action, (raw.strip()[:40], message))


def _figures(words: str, **figures: str) -> re.Pattern[str]:
    pattern = re.escape(words)
    for name, figure in figures.items():
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>{figure})")
    return re.compile(pattern)


_WAIT = _figures(WAIT_WORDS, seconds=r"\d+")
_LOCKED = _figures(LOCKED_WORDS, until=r"\d\d:\d\d", wrong=r"\d+")


def login_refusal_words(words: str) -> str:
    """The core's log-in refusal (access.login) in the screen's language; any other words as they are."""
    if words == WRONG_NAME_OR_PIN:
        return QCoreApplication.translate("StationWindow", "wrong name or PIN")
    if words == BADGE_NOT_VALID:
        return QCoreApplication.translate("StationWindow", "this badge is not valid (revoked or unknown)")
    if wait := _WAIT.fullmatch(words):
        return QCoreApplication.translate("StationWindow", "wait %1 s before trying again").replace(
            "%1", wait["seconds"]
        )
    if locked := _LOCKED.fullmatch(words):
        return (
            QCoreApplication.translate("StationWindow", "locked until %1 (%2 wrong PINs in a row): an admin can unlock")
            .replace("%1", locked["until"])
            .replace("%2", locked["wrong"])
        )
    return words
