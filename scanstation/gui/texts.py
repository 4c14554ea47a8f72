"""Every word the scan screen shows about a verdict, translated through Qt; status words stay Russian."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from scanstation.access.login import BADGE_NOT_VALID, LOCKED_WORDS, WAIT_WORDS, WRONG_NAME_OR_PIN
from scanstation.domain import Outcome, Verdict
from scanstation.gui.qt import QCoreApplication

AWAITING_WORD = "ОЖИДАЕМ"
AT_WAREHOUSE_WORD = "НА СКЛАДЕ"

# Colours chosen for contrast from across a room; the text colour is the one readable on each.
COLOURS: dict[str, tuple[str, str]] = {
    Outcome.MATCHED: ("#1b8a2f", "#ffffff"),
    Outcome.DUPLICATE: ("#f2c200", "#111111"),
    Outcome.UNKNOWN: ("#c62828", "#ffffff"),
    Outcome.AMBIGUOUS: ("#ef6c00", "#111111"),
    Outcome.NOT_EXPECTED: ("#ef6c00", "#111111"),
    Outcome.INVALID: ("#6d6d6d", "#ffffff"),
    "undone": ("#37474f", "#ffffff"),
    "error": ("#4a0000", "#ffffff"),
    "idle": ("#263238", "#eceff1"),
}


def status_word(code: str | None) -> str:
    """A customer-facing status exactly as the site shows it, in every GUI language."""
    if code == "awaiting":
        return AWAITING_WORD
    if code == "at_warehouse":
        return AT_WAREHOUSE_WORD
    return code or ""


def local_time(at: datetime | None, seconds: bool = False) -> str:
    if at is None:
        return ""
    return at.astimezone().strftime("%H:%M:%S" if seconds else "%H:%M")


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
class BannerText:
    """What the banner shows, top to bottom; `key` picks the colours."""

    key: str
    word: str
    big: str  # the largest type: the suite, or the number when there is no suite
    action: str
    details: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    notice: str = ""


def _who(verdict: Verdict) -> str:
    parts = [p for p in (verdict.customer_name, verdict.store) if p]
    return " · ".join(parts)


def _order_lines(verdict: Verdict) -> tuple[str, ...]:
    """The order number, and on a line of its own how many of a split order's parcels are here."""
    if not verdict.order_number:
        return ()
    line = QCoreApplication.translate("Verdict", "Order %1").replace("%1", verdict.order_number)
    total = verdict.order_parcels_total or 0
    if total <= 1:
        return (line,)
    progress = (
        QCoreApplication.translate("Verdict", "%1 of %2 parcels of this order are here")
        .replace("%1", str(verdict.order_parcels_here or 0))
        .replace("%2", str(total))
    )
    return (line, progress)


def banner_for(verdict: Verdict, logged_in: bool = True) -> BannerText:
    """Turn a committed verdict into the words a clerk reads from three metres."""
    number = verdict.tracking_number or verdict.raw.strip()
    details = tuple(d for d in (_who(verdict), *_order_lines(verdict)) if d)
    services = tuple(service(code) for code in verdict.services)
    notice = ""
    if verdict.resolved_later:
        notice = QCoreApplication.translate("Verdict", "Matched later by sync: this parcel arrived as unknown")
    if verdict.typed:
        details = (*details, QCoreApplication.translate("Verdict", "typed by hand: %1").replace("%1", number))
    if not logged_in:
        who = QCoreApplication.translate("Verdict", "nobody logged in: recorded as %1").replace("%1", verdict.operator)
        details = (*details, who)
    outcome = verdict.outcome
    if outcome == Outcome.MATCHED:
        action = QCoreApplication.translate("Verdict", "shelve for suite %1").replace(
            "%1", verdict.customer_suite or "?"
        )
        return BannerText(
            outcome, AT_WAREHOUSE_WORD, verdict.customer_suite or number, action, details, services, notice
        )
    if outcome == Outcome.DUPLICATE:
        first = verdict.first_receipt
        if first is not None and first.at is not None:
            action = (
                QCoreApplication.translate("Verdict", "already received %1, %2, station %3")
                .replace("%1", local_time(first.at))
                .replace("%2", first.operator or "?")
                .replace("%3", first.station_id or "?")
            )
        else:
            action = QCoreApplication.translate("Verdict", "already received")
        word = QCoreApplication.translate("Verdict", "ALREADY RECEIVED")
        return BannerText(outcome, word, verdict.customer_suite or number, action, details, services, notice)
    if outcome == Outcome.UNKNOWN:
        word = QCoreApplication.translate("Verdict", "UNKNOWN")
        action = QCoreApplication.translate("Verdict", "put on the unknown shelf")
        return BannerText(outcome, word, number, action, details, (), notice)
    if outcome in (Outcome.AMBIGUOUS, Outcome.NOT_EXPECTED):
        word = outcome_word(outcome)
        action = QCoreApplication.translate("Verdict", "call a supervisor")
        extra = []
        if outcome == Outcome.AMBIGUOUS and verdict.candidates:
            extra.append(
                QCoreApplication.translate("Verdict", "%1 registrations share this number").replace(
                    "%1", str(len(verdict.candidates))
                )
            )
        elif verdict.status:
            extra.append(QCoreApplication.translate("Verdict", "status: %1").replace("%1", status_word(verdict.status)))
        elif verdict.note:
            extra.append(verdict.note)
        return BannerText(outcome, word, verdict.customer_suite or number, action, (*details, *extra), services, notice)
    word = QCoreApplication.translate("Verdict", "UNREADABLE")
    action = QCoreApplication.translate("Verdict", "scan again")
    shown = verdict.raw.strip()
    shown = shown if len(shown) <= 40 else shown[:40] + "…"
    # Control characters (a GS, a stray CR) would print as nothing; show them as the scanner manuals do.
    shown = "".join(ch if ch.isprintable() else f"<{ord(ch):02X}>" for ch in shown)
    return BannerText(Outcome.INVALID, word, "", action, (shown,) if shown else ())


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
    return BannerText("undone", word, number, action, (message,) if message else ())


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
