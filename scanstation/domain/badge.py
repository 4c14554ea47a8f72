"""An operator's log-in badge: what its barcode holds, and how a scan is told to be one and never a parcel."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

__all__ = [
    "BADGE_PREFIX",
    "BADGE_SHOWN",
    "badge_digest",
    "badge_secret_of",
    "hide_badges",
    "is_badge",
    "new_badge_secret",
]

# "SSB-" and 26 Crockford base32 characters (130 random bits): no carrier prints a number like it, it is
# plain Code 128 set B, and a keyboard-wedge scanner types it without dead keys.
BADGE_PREFIX: Final = "SSB-"
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LENGTH: Final = 26
# What a screen shows instead of a badge's text (or any piece of one a read was cut into).
BADGE_SHOWN: Final = BADGE_PREFIX + "… (a badge; its text is not shown)"
_BADGE_PIECE: Final = re.compile(rf"{re.escape(BADGE_PREFIX)}[{_ALPHABET}]*")
_BADGE: Final = re.compile(rf"(?:\]C[0-9])?({re.escape(BADGE_PREFIX)}[{_ALPHABET}]{{{_LENGTH}}})")


def new_badge_secret() -> str:
    """A fresh random badge text; only its digest is stored."""
    return BADGE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def badge_secret_of(raw: str) -> str | None:
    """The badge text in a scan (an AIM identifier and surrounding whitespace allowed), else None."""
    match = _BADGE.fullmatch(raw.strip())
    return match.group(1) if match else None


def is_badge(raw: str) -> bool:
    """Whether a scan is a badge: then it logs someone in and is never received as a parcel."""
    return badge_secret_of(raw) is not None


def badge_digest(secret: str) -> str:
    """What the database keeps of a badge: its SHA-256 (the secret is random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def hide_badges(text: str) -> str:
    """`text` with every badge (or the start of one) replaced by BADGE_SHOWN: for a live view of raw reads."""
    return _BADGE_PIECE.sub(BADGE_SHOWN, text)
