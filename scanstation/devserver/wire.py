"""Wire-level pieces of the central-server contract: paths, timestamps, cursors, JSON bodies."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

BASE_PATH: Final = "/api/station/v1"
ADMIN_PATH: Final = "/admin"

DEFAULT_LIMIT: Final = 1000
MAX_LIMIT: Final = 5000
MAX_EVENTS: Final = 500
# A full batch of 500 generous events is well under 1 MiB; anything past this is not a station talking.
MAX_BODY_BYTES: Final = 16 * 1024 * 1024

SERVICES: Final = ("photo", "photo_contents", "remove_invoice", "repack", "check_contents", "consolidate", "hold")

_encoder: Final = msgspec.json.Encoder()
_TIMESTAMP_RE: Final = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z\Z")
_CURSOR_RE: Final = re.compile(r"\Ac:([0-9a-f]{8})\.([0-9]{1,18})\Z")


def encode(value: Any) -> bytes:
    """JSON bytes of a value (UTF-8, no spaces)."""
    return _encoder.encode(value)


def timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 in UTC with `Z` and milliseconds, as the contract writes timestamps."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def is_timestamp(value: object) -> bool:
    """True for an RFC 3339 UTC timestamp with `Z` that names a real moment."""
    if not isinstance(value, str) or not _TIMESTAMP_RE.match(value):
        return False
    try:
        # fromisoformat takes at most 6 fraction digits; the contract allows any number.
        head, _, frac = value[:-1].partition(".")
        datetime.fromisoformat(head + ("." + frac[:6].ljust(6, "0") if frac else "") + "+00:00")
    except ValueError:
        return False
    return True


def make_cursor(epoch: str, seq: int) -> str:
    """The opaque cursor for "everything after change `seq`" in the feed generation `epoch`."""
    return f"c:{epoch}.{seq}"


def parse_cursor(cursor: str) -> tuple[str, int] | None:
    """(epoch, seq) of a cursor this server made, or None when it cannot be one."""
    match = _CURSOR_RE.match(cursor)
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def error_body(code: str, message: str) -> bytes:
    """The body of every whole-request error answer: {"error": {"code", "message"}}."""
    return encode({"error": {"code": code, "message": message}})
