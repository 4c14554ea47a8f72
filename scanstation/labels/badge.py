"""An operator's log-in badge: the badge secret as Code 128, with the operator's name (never the secret) under it."""

from __future__ import annotations

from scanstation.domain import is_badge
from scanstation.labels.barcodes import LabelError, code128_svg

__all__ = ["badge_svg"]


def badge_svg(display_name: str, secret: str) -> bytes:
    """The badge as SVG; LabelError when `secret` is not a badge text (domain.badge)."""
    if not is_badge(secret):
        raise LabelError("that is not a badge secret (scanstation operators badge makes one)")
    # The line under the bars names whose badge it is; printing the secret too would only help copy it by hand.
    return code128_svg(secret, text=" ".join(display_name.split()) or "badge", module_height_mm=12.0)
