"""The warehouse rules: a scan becomes a decision, recorded with its status change and events, then a verdict."""

from scanstation.receiving.decide import NOTE_ALREADY_FLAGGED, NOTE_DELETED, NOTE_INCOMPLETE
from scanstation.receiving.receiver import SYNC_SCANNER, UNDONE, UNDONE_CORRECTED, UNDONE_NOTHING_SENT, Receiver
from scanstation.receiving.statements import parcel_status

__all__ = [
    "NOTE_ALREADY_FLAGGED",
    "NOTE_DELETED",
    "NOTE_INCOMPLETE",
    "SYNC_SCANNER",
    "UNDONE",
    "UNDONE_CORRECTED",
    "UNDONE_NOTHING_SENT",
    "Receiver",
    "parcel_status",
]
