"""Text any database, log line or stdout accepts, whatever bytes a scanner sent."""

from __future__ import annotations

from typing import Final

# Longest raw text kept per scan: a 64 KB garbage read is logged, but not 64 KB of it.
MAX_STORED_RAW: Final = 4096


def storable_text(text: str, limit: int = MAX_STORED_RAW) -> str:
    """Text any database accepts: no NUL, no lone surrogates (escaped, not dropped), bounded length."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    if len(safe) > limit:
        return f"{safe[:limit]}…(+{len(safe) - limit} chars)"
    return safe
