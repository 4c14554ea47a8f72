"""The one value every scanner source produces and the receiving rules consume, and the station's clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC now; the single clock helper so tests can see what the code uses."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Scan:
    """What one read of one scanner produced, before any interpretation.

    `raw` is the decoded text of the read with the transport's framing (STX, terminator) removed;
    AIM identifiers, GS/RS/EOT and NUL are kept; bytes that are not valid UTF-8 arrive as U+FFFD.
    `typed` marks a number entered by hand (torn label), which goes through the same rules.
    `incomplete` marks a read that did not end by the scanner's own framing (overflow, a fragment
    left by a pause or an unplug): it is logged as invalid and never matched, because a cut-off
    number could still pass a weak check digit.
    """

    raw: str
    scanner: str
    at: datetime = field(default_factory=utcnow)
    typed: bool = False
    incomplete: bool = False


def rfc3339(moment: datetime) -> str:
    """The contract's timestamp form: UTC, milliseconds, `Z` (2026-11-27T09:15:02.481Z)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
