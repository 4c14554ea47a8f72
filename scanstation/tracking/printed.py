"""A tracking number in the groups its carrier prints under the barcode, so a clerk can read it off the box."""

from __future__ import annotations

import re
from typing import Final

# Group sizes from the left, as each carrier's human-readable line prints them; a last group takes the rest.
# UPS prints "1Z 999 AA1 01 2345 6784" (prefix, shipper, service, package); UPU S10 items "RR 123 456 785 CN";
# DHL Express waybills "12 3456 7890". Everyone else here (USPS, FedEx, ...) prints fours, or nothing a clerk
# reads more easily than fours; a prefix of letters (Amazon's "TBA") stands apart before them.
_UPS_1Z: Final = (2, 3, 3, 2, 4, 4)
_S10: Final = (2, 3, 3, 3, 2)
_DHL_WAYBILL: Final = (2, 4, 4)
_FOURS: Final = 4
_RE_S10: Final = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")
_RE_CLEAN: Final = re.compile(r"[0-9A-Z]+")
_RE_PREFIX: Final = re.compile(r"[A-Z]{2,}")


def group_for_print(number: str, carrier: str | None = None) -> str:
    """`number` split by spaces the way `carrier` prints it; text that is not a clean number is returned as is.

    Pure and total: a number of an unexpected length for its carrier falls back to groups of four, and
    anything but upper-case letters and digits (a raw unreadable read, a number already spaced) is left alone.
    """
    if not _RE_CLEAN.fullmatch(number):
        return number
    if carrier == "ups" and number.startswith("1Z") and len(number) == sum(_UPS_1Z):
        return _split(number, _UPS_1Z)
    if _RE_S10.fullmatch(number) and carrier in (None, "s10", "usps", "dhl"):
        return _split(number, _S10)
    if carrier == "dhl" and number.isdigit() and len(number) == sum(_DHL_WAYBILL):
        return _split(number, _DHL_WAYBILL)
    if len(number) <= _FOURS + 1:
        return number  # a short code reads best whole
    prefix = _RE_PREFIX.match(number)
    if prefix is not None and prefix.end() < len(number):  # letters first (Amazon's TBA, GFUS): a group of their own
        head, rest = number[: prefix.end()], number[prefix.end() :]
        return f"{head} {groups(rest)}"
    return groups(number)


def groups(number: str, size: int = _FOURS, sep: str = " ") -> str:
    """`number` cut into groups of `size` characters joined by `sep` ("1Z3G GU37 4297 2147 63"), whatever it is."""
    return sep.join(number[i : i + size] for i in range(0, len(number), size))


def _split(number: str, sizes: tuple[int, ...]) -> str:
    groups, start = [], 0
    for size in sizes:
        groups.append(number[start : start + size])
        start += size
    return " ".join(group for group in groups if group)


__all__ = ["group_for_print", "groups"]
