"""Helpers for the tracking tests: build valid numbers of each carrier from a body (check digit appended)."""

from __future__ import annotations

from scanstation.tracking.checks import fedex_check, mod7_check, mod10_left, mod10_right3, s10_check, ups_check


def usps(body21_or_25: str) -> str:
    """A USPS PIC: channel + service + mailer + serial, with its mod-10 check digit."""
    return body21_or_25 + str(mod10_right3(body21_or_25))


def fedex12(body11: str) -> str:
    return body11 + str(fedex_check(body11))


def fedex15(body14: str) -> str:
    return body14 + str(mod10_right3(body14))


def ups(body15: str) -> str:
    return "1Z" + body15 + str(ups_check(body15))


def dhl10(body9: str) -> str:
    return body9 + str(mod7_check(body9))


def ontrac(letter: str, body13: str) -> str:
    return letter + body13 + str(mod10_left(("4" if letter == "C" else "5") + body13, 1, 2))


def s10(service: str, serial8: str, country: str) -> str:
    return service + serial8 + str(s10_check(serial8)) + country


def sscc(body17: str) -> str:
    return body17 + str(mod10_right3(body17))
