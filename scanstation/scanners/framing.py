"""Framing: a byte stream from a serial or socket scanner, in any chunking, cut into complete reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

TERMINATOR_BYTES: Final[dict[str, bytes]] = {
    "CR": b"\r",
    "LF": b"\n",
    "CRLF": b"\r\n",
    "TAB": b"\t",
    "ETX": b"\x03",
    "NONE": b"",
}
STX: Final = b"\x02"

# ISO 15434 envelope ("[)>" RS ... RS EOT) as UPS MaxiCode and FedEx PDF417 carry it. Its compressed
# segments are binary and may hold CR, LF, TAB or ETX, so inside an envelope that has not yet seen its
# EOT, a terminator byte is data, not the end of the read.
ENVELOPE_START: Final = "[)>\x1e"
ENVELOPE_END: Final = "\x04"
_ENVELOPE_START_B: Final = ENVELOPE_START.encode()
_ENVELOPE_END_B: Final = ENVELOPE_END.encode()

# In terminator modes a fragment that waits this long (or idle_gap, if longer) without its terminator is
# delivered on its own as an incomplete read, so noise is logged instead of being glued to the next scan.
STALE_FRAGMENT_S: Final = 0.5

# Invalid UTF-8 becomes U+FFFD: a lone surrogate ("surrogateescape") cannot be stored in SQLite or
# PostgreSQL text nor written as UTF-8, and the sources log the exact bytes of such reads in hex.
DECODE_ERRORS: Final = "replace"


def decode_scan_bytes(data: bytes) -> str:
    """The text of a read: UTF-8, with every invalid byte shown as U+FFFD (never raises)."""
    return data.decode("utf-8", errors=DECODE_ERRORS)


def envelope_open(text: str) -> bool:
    """True while `text` holds an ISO 15434 envelope start without the EOT that closes it."""
    start = text.rfind(ENVELOPE_START)
    return start >= 0 and text.find(ENVELOPE_END, start) < 0


class FrameEnd(StrEnum):
    """What ended a read; only TERMINATOR and IDLE reads are complete by the scanner's own framing."""

    TERMINATOR = "terminator"  # its terminator came
    IDLE = "idle"  # terminator NONE: the scanner went quiet for idle_gap
    STALE = "stale"  # a terminator was expected and never came
    STX = "stx"  # a new STX began before the terminator
    OVERFLOW = "overflow"  # longer than max_scan_bytes: the first max_scan_bytes, the rest dropped
    CLOSED = "closed"  # the port was lost or closed mid-read


@dataclass(frozen=True, slots=True)
class Frame:
    """One read as the scanner framed it, framing bytes (STX, terminator) removed."""

    data: bytes
    end: FrameEnd

    @property
    def complete(self) -> bool:
        return self.end in (FrameEnd.TERMINATOR, FrameEnd.IDLE)

    def text(self) -> str:
        return decode_scan_bytes(self.data)


