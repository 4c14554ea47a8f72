"""What the status bar and the headless status lines report: scanners, sync and recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from scanstation.domain.verdict import Verdict

__all__ = ["ReceivingStatus", "ScannerState", "ScannerStatus", "SyncNotice", "SyncState", "SyncStatus"]


class ScannerState(StrEnum):
    CONNECTING = "connecting"  # started, first open not done yet
    CONNECTED = "connected"  # reading
    DISCONNECTED = "disconnected"  # was reading, lost the device; retrying with back-off
    ERROR = "error"  # cannot open (missing, in use, no permission, refused); retrying with back-off
    STOPPED = "stopped"  # stop() was called (or never started)


@dataclass(frozen=True, slots=True)
class ScannerStatus:
    """One change of a scanner's state; `message` is meant for an admin, `device` is what is (or was) open."""

    name: str
    state: ScannerState
    message: str
    device: str | None = None


class SyncState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    TOKEN_REJECTED = "token_rejected"
    DISABLED = "disabled"  # no server configured, or no usable token


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What a UI shows about sync; equal statuses are not published twice."""

    state: SyncState
    events_waiting: int = 0
    events_held: int = 0
    rejected_count: int = 0
    last_pull_at: datetime | None = None
    last_push_at: datetime | None = None
    clock_offset_s: float | None = None  # server minus station, rounded to 0.1 s
    last_error: str | None = None
    contract_errors: int = 0  # answers set aside because they broke the contract
    registrations_set_aside: int = 0  # feed records the database refused, each a review item


@dataclass(frozen=True, slots=True)
class SyncNotice:
    """Something to tell the clerk: an unknown parcel received because the customer registered it late."""

    kind: Literal["unknown_resolved"]
    message: str
    verdict: Verdict  # the late match


@dataclass(frozen=True, slots=True)
class ReceivingStatus:
    """What the clerk must know about recording: scans read but not yet on disk, and why, in words."""

    waiting: int = 0  # scans kept in memory because the database refused them; retried in order
    problem: str | None = None  # e.g. "the disk is full: ..."; None while writes succeed
    disk_full: bool = False
