"""The values every layer speaks (scans, verdicts, statuses) and their one JSON form; imports nothing of the project."""

from scanstation.domain.access import (
    ACT_WORDS,
    MINIMUM_ROLE,
    Act,
    Actor,
    AuditEntry,
    AuditKind,
    LoginAnswer,
    NotAllowedError,
    Role,
    SettingChange,
    require,
)
from scanstation.domain.badge import BADGE_PREFIX, badge_digest, badge_secret_of, is_badge, new_badge_secret
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
    "ACT_WORDS",
    "AT_WAREHOUSE",
    "AWAITING",
    "BADGE_PREFIX",
    "MAX_STORED_RAW",
    "MINIMUM_ROLE",
    "NOTE_RESOLVED_LATER",
    "Act",
    "Actor",
    "AuditEntry",
    "AuditKind",
    "FirstReceipt",
    "Json",
    "LoginAnswer",
    "NotAllowedError",
    "Outcome",
    "ReceivingStatus",
    "Resolver",
    "Role",
    "Scan",
    "ScannerState",
    "ScannerStatus",
    "SettingChange",
    "SyncNotice",
    "SyncState",
    "SyncStatus",
    "UndoResult",
    "Verdict",
    "badge_digest",
    "badge_secret_of",
    "is_badge",
    "json_fields",
    "json_form",
    "json_text",
    "new_badge_secret",
    "require",
    "rfc3339",
    "storable_text",
    "utcnow",
]
