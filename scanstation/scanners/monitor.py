"""The live view of a scanner: its bytes with control characters shown, and what the station makes of each read."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from scanstation.domain import is_badge
from scanstation.scanners.framing import FrameEnd
from scanstation.tracking import parse_scan

__all__ = [
    "MonitorCallback",
    "MonitorEvent",
    "ReadExplanation",
    "explain_read",
    "gap_words",
    "visible_controls",
]

_NAMES: Final[dict[int, str]] = {
    0x00: "NUL",
    0x02: "STX",
    0x03: "ETX",
    0x04: "EOT",
    0x09: "TAB",
    0x0A: "LF",
    0x0D: "CR",
    0x1B: "ESC",
    0x1D: "GS",
    0x1E: "RS",
    0x7F: "DEL",
}
# surrogateescape turns each byte that is not UTF-8 into one of these code points (0xDC80 + byte).
_ESCAPED_BYTES: Final = range(0xDC80, 0xDD00)

# AIM symbology identifiers (ISO/IEC 15424) an admin meets on parcels, by code letter.
_SYMBOLOGIES: Final[dict[str, str]] = {
    "A": "Code 39",
    "C": "Code 128",
    "d": "Data Matrix",
    "E": "EAN/UPC",
    "e": "GS1 DataBar",
    "F": "Codabar",
    "G": "Code 93",
    "I": "Interleaved 2 of 5",
    "L": "PDF417",
    "Q": "QR Code",
    "U": "MaxiCode",
    "X": "another symbology",
    "z": "Aztec",
}

# Why a read is incomplete, for each way a read can end without its scanner's own framing.
_CUT_WORDS: Final[dict[FrameEnd, str]] = {
    FrameEnd.STALE: ("no terminator came: the scanner sends no suffix, or another one than the configured terminator"),
    FrameEnd.STX: "a new STX began before this read's terminator",
    FrameEnd.OVERFLOW: "longer than max_scan_bytes: cut there, the rest dropped",
    FrameEnd.CLOSED: "the port went away in the middle of this read",
}


def _char_shown(code: int) -> str:
    if code in _NAMES:
        return f"<{_NAMES[code]}>"
    if code < 0x20:
        return f"<0x{code:02X}>"
    if code in _ESCAPED_BYTES:
        return f"<0x{code - 0xDC00:02X}>"
    if 0x80 <= code < 0xA0 or 0xD800 <= code < 0xE000:
        return f"<U+{code:04X}>"  # C1 controls and lone surrogates: invisible, so named
    return chr(code)


def visible_controls(data: bytes | str) -> str:
    """The text of `data` with every control character spelled out (`<CR>`, `<GS>`, `<0x1C>`, `<0xFF>`).

    Printable text stays as it is, so an AIM identifier `]C1` shows as itself. Bytes are read as UTF-8;
    a byte that is not UTF-8 shows as `<0xFF>`-style.
    """
    text = data.decode("utf-8", errors="surrogateescape") if isinstance(data, bytes) else data
    return "".join(ch if " " <= ch < "\x7f" else _char_shown(ord(ch)) for ch in text)


@dataclass(frozen=True, slots=True)
class ReadExplanation:
    """What the station makes of one read, in the admin's terms."""

    raw: str
    shown: str  # the read with its control characters spelled out
    carrier: str | None
    tracking_number: str | None  # as printed on the label / the carrier's site
    keys: tuple[str, ...]  # the match keys, sorted
    aim: str | None  # the AIM identifier the scanner sent, e.g. "]C1"
    symbology: str | None  # its name, e.g. "Code 128"
    why_none: str | None  # words when the read is not matched (nothing recognised, incomplete, a badge)
    incomplete: bool

    @property
    def summary(self) -> str:
        """One line: "UPS 1Z3F141E8695861181 (1 key), AIM ]C0 Code 128" or why nothing was matched."""
        parts = []
        if self.tracking_number is not None:
            who = self.carrier.upper() if self.carrier else "unknown carrier"
            count = len(self.keys)
            parts.append(f"{who} {self.tracking_number} ({count} key{'s' if count != 1 else ''})")
        if self.aim is not None:
            parts.append(f"AIM {self.aim}" + (f" {self.symbology}" if self.symbology else ""))
        if self.why_none is not None:
            parts.append(self.why_none if self.tracking_number is None else f"not matched: {self.why_none}")
        return ", ".join(parts) or "nothing recognised"


def explain_read(raw: str, fnc1_substitutes: Iterable[str] = (), *, end: FrameEnd | None = None) -> ReadExplanation:
    """Read `raw` as the receiver would (tracking.parse_scan); `end` is how the read ended, None when complete."""
    parsed = parse_scan(raw, fnc1_substitutes=fnc1_substitutes)
    incomplete = end is not None and end not in (FrameEnd.TERMINATOR, FrameEnd.IDLE)
    why: str | None = None
    if is_badge(raw):
        why = "an operator's badge: it logs in at the window and is never received as a parcel"
    elif incomplete:
        assert end is not None
        why = f"incomplete read ({_CUT_WORDS[end]}): logged as invalid, never matched"
    elif not parsed.keys:
        why = parsed.note or "no tracking number recognised"
    aim = parsed.symbology
    return ReadExplanation(
        raw=raw,
        shown=visible_controls(raw),
        carrier=parsed.carrier,
        tracking_number=parsed.tracking_number,
        keys=tuple(sorted(parsed.keys)),
        aim=aim,
        symbology=_SYMBOLOGIES.get(aim[1]) if aim is not None else None,
        why_none=why,
        incomplete=incomplete,
    )


def gap_words(gaps_ms: Sequence[float]) -> str:
    """How far apart keys or bytes came: "keys 4 ms apart" or "keys 4 ms apart (at most 31 ms)"."""
    if not gaps_ms:
        return "1 key"
    typical = statistics.median(gaps_ms)
    slowest = max(gaps_ms)
    words = f"keys {typical:.0f} ms apart"
    if slowest >= 2 * typical and slowest - typical >= 5:
        words += f" (at most {slowest:.0f} ms)"
    return words


@dataclass(frozen=True, slots=True)
class MonitorEvent:
    """One thing a watched port did: a chunk of bytes as read, or a read as framed and explained.

    `at` is wall-clock time (time.time()); a chunk event has `chunk`, a read event `frame_raw`,
    `frame_data` (its exact bytes), `explanation` and `complete` (ended by the scanner's own framing).
    """

    at: float
    chunk: bytes | None
    frame_raw: str | None
    explanation: ReadExplanation | None
    complete: bool
    frame_data: bytes | None = None


MonitorCallback = Callable[[MonitorEvent], None]
