"""Realistic tracking numbers, label scans and customer typing, for the simulator, benchmarks and demo."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from scanstation.tracking.checks import fedex_check, mod7_check, mod10_left, mod10_right3, s10_check, ups_check
from scanstation.tracking.printed import groups

__all__ = ["CARRIERS", "SampleNumber", "garbage_scan", "routing_only_scan", "sample_number", "typed_variant"]

GS: Final = "\x1d"
RS: Final = "\x1e"
EOT: Final = "\x04"

# Carrier mix of a US parcel-forwarding dock (roughly USPS 35%, UPS 25%, FedEx 20%, Amazon 12%, the rest).
CARRIERS: Final = ("usps", "ups", "fedex", "amazon", "dhl", "ontrac", "lasership", "s10")
_CUM_WEIGHTS: Final = (35, 60, 80, 92, 94, 96, 98, 100)

_USPS_SERVICES: Final = ("001", "055", "023", "612", "748", "017", "101", "205")
_UPS_SERVICES: Final = ("01", "02", "03", "12", "13", "42", "59", "66", "86", "A8")
_UPS_SHIPPER_CHARS: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXY"
_S10_SERVICES: Final = ("LZ", "LX", "RR", "RB", "CP", "EE", "UA", "LP")
_S10_COUNTRIES: Final = ("CN", "GB", "DE", "JP", "HK", "KR", "CA", "NL", "FR", "IT")
_COMMENTS: Final = (
    "{} (shoes)",
    "tracking: {}",
    "Tracking # {}",
    "{} - sweater",
    "USPS {}",
    "{} from amazon",
    "my parcel {}",
)
_GARBAGE: Final = ("", "\r\n", "NR", "NOREAD", "ERROR", "]C0", "\x00\x00\x00", "????", "]C1\x1d")


@dataclass(frozen=True, slots=True)
class SampleNumber:
    """One parcel's tracking number and what scanners send for the barcodes on its label."""

    carrier: str
    tracking_number: str  # customer-facing, valid check digit
    label_scans: tuple[str, ...]  # each carries this number (a routing-only ZIP barcode is not included)


def _digits(rng: random.Random, n: int) -> str:
    # getrandbits is several times faster than randrange; 16 spare bits make the modulo bias negligible.
    return f"{rng.getrandbits(4 * n + 16) % 10**n:0{n}d}"


def _int(rng: random.Random, low: int, high: int) -> int:
    """low <= n < high, like randrange but cheaper (see _digits)."""
    return low + rng.getrandbits(32) % (high - low)


def _pick(rng: random.Random, choices: Sequence[str]) -> str:
    return choices[rng.getrandbits(32) % len(choices)]


def _zip(rng: random.Random) -> str:
    return _digits(rng, 9) if rng.random() < 0.3 else f"{1001 + rng.getrandbits(32) % 98950:05d}"


def _usps(rng: random.Random) -> SampleNumber:
    service = _pick(rng, _USPS_SERVICES)
    r = rng.random()
    if r < 0.45:
        body = "94" + service + str(_int(rng, 1, 9)) + _digits(rng, 15)
    elif r < 0.8:
        serial = 11 if rng.random() < 0.25 else 7  # 26- or 22-digit PIC
        body = "92" + service + "9" + _digits(rng, 8) + _digits(rng, serial)
    elif r < 0.9:
        body = "93" + service + str(_int(rng, 1, 9)) + _digits(rng, 15)
    else:
        body = "95" + service + _digits(rng, 16)
    pic = body + str(mod10_right3(body))
    zip_code = _zip(rng)
    scans = ("]C1420" + zip_code + GS + pic, "420" + zip_code + GS + pic, "420" + zip_code + pic)
    return SampleNumber("usps", pic, scans)


def _ups(rng: random.Random) -> SampleNumber:
    shipper = "".join(rng.choices(_UPS_SHIPPER_CHARS, k=6))
    service = _pick(rng, _UPS_SERVICES)
    package = _digits(rng, 7)
    body = shipper + service + package
    check = str(ups_check(body))
    number = "1Z" + body + check
    scans: tuple[str, ...] = (number, "]C0" + number)
    if service.isdigit():
        julian = f"{_int(rng, 1, 366):03d}"
        maxicode = (
            f"[)>{RS}01{GS}96{_digits(rng, 9)}{GS}840{GS}0{service}{GS}1Z{package}{check}{GS}UPSN{GS}{shipper}"
            f"{GS}{julian}{GS}{GS}1/1{GS}{_int(rng, 1, 70)}.{_int(rng, 0, 10)}{GS}N{GS}{GS}NEWARK{GS}NJ{RS}{EOT}"
        )
        scans = (*scans, maxicode)
    return SampleNumber("ups", number, scans)


