"""Carrier formats: which tracking number a clean upper-case alphanumeric token is, and its match keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from scanstation.tracking.checks import (
    fedex_check,
    iso7064_mod37_36,
    luhn_valid,
    mod7_check,
    mod10_left,
    mod10_right3,
    s10_check,
    ups_check,
)

# How far a format can be trusted when it is found; typed text uses this to decide where to look.
STRONG: Final = 2  # a check digit confirms it (1 in 7..11 random strings pass at worst)
PREFIXED: Final = 1  # no check digit, but a distinctive letter prefix
BARE: Final = 0  # no (or a weak) check digit and little structure: accept only a whole field

NOTE_ROUTING = "routing barcode (420 + ZIP): no tracking number"
NOTE_ROUTING_421 = "routing barcode (421 + country + postal code): no tracking number"

# ISO 3166-1 alpha-2 codes: the destination/origin country of a UPU S10 item must be a real country.
_COUNTRIES: Final = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK
    YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a list literal of 250 quoted codes would be far harder to read
)

_RE_UPS: Final = re.compile(r"1Z[0-9A-Z]{15}[0-9]")
_RE_UPS_WAYBILL: Final = re.compile(r"[AHJKTV][0-9]{10}")
_RE_AMAZON: Final = re.compile(r"TB[ACM][0-9]{12}")
_RE_AMAZON_INTL: Final = re.compile(r"[AFC][0-9]{10}")
_RE_ONTRAC: Final = re.compile(r"[CD][0-9]{14}")
_RE_CANPAR: Final = re.compile(r"[CDKLSUXZ][0-9]{21}")
_RE_S10: Final = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")
_RE_LASERSHIP_L: Final = re.compile(r"L[AIEHNX][1-3][0-9]{7}")
_RE_LASERSHIP_1LS7: Final = re.compile(r"1LS7[12][0-9]{10}")
_RE_LASERSHIP_1LS7_18: Final = re.compile(r"1LS7[12][0-9]{2}01[1-4][0-9]{6}1")
_RE_LASERSHIP_1LSCX: Final = re.compile(r"1LSCX[0-9A-Z]{10}")
_RE_LANDMARK: Final = re.compile(r"LTN[0-9]{8}N1")
_RE_GOFO: Final = re.compile(r"GFUS[0-9]{14}")
_RE_YUN: Final = re.compile(r"YT[0-9]{16}")
_RE_SPEEDEE: Final = re.compile(r"SP[0-9]{18}")
_RE_YODEL: Final = re.compile(r"JJ?D[0-9]{16}")
_RE_DHL_PIECE: Final = re.compile(r"J[A-Z]{2,3}[0-9]{9,10}|(?:JJD|JVGL)[0-9]{11,24}")
_RE_DHL_ECOM: Final = re.compile(r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)(?=[0-9A-Z]*[0-9])[0-9A-Z]{10,39}")
_RE_PUROLATOR_ALPHA: Final = re.compile(r"[A-Z]{3}[0-9]{9}")
_RE_DPD: Final = re.compile(r"[0-9]{27}[0-9A-Z]|[0-9]{14}[0-9A-Z]")
_OLD_DOMINION_PREFIXES: Final = ("777", "778", "072", "780")


@dataclass(frozen=True, slots=True)
class Hit:
    """One reading of a token: the customer-facing number, its carrier and every key it matches under."""

    number: str
    carrier: str
    fmt: str  # format id (the tracking_number_data id where that data set has one)
    keys: tuple[str, ...]
    strength: int
    note: str | None = None


def _hit(number: str, carrier: str, fmt: str, strength: int = STRONG, *aliases: str, note: str | None = None) -> Hit:
    return Hit(number, carrier, fmt, (number, *aliases), strength, note)


def usps_valid(pic: str) -> bool:
    """A USPS PIC (20, 22 or 26 digits, channel digits included) whose mod-10 check digit is right."""
    return mod10_right3(pic[:-1]) == ord(pic[-1]) - 48


_USPS_FMT: Final = {"1": "usps_legacy", "2": "usps_impb_c", "3": "usps_impb_c", "4": "usps_impb_n", "5": "usps_impb_c"}


def usps_pic(d: str) -> Hit | None:
    """A USPS tracking number: 22/26 digits with its 9[1-5] channel prefix, or a 20-digit form."""
    n = len(d)
    if n in (22, 26) and d[0] == "9" and d[1] in "12345":
        if not usps_valid(d):
            return None
        # IMpb: channel 92 carries a 9-digit mailer id (starts with 9), 93 a 6-digit one (does not).
        if (d[1] == "2" and d[5] != "9") or (d[1] == "3" and d[5] == "9"):
            return None
        fmt = _USPS_FMT[d[1]]
        if n == 22:
            # The same parcel also circulates as the 20 digits without the channel prefix.
            return _hit(d, "usps", fmt, STRONG, d[2:])
        return _hit(d, "usps", fmt)
    if n == 20:
        if usps_valid(d):
            return _hit(d, "usps", "usps_20")
        if usps_valid("91" + d):
            # Legacy 20-digit label number: the check digit covers the implied 91 channel.
            return _hit(d, "usps", "usps_legacy", STRONG, "91" + d)
        if d.startswith("6129") and usps_valid("92" + d):
            # A FedEx Ground Economy (ex-SmartPost: service 612, 9-digit mailer id) IMpb also circulates without
            # its 92. The full PIC is what the carrier's site shows; both are keys because customers type either.
            full = "92" + d
            return _hit(full, "usps", "usps_20_channel_less", STRONG, d, note="20 digits without the 92 channel")
    return None


def _usps_after_420(d: str) -> Hit | None:
    """`420` + ZIP5 or ZIP9 + a USPS PIC, with no separator: the remainder must start 9[1-5] and validate.

    420+ZIP5+26 and 420+ZIP9+22 have the same length; when both remainders validate (1 time in 10) the
    22-digit PIC, by far the commoner, is the number and the other is kept as a key too.
    """
    found: list[Hit] = []
    for zip_len in (9, 5):
        rest = d[3 + zip_len :]
        if len(rest) in (22, 26) and rest[0] == "9":
            hit = usps_pic(rest)
            if hit is not None:
                found.append(hit)
    if not found:
        for zip_len in (5, 9):
            rest = d[3 + zip_len :]
            if len(rest) == 20:
                hit = usps_pic(rest)
                if hit is not None:
                    return hit
        return None
    first = found[0]
    if len(found) == 1:
        return first
    keys = first.keys + found[1].keys
    return Hit(first.number, first.carrier, first.fmt, keys, first.strength, "ZIP+4 or ZIP5 unclear: both kept as keys")


def _fedex12_valid(t: str) -> bool:
    return fedex_check(t[:-1]) == ord(t[-1]) - 48


def _ends(d: str, check: int) -> bool:
    return ord(d[-1]) - 48 == check


def _numeric(d: str) -> Iterator[Hit]:
    n = len(d)
    if d.count("0") == n:
        return  # all zeros passes most check digits and is never a real number
    if n >= 28 and d.startswith("420"):
        hit = _usps_after_420(d)
        if hit is not None:
            yield hit
    if n == 12:
        if _fedex12_valid(d):
            yield _hit(d, "fedex", "fedex_12")
        if d[0] in "012345" and luhn_valid(d):
            yield _hit(d, "purolator", "purolator_numeric")
    elif n == 22:
        hit = usps_pic(d)
        if hit is not None:
            yield hit
        elif d.startswith("96") and _ends(d, mod10_right3(d[7:21])):
            # FedEx Ground "96": the customer's Ground number is the last 15 digits.
            yield _hit(d[7:], "fedex", "fedex_ground_96", STRONG, d, note="FedEx Ground 96 barcode")
    elif n in (20, 26):
        # GS1 AI 00 + SSCC; its check digit is also a USPS 20 one (leading zeros weigh nothing), and no USPS
        # service code is 00, so the SSCC reading comes first.
        if n == 20 and d.startswith("00") and _ends(d, mod10_right3(d[2:19])):
            yield _sscc(d[2:])
        hit = usps_pic(d)
        if hit is not None:
            yield hit
    elif n == 15:
        if _ends(d, mod10_right3(d[:14])):
            yield _hit(d, "fedex", "fedex_ground")
        if iso7064_mod37_36(d[:14]) == d[14]:
            yield _hit(d, "dpd", "dpd_14")
    elif n == 34:
        # The check digit covers the 13 digits before it; the customer's number is the last 12.
        if (d[0] != "9" or d[1] == "6") and _ends(d, fedex_check(d[20:33])):
            fmt = "fedex_ground_gsn" if d[0] == "9" else "fedex_34"
            yield _hit(d[22:], "fedex", fmt, note="FedEx 34-digit barcode")
    elif n == 10:
        if _ends(d, mod7_check(d[:9])):
            yield _hit(d, "dhl", "dhl_express", BARE)
    elif n == 11:
        if d[:3] in _OLD_DOMINION_PREFIXES and luhn_valid(d):
            yield _hit(d, "old_dominion", "old_dominion")
        if d.startswith("80") and luhn_valid(d):
            yield _hit(d, "old_dominion", "old_dominion_guaranteed")
        if _ends(d, mod7_check(d[:10])):
            yield _hit(d, "dhl", "dhl_express", BARE)
    elif n == 16:
        if _ends(d, mod10_right3(d[:15])):
            yield _hit(d, "canada_post", "canada_post")
        if _fedex12_valid(d[:12]):
            note = "FedEx Codabar (tracking number + form code)"
            yield _hit(d[:12], "fedex", "fedex_codabar_16", STRONG, note=note)
    elif n == 18:
        if _ends(d, mod10_right3(d[:17])):
            yield _sscc(d)
    elif n == 32:
        if d[0] == "3" and _fedex12_valid(d[16:28]):
            yield _hit(d[16:28], "fedex", "fedex_astra_32", note="FedEx ASTRA barcode")
    elif n == 14:
        yield _hit(d, "dhl", "dhl_ecommerce_14", BARE)
    elif n == 28 and iso7064_mod37_36(d[:27]) == d[27]:
        yield _hit(d, "dpd", "dpd")


def _sscc(d18: str) -> Hit:
    """An SSCC-18 (GS1 AI 00): the serial shipping container code FedEx Ground tracks for retail labels."""
    note = "SSCC-18 (serial shipping container code)"
    return _hit(d18, "fedex", "fedex_ground_sscc_18", STRONG, "00" + d18, note=note)


def _alpha(s: str) -> Iterator[Hit]:
    n = len(s)
    c0 = s[0]
    if c0 == "1":
        if n == 18 and s[1] == "Z" and _RE_UPS.fullmatch(s) and _ends(s, ups_check(s[2:17])):
            yield _hit(s, "ups", "ups")
        elif s.startswith("1LS"):
            if n == 15 and _RE_LASERSHIP_1LS7.fullmatch(s):
                yield _hit(s, "lasership", "lasership_1ls7", PREFIXED)
            elif n == 17 and _RE_LASERSHIP_1LS7_18.fullmatch(s):
                yield _hit(s, "lasership", "lasership_1ls7_18", PREFIXED)
            elif n == 15 and _RE_LASERSHIP_1LSCX.fullmatch(s):
                yield _hit(s, "lasership", "lasership_1lscx", PREFIXED)
        return
    if n == 13 and _RE_S10.fullmatch(s) and s[11:] in _COUNTRIES and _ends(s[:11], s10_check(s[2:10])):
        yield _hit(s, "s10", "s10")
    if n == 11 and c0 in "AHJKTV" and _RE_UPS_WAYBILL.fullmatch(s) and _ends(s, ups_check(s[1:10])):
        yield _hit(s, "ups", "ups_waybill")
    # OnTrac validates with its numeric prefix (4 for C, 5 for D) in front of the body.
    if n == 15 and c0 in "CD" and _RE_ONTRAC.fullmatch(s) and _ends(s, mod10_left("45"[c0 == "D"] + s[1:14], 1, 2)):
        yield _hit(s, "ontrac", "ontrac_c" if c0 == "C" else "ontrac_d")
    if n == 15 and c0 == "T" and _RE_AMAZON.fullmatch(s):
        yield _hit(s, "amazon", "amazon_logistics", PREFIXED)
    if c0 == "L":
        if n == 10 and _RE_LASERSHIP_L.fullmatch(s):
            yield _hit(s, "lasership", "lasership_lx", PREFIXED)
        if n == 13 and _RE_LANDMARK.fullmatch(s):
            yield _hit(s, "landmark", "landmark_global", PREFIXED)
    if c0 == "J":
        if _RE_YODEL.fullmatch(s):
            yield _hit(s, "yodel", "yodel", PREFIXED)
        elif _RE_DHL_PIECE.fullmatch(s):
            yield _hit(s, "dhl", "dhl_express_piece_id", PREFIXED, note="DHL Express piece ID")
    if n == 18 and c0 == "G" and _RE_GOFO.fullmatch(s):
        yield _hit(s, "gofo", "gofo_us", PREFIXED)
    if n == 18 and c0 == "Y" and _RE_YUN.fullmatch(s):
        yield _hit(s, "yunexpress", "yunexpress", PREFIXED)
    if n == 20 and c0 == "S" and _RE_SPEEDEE.fullmatch(s):
        yield _hit(s, "speedee", "speedee", PREFIXED)
    if n >= 12 and _RE_DHL_ECOM.fullmatch(s):
        note = "DHL eCommerce package id (the USPS number on the label is another key)"
        yield _hit(s, "dhl", "dhl_ecommerce", PREFIXED, note=note)
    if n == 22 and _RE_CANPAR.fullmatch(s):
        yield _hit(s, "canpar", "canpar_22", BARE)
    if n == 11 and c0 in "AFC" and _RE_AMAZON_INTL.fullmatch(s):
        yield _hit(s, "amazon", "amazon_international", BARE)
    if n == 12 and _RE_PUROLATOR_ALPHA.fullmatch(s):
        yield _hit(s, "purolator", "purolator_alpha", BARE)
    if n in (15, 28) and _RE_DPD.fullmatch(s) and iso7064_mod37_36(s[:-1]) == s[-1]:
        yield _hit(s, "dpd", "dpd" if n == 28 else "dpd_14")


def readings(token: str) -> Iterator[Hit]:
    """Every reading of a clean token (upper-case ASCII letters and digits), the most likely first."""
    if 10 <= len(token) <= 41:
        if token.isdigit():
            yield from _numeric(token)
        else:
            yield from _alpha(token)


def identify(token: str) -> Hit | None:
    """The most likely reading of a clean token, or None when it is no known tracking number."""
    return next(readings(token), None)


def routing_note(d: str) -> str | None:
    """When digits are a ship-to postal barcode alone (`420`+ZIP5/ZIP9), say so; else None."""
    if d.startswith("420") and len(d) in (8, 12) and d.isdigit():
        return NOTE_ROUTING
    return None
