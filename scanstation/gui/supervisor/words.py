"""The supervisor's words for the core's values: kinds of exception, reasons of a suggestion, resolutions."""

from __future__ import annotations

from datetime import datetime

from scanstation.domain import Outcome, utcnow
from scanstation.gui import qt
from scanstation.gui.texts import outcome_word, status_word
from scanstation.review.queue import ExceptionItem, ExceptionKind
from scanstation.review.suggest import SuggestionReason


def kind_words(kind: ExceptionKind | str) -> str:
    """An exception's kind (or a page's: a review item's kind, registration, scan) in words."""
    words = {
        ExceptionKind.UNKNOWN.value: qt.QCoreApplication.translate("Supervisor", "unknown parcel"),
        ExceptionKind.AMBIGUOUS.value: qt.QCoreApplication.translate("Supervisor", "ambiguous"),
        ExceptionKind.NOT_EXPECTED.value: qt.QCoreApplication.translate("Supervisor", "not expected"),
        ExceptionKind.REJECTED_EVENT.value: qt.QCoreApplication.translate("Supervisor", "rejected by the server"),
        ExceptionKind.DELETED_AFTER_RECEIPT.value: qt.QCoreApplication.translate("Supervisor", "deleted after receipt"),
        ExceptionKind.BAD_REGISTRATION.value: qt.QCoreApplication.translate("Supervisor", "bad registration"),
        ExceptionKind.OVERDUE.value: qt.QCoreApplication.translate("Supervisor", "awaited too long"),
        "refused_registration": qt.QCoreApplication.translate("Supervisor", "bad registration"),
        "registration": qt.QCoreApplication.translate("Supervisor", "registration"),
        "scan": qt.QCoreApplication.translate("Supervisor", "scan"),
        "unknown_parcel": qt.QCoreApplication.translate("Supervisor", "unknown parcel"),
    }
    return words.get(str(kind), str(kind))


def summary_words(item: ExceptionItem) -> str:
    """What an exception is, in the operator's language; a bad registration keeps the core's own account of it."""
    detail = item.detail if isinstance(item.detail, dict) else {}
    if item.kind is ExceptionKind.UNKNOWN:
        return qt.QCoreApplication.translate("Supervisor", "nobody registered this number")
    if item.kind is ExceptionKind.AMBIGUOUS:
        return qt.QCoreApplication.translate(
            "Supervisor", "%1 customers registered this number: pick the right one"
        ).replace("%1", str(len(item.candidates)))
    if item.kind is ExceptionKind.NOT_EXPECTED:
        return qt.QCoreApplication.translate("Supervisor", "scanned while its status is %1").replace(
            "%1", status_word(str(detail.get("status") or "")) or "?"
        )
    if item.kind is ExceptionKind.REJECTED_EVENT:
        return qt.QCoreApplication.translate("Supervisor", "the server refused an event: %1").replace(
            "%1", f"{detail.get('code') or '?'}: {detail.get('message') or ''}".strip()
        )
    if item.kind is ExceptionKind.DELETED_AFTER_RECEIPT:
        return qt.QCoreApplication.translate(
            "Supervisor", "the customer deleted the registration after the parcel was received"
        )
    if item.kind is ExceptionKind.OVERDUE:
        return qt.QCoreApplication.translate("Supervisor", "awaited for %1 days: may be lost").replace(
            "%1", str((utcnow() - item.opened_at).days)
        )
    return item.summary


def reason_words(reason: SuggestionReason) -> str:
    """Why a registration may be the parcel, in the operator's language."""
    words = {
        SuggestionReason.CLOSE_TYPO: qt.QCoreApplication.translate("Supervisor", "one or two characters differ"),
        SuggestionReason.SWAPPED: qt.QCoreApplication.translate("Supervisor", "two neighbouring characters swapped"),
        SuggestionReason.SAME_TAIL: qt.QCoreApplication.translate("Supervisor", "the same last digits"),
        SuggestionReason.ORDER_NUMBER: qt.QCoreApplication.translate(
            "Supervisor", "the order number typed into the tracking field"
        ),
        SuggestionReason.SAME_LABEL: qt.QCoreApplication.translate(
            "Supervisor", "another number printed on the same label"
        ),
        SuggestionReason.OTHER_CARRIER: qt.QCoreApplication.translate(
            "Supervisor", "registered in another carrier's format"
        ),
    }
    return words.get(reason, str(reason))


def action_words(action: str) -> str:
    """A resolution's action in words; one a newer station wrote is shown as it is."""
    words = {
        "matched": qt.QCoreApplication.translate("Supervisor", "matched"),
        "returned_to_sender": qt.QCoreApplication.translate("Supervisor", "returned to sender"),
        "disposed": qt.QCoreApplication.translate("Supervisor", "disposed of"),
        "other": qt.QCoreApplication.translate("Supervisor", "other"),
        "picked": qt.QCoreApplication.translate("Supervisor", "customer picked"),
        "acknowledged": qt.QCoreApplication.translate("Supervisor", "acknowledged"),
        "retried": qt.QCoreApplication.translate("Supervisor", "sent again"),
        "dismissed": qt.QCoreApplication.translate("Supervisor", "dismissed"),
        "corrected": qt.QCoreApplication.translate("Supervisor", "corrected"),
        "undone": qt.QCoreApplication.translate("Supervisor", "undone"),
        "closed": qt.QCoreApplication.translate("Supervisor", "closed"),
    }
    return words.get(action, action)


def outcome_words(outcome: str) -> str:
    """A scan's outcome for the supervisor's tables (the clerk's short words)."""
    return outcome_word(Outcome(outcome)) if outcome in tuple(Outcome) else outcome_word(outcome)


def when(at: datetime | None) -> str:
    """A stored time on the station's clock, to the minute; "" for none."""
    return "" if at is None else at.astimezone().strftime("%Y-%m-%d %H:%M")


def yes(value: bool) -> str:
    return qt.QCoreApplication.translate("Supervisor", "yes") if value else ""


__all__ = ["action_words", "kind_words", "outcome_words", "reason_words", "summary_words", "when", "yes"]
