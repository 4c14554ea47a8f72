"""Check-digit algorithms of the carrier formats (pure functions over upper-case ASCII strings)."""

from __future__ import annotations

from typing import Final

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_ISO7064_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# UPS (and tracking_number_data's mod10) map a letter to (code point - 3) mod 10: A=2, B=3, ... as UPS documents.
_LETTERS_TO_DIGITS: Final = str.maketrans({chr(o): str((o - 3) % 10) for o in range(65, 91)})


def _digit_sum(digits: str) -> int:
    """Sum of ASCII digits, at C speed (the byte values less 48 each)."""
    return sum(digits.encode()) - 48 * len(digits)


def mod10_right3(body: str) -> int:
    """USPS / GS1 / FedEx Ground check digit: weight 3 on the right-most body digit, then 1, 3, ..."""
    backwards = body[::-1]
    total = 3 * _digit_sum(backwards[0::2]) + _digit_sum(backwards[1::2])
    return (10 - total % 10) % 10


def mod10_left(body: str, evens: int, odds: int) -> int:
    """tracking_number_data's `mod10` (not reversed): weights by 0-based index from the left; letters allowed."""
    digits = body.translate(_LETTERS_TO_DIGITS)
    total = evens * _digit_sum(digits[0::2]) + odds * _digit_sum(digits[1::2])
    return (10 - total % 10) % 10


def ups_check(body: str) -> int:
    """UPS 1Z / waybill check digit over the body (letters allowed): odd positions doubled (1-based even)."""
    return mod10_left(body, 1, 2)


def fedex_check(body: str) -> int:
    """FedEx Express check digit: weights 1, 3, 7 from the right, sum mod 11 mod 10."""
    backwards = body[::-1]
    total = _digit_sum(backwards[0::3]) + 3 * _digit_sum(backwards[1::3]) + 7 * _digit_sum(backwards[2::3])
    return total % 11 % 10


def mod7_check(body: str) -> int:
    """DHL Express waybill: the body as an integer mod 7."""
    return int(body) % 7


def luhn_valid(number: str) -> bool:
    """Luhn (ISO/IEC 7812) over the whole number, check digit last."""
    total = 0
    for i, c in enumerate(reversed(number)):
        d = ord(c) - 48
        if i & 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def s10_check(serial8: str) -> int:
    """UPU S10 check digit over the 8-digit serial (weights 8,6,4,2,3,5,9,7 mod 11; 10 -> 0, 11 -> 5)."""
    total = 0
    for c, w in zip(serial8, _S10_WEIGHTS, strict=True):
        total += (ord(c) - 48) * w
    check = 11 - total % 11
    if check == 10:
        return 0
    if check == 11:
        return 5
    return check


def iso7064_mod37_36(body: str) -> str:
    """ISO 7064 MOD 37,36 (hybrid) check character used by DPD, over digits and letters."""
    alphabet = _ISO7064_ALPHABET
    m = 36
    p = m
    for c in body:
        p = (p + alphabet.index(c)) % m
        if p == 0:
            p = m
        p = (p * 2) % (m + 1)
    return alphabet[(m + 1 - p) % m]
