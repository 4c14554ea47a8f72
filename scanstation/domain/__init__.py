"""The values every layer speaks (scans, verdicts, statuses) and their one JSON form; imports nothing of the project."""

from scanstation.domain.json_form import Json, json_fields, json_form, json_text
from scanstation.domain.scan import Scan, rfc3339, utcnow
from scanstation.domain.status import (
    ReceivingStatus,
    ScannerState,
    ScannerStatus,
    SyncNotice,
    SyncState,
    SyncStatus,
)
from scanstation.domain.text import MAX_STORED_RAW, storable_text
from scanstation.domain.verdict import (
    AT_WAREHOUSE,
    AWAITING,
    NOTE_RESOLVED_LATER,
    FirstReceipt,
    Outcome,
    Resolver,
    UndoResult,
    Verdict,
)

__all__ = [
    "AT_WAREHOUSE",
    "AWAITING",
    "MAX_STORED_RAW",
    "NOTE_RESOLVED_LATER",
    "FirstReceipt",
    "Json",
    "Outcome",
    "ReceivingStatus",
    "Resolver",
    "Scan",
    "ScannerState",
    "ScannerStatus",
    "SyncNotice",
    "SyncState",
    "SyncStatus",
    "UndoResult",
    "Verdict",
    "json_fields",
    "json_form",
    "json_text",
    "rfc3339",
    "storable_text",
    "utcnow",
]