def _fedex(rng: random.Random) -> SampleNumber:
    r = rng.random()
    if r < 0.25:
        # FedEx Ground 15-digit number, printed as the 22-digit "96" GS1-128 barcode.
        body = _digits(rng, 14)
        number = body + str(mod10_right3(body))
        barcode = "96" + _digits(rng, 2) + _pick(rng, ("910", "911", "920")) + number
        return SampleNumber("fedex", number, ("]C1" + barcode, barcode))
    body = str(_int(rng, 1, 10)) + _digits(rng, 10)
    number = body + str(fedex_check(body))
    if r >= 0.75:
        # A Ground GSN 34-digit barcode.
        return SampleNumber("fedex", number, ("9622" + _digits(rng, 16) + "00" + number,))
    # Express: the 34-digit 1D barcode (service, ..., ZIP) and the PDF417 that repeats it.
    zip_code = _zip(rng)[:5]
    barcode = "1" + _digits(rng, 14) + zip_code + "00" + number
    pdf417 = (
        f"[)>{RS}01{GS}02{zip_code}{GS}840{GS}{_pick(rng, ('01', '05', '20'))}{GS}{number}0201{GS}FDE{GS}"
        f"{_digits(rng, 9)}{GS}{_int(rng, 1, 366):03d}{GS}{GS}1/1{GS}{_int(rng, 1, 70)}.0LB{GS}N{GS}"
        f"{GS}NEWARK{GS}NJ{GS}{RS}06{GS}10ZGD008{GS}31Z{barcode}{RS}{EOT}"
    )
    return SampleNumber("fedex", number, (barcode, pdf417))


def _amazon(rng: random.Random) -> SampleNumber:
    r = rng.random()
    prefix = "TBA" if r < 0.85 else ("TBC" if r < 0.95 else "TBM")
    number = prefix + str(_int(rng, 1, 10)) + _digits(rng, 11)
    return SampleNumber("amazon", number, (number, "]C0" + number))


def _dhl(rng: random.Random) -> SampleNumber:
    body = str(_int(rng, 1, 10)) + _digits(rng, 8)
    number = body + str(mod7_check(body))
    return SampleNumber("dhl", number, (number,))


def _ontrac(rng: random.Random) -> SampleNumber:
    letter = "C" if rng.random() < 0.6 else "D"
    body = "1" + _digits(rng, 12)
    number = letter + body + str(mod10_left(("4" if letter == "C" else "5") + body, 1, 2))
    return SampleNumber("ontrac", number, (number,))


def _lasership(rng: random.Random) -> SampleNumber:
    if rng.random() < 0.6:
        number = "1LS7" + str(_int(rng, 1, 3)) + _digits(rng, 10)
    else:
        number = "L" + _pick(rng, "AIEHNX") + str(_int(rng, 1, 4)) + _digits(rng, 7)
    return SampleNumber("lasership", number, (number,))


def _s10(rng: random.Random) -> SampleNumber:
    serial = _digits(rng, 8)
    number = _pick(rng, _S10_SERVICES) + serial + str(s10_check(serial)) + _pick(rng, _S10_COUNTRIES)
    return SampleNumber("s10", number, (number,))


_MAKERS: Final = {
    "usps": _usps,
    "ups": _ups,
    "fedex": _fedex,
    "amazon": _amazon,
    "dhl": _dhl,
    "ontrac": _ontrac,
    "lasership": _lasership,
    "s10": _s10,
}


def sample_number(rng: random.Random, carrier: str | None = None) -> SampleNumber:
    """A random realistic number (deterministic for a seeded rng); the dock's carrier mix when carrier is None."""
    if carrier is None:
        carrier = CARRIERS[bisect.bisect(_CUM_WEIGHTS, rng.random() * _CUM_WEIGHTS[-1])]
    try:
        maker = _MAKERS[carrier]
    except KeyError:
        raise ValueError(f"no samples for carrier {carrier!r}; choose one of {', '.join(CARRIERS)}") from None
    return maker(rng)


def typed_variant(number: str, rng: random.Random) -> str:
    """How a customer types the number: mostly exact, else spaced, dashed, lower case, commented, or two numbers."""
    r = rng.random()
    if r < 0.6:
        return number
    if r < 0.72:
        return groups(number)
    if r < 0.77:
        return groups(number, sep="-")
    if r < 0.85:
        return number.lower()
    if r < 0.96:
        text = rng.choice(_COMMENTS).format(number)
        return text.lower() if rng.random() < 0.2 else text
    if r < 0.98:
        return " " + groups(number.lower(), 3) + "  "
    return number + ", " + _ups(rng).tracking_number


def routing_only_scan(rng: random.Random) -> str:
    """The ship-to postal barcode alone (420 + ZIP5/ZIP9): it carries no tracking number."""
    zip_code = _zip(rng)
    return ("]C1420" if rng.random() < 0.5 else "420") + zip_code


def garbage_scan(rng: random.Random) -> str:
    """An invalid read: noise, a no-read message, a partial read or a corrupted one; never a tracking number."""
    r = rng.random()
    if r < 0.3:
        return rng.choice(_GARBAGE)
    number = sample_number(rng).label_scans[0]
    if r < 0.55:
        return number[: rng.randrange(1, 10)]  # a partial read, too short for any format
    if r < 0.8:
        # a corrupted read: a character the symbology cannot carry in a tracking number
        at = len(number) - rng.randrange(1, 10)  # in the number itself, not in a routing ZIP before it
        return number[:at] + rng.choice("?#*~") + number[at + 1 :]
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ!#%&*") for _ in range(rng.randrange(1, 9)))