class FrameDecoder:
    """Bytes in, in any chunking; complete reads out. Pure: the caller passes the (monotonic) time.

    - terminator CR/LF/CRLF/TAB/ETX ends a read; CR and LF also accept CRLF as one terminator;
    - with `stx_prefix`, STX starts a read (whatever was pending before it is delivered on its own);
    - terminator NONE: `idle_gap_s` of silence ends a read (call `tick()` when time passes);
    - a terminator inside an open ISO 15434 envelope is data (see ENVELOPE_START);
    - the buffer is bounded: past `max_bytes` without a terminator, the first `max_bytes` come out as
      an OVERFLOW read and the rest is dropped (counted in `dropped_bytes`) up to the next terminator,
      STX or pause, so the next good scan starts clean.
    """

    def __init__(
        self,
        terminator: str = "CR",
        *,
        stx_prefix: bool = False,
        idle_gap_s: float = 0.08,
        max_bytes: int = 8192,
        stale_s: float | None = None,
    ) -> None:
        if terminator not in TERMINATOR_BYTES:
            raise ValueError(f"unknown terminator {terminator!r}; use one of {', '.join(TERMINATOR_BYTES)}")
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self._mode: str = terminator
        self._term: bytes = TERMINATOR_BYTES[terminator]
        self._stx: bool = stx_prefix
        self._max: int = max_bytes
        if self._term:
            self._gap: float = stale_s if stale_s is not None else max(idle_gap_s, STALE_FRAGMENT_S)
        else:
            self._gap = idle_gap_s
        alternatives = [re.escape(self._term)] if self._term else []
        if stx_prefix:
            alternatives.append(re.escape(STX))
        self._pattern: re.Pattern[bytes] | None = re.compile(b"|".join(alternatives)) if alternatives else None
        # Discarding after an overflow ends at the terminator's last byte (CRLF: at LF) or at STX.
        discard_ends = [re.escape(self._term[-1:])] if self._term else []
        if stx_prefix:
            discard_ends.append(re.escape(STX))
        self._discard_pattern: re.Pattern[bytes] | None = re.compile(b"|".join(discard_ends)) if discard_ends else None
        self._buf: bytearray = bytearray()
        self._pos: int = 0  # the search for a terminator resumes here; nothing before it ends a read
        self._discarding: bool = False
        self._swallow_lf: bool = False  # CR mode: the LF of a CRLF split across two reads
        self._last_rx: float | None = None
        self.dropped_bytes: int = 0

    @property
    def pending(self) -> int:
        """Bytes held for the read in progress (bounded by max_bytes plus one chunk)."""
        return len(self._buf)

    def deadline(self) -> float | None:
        """When `tick()` would next cut something, or None when nothing is pending."""
        if self._last_rx is None or not (self._buf or self._discarding):
            return None
        return self._last_rx + self._gap

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Add bytes read at `now`; returns the reads they complete (a pause before them ends the last)."""
        out = self.tick(now)
        if not data:
            return out
        self._last_rx = now
        if self._swallow_lf:
            self._swallow_lf = False
            if data[:1] == b"\n":
                data = data[1:]
        if self._discarding:
            data = self._discard(data)
        if data:
            self._buf += data
            self._split(out)
        return out

    def tick(self, now: float) -> list[Frame]:
        """Tell the decoder time passed: a pause of the idle gap (NONE) or stale time ends what is pending."""
        if self._last_rx is None or now - self._last_rx < self._gap:
            return []
        self._discarding = False
        self._swallow_lf = False
        if not self._buf:
            return []
        return self._take(FrameEnd.IDLE if not self._term else FrameEnd.STALE)

    def flush(self) -> list[Frame]:
        """The port is gone: hand out what is pending as an incomplete read and start over."""
        out = self._take(FrameEnd.CLOSED) if self._buf else []
        self._discarding = False
        self._swallow_lf = False
        self._last_rx = None
        return out

    def _take(self, end: FrameEnd) -> list[Frame]:
        data = bytes(self._buf[: self._max])
        if len(self._buf) > self._max:
            self.dropped_bytes += len(self._buf) - self._max
            end = FrameEnd.OVERFLOW
        self._buf.clear()
        self._pos = 0
        return [Frame(data, end)] if data else []

    def _discard(self, data: bytes) -> bytes:
        """Drop bytes of an overlong read up to its end; returns what follows that end."""
        match = self._discard_pattern.search(data) if self._discard_pattern else None
        if match is None:
            self.dropped_bytes += len(data)
            return b""
        self._discarding = False
        if match.group() == STX:
            self.dropped_bytes += match.start()
            return data[match.start() :]
        self.dropped_bytes += match.start()
        rest = data[match.end() :]
        if self._mode == "CR":
            if rest[:1] == b"\n":
                rest = rest[1:]
            elif not rest:
                self._swallow_lf = True
        return rest

    def _split(self, out: list[Frame]) -> None:
        buf = self._buf
        pattern = self._pattern
        while pattern is not None:
            match = pattern.search(buf, self._pos)
            if match is None:
                # A CRLF may be split across reads: look at a trailing CR again next time.
                self._pos = max(0, len(buf) - (len(self._term) - 1)) if self._term else len(buf)
                break
            start, end = match.span()
            if self._stx and match.group() == STX:
                if start:
                    out.append(self._frame(bytes(buf[:start]), FrameEnd.STX))
                del buf[:end]
                self._pos = 0
                continue
            if self._in_envelope(buf, start):
                self._pos = end
                continue
            data = bytes(buf[:start])
            del buf[:end]
            self._pos = 0
            if self._mode == "CR":
                if buf[:1] == b"\n":
                    del buf[:1]
                elif not buf:
                    self._swallow_lf = True
            elif self._mode == "LF" and data.endswith(b"\r"):
                data = data[:-1]
            if data:
                out.append(self._frame(data, FrameEnd.TERMINATOR))
        if len(buf) > self._max:
            out.extend(self._take(FrameEnd.OVERFLOW))
            self._discarding = True

    def _frame(self, data: bytes, end: FrameEnd) -> Frame:
        if len(data) > self._max:
            self.dropped_bytes += len(data) - self._max
            return Frame(data[: self._max], FrameEnd.OVERFLOW)
        return Frame(data, end)

    @staticmethod
    def _in_envelope(buf: bytearray, limit: int) -> bool:
        start = buf.rfind(_ENVELOPE_START_B, 0, limit)
        return start >= 0 and buf.find(_ENVELOPE_END_B, start, limit) < 0
