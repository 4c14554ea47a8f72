"""Turn what a scanner sent, or what a person typed, into the tracking number and its match keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from scanstation.tracking.formats import (
    NOTE_ROUTING,
    NOTE_ROUTING_421,
    PREFIXED,
    STRONG,
    Hit,
    identify,
    readings,
)

__all__ = ["CYRILLIC_LOOKALIKES", "ParsedScan", "parse_scan", "parse_typed", "registration_keys"]

GS: Final = "\x1d"
RS: Final = "\x1e"
EOT: Final = "\x04"

NOTE_EMPTY = "empty scan"
NOTE_NOTHING = "no tracking number recognised"
NOTE_UNREADABLE = "could not read this input"
NOTE_TYPED_UNKNOWN = "not a known tracking-number format; kept as typed"

# Framing a scanner adds around the data: NUL, STX/ETX (serial mode), EOT, CR/LF/TAB suffixes, spaces.
# Deliberately not str.strip(): Python counts GS/RS/FS/US as whitespace and would eat FNC1 separators.
_FRAMING: Final = "\x00\x02\x03\x04\r\n\t\x0b\x0c \u00a0"
# Textual stand-ins for FNC1 that scanners are commonly programmed to send (never part of a tracking number).
_DEFAULT_FNC1_SUBSTITUTES: Final = ("<GS>", "<gs>", "^]", "|")
# Caret and bracket spellings of RS and EOT that keyboard-wedge set-ups send for an ISO 15434 envelope.
_ENVELOPE_SPELLINGS: Final = (("<RS>", RS), ("<rs>", RS), ("^^", RS), ("<EOT>", EOT), ("<eot>", EOT), ("^D", EOT))
NOTE_PRODUCT = "product barcode (EAN/UPC/ITF-14 or GTIN), not a tracking number"
_ZERO_WIDTH: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CODABAR_ENDS: Final = frozenset("ABCDETN*abcdetn")
# Separators a customer or clerk puts inside one number.
_DROP_INSIDE: Final = dict.fromkeys(map(ord, " -.\t_"), None)
_MAX_RUN: Final = 41  # longest token a format can have
# Letters-only pieces of a number are short (TBA, GFUS, LX, JVGL, a DPD check letter); longer words are comments.
_MAX_LETTER_GROUP: Final = 4
# How many leading letters a format without a check digit has (a typed word may only be those letters).
# Formats whose body after the prefix holds letters as well as digits.
_LETTER_BODY: Final = frozenset({"lasership_1lscx"})
_LETTER_PREFIX: Final = {
    "amazon_logistics": 3,
    "amazon_international": 1,
    "canpar_22": 1,
    "dhl_ecommerce": 2,
    "dhl_express_piece_id": 4,
    "gofo_us": 4,
    "landmark_global": 3,
    "lasership_lx": 2,
    "purolator_alpha": 3,
    "speedee": 2,
    "yodel": 3,
    "yunexpress": 2,
}
# Barcode-only forms nobody types: in typed text a 16-digit run is not a FedEx Codabar.
_SCAN_ONLY: Final = frozenset({"fedex_codabar_16"})
_MAX_TYPED: Final = 4_000  # a tracking field is short; past this it is pasted text, read no further

_RE_GROUP: Final = re.compile(r"[A-Z0-9]+")
_RE_CHUNK_SPLIT: Final = re.compile(r"[,;/|&+\n\r\x0b\x0c\x1c-\x1e]+|\b(?:AND|OR|ALSO)\b")
# MaxiCode whose GS/RS were lost by a keyboard wedge: class(3) + 1Z field(10) + "UPSN" + shipper(6).
_RE_MAXICODE_GLUED: Final = re.compile(r"([0-9]{3})(1Z[0-9A-Z]{8})UPSN([0-9A-Z]{6})")
_RE_FEDEX_PDF417_GLUED: Final = re.compile(r"([0-9]{12})[0-9]{4}FDEG?")
_TYPO_DIGITS: Final = str.maketrans("OIL", "011")
# Customers on a Russian keyboard layout type Cyrillic look-alikes of Latin capitals (ТВА, С1..., LХ...).
CYRILLIC_LOOKALIKES: Final = str.maketrans("АВЕКМНОРСТХУ", "ABEKMHOPCTXY")
# Input that a scanner produced: GS1/ISO 15434 separators, an AIM identifier at the start, an envelope.
_RE_SCANNER_LIKE: Final = re.compile(r"[\x1d\x1e\x04]|^[\x02\s]*\][A-Za-z]|\[\)>")


@dataclass(frozen=True, slots=True)
class ParsedScan:
    """What one scan or typed field says: every match key, and the customer-facing tracking number."""

    raw: str
    keys: frozenset[str]  # every match key found; empty when none. Upper-case ASCII alphanumerics only.
    tracking_number: str | None  # what the customer sees on the carrier's site
    carrier: str | None  # lower-case code: usps, ups, fedex, amazon, dhl, ontrac, lasership, s10, ...
    symbology: str | None  # AIM identifier when one was sent, e.g. "]C1"
    note: str | None = None  # human words when useful


def _result(raw: str, hits: list[Hit], symbology: str | None, note: str | None) -> ParsedScan:
    if not hits:
        return ParsedScan(raw, frozenset(), None, None, symbology, note)
    first = hits[0]
    keys = frozenset(k for h in hits for k in h.keys)
    return ParsedScan(raw, keys, first.number, first.carrier or None, symbology, first.note if note is None else note)


def _normalise(text: str) -> str:
    """NFKC (full-width digits, no-break spaces) and no zero-width characters; ASCII passes untouched."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)


def _clean_token(text: str) -> str | None:
    """Upper-case ASCII letters and digits of a one-piece payload, or None when other characters remain."""
    token = text.upper().translate(_DROP_INSIDE)
    if token.isascii() and token.isalnum():
        return token
    return None


# ----------------------------------------------------------------------------------------------- scans


def parse_scan(raw: str, *, fnc1_substitutes: Iterable[str] = ()) -> ParsedScan:
    """Read one scanner transmission (framing, AIM identifier and separators included). Never raises."""
    try:
        return _parse_scan(raw, tuple(fnc1_substitutes))
    except Exception:  # a scan must always get a verdict; the tests call _parse_scan directly
        return ParsedScan(raw if isinstance(raw, str) else repr(raw), frozenset(), None, None, None, NOTE_UNREADABLE)


def _parse_scan(raw: str, substitutes: tuple[str, ...]) -> ParsedScan:
    text = _normalise(raw).strip(_FRAMING)
    for sub in substitutes + _DEFAULT_FNC1_SUBSTITUTES:
        if sub and sub in text:
            text = text.replace(sub, GS)
    symbology: str | None = None
    if len(text) >= 3 and text[0] == "]" and text[1].isalpha() and text[1].isascii():
        # AIM symbology identifier: "]" + code letter + modifier character.
        symbology = text[:3]
        text = text[3:]
    text = text.strip(_FRAMING + GS)
    if not text:
        return ParsedScan(raw, frozenset(), None, None, symbology, NOTE_EMPTY)
    if symbology is not None and symbology[1] in "EI":
        # EAN/UPC (]E) and ITF (]I, ITF-14 on cartons) are product codes; no carrier uses them for tracking.
        return ParsedScan(raw, frozenset(), None, None, symbology, NOTE_PRODUCT)
    envelope_at = text.find("[)>")
    if envelope_at >= 0:
        for spelling, char in _ENVELOPE_SPELLINGS:
            if spelling in text:
                text = text.replace(spelling, char)
        envelope_at = text.find("[)>")
        # Some decoders send MaxiCode's primary message (postal code, country, class) before the envelope.
        primary = text[:envelope_at].split(GS)
        hits = _envelope(text[envelope_at:], primary[2] if len(primary) >= 3 else "")
        return _result(raw, hits, symbology, None if hits else NOTE_NOTHING)
    if GS in text:
        hits, note = _gs1(text.split(GS))
        return _result(raw, hits, symbology, note)
    token = _clean_token(text)
    if token is None:
        codabar = _codabar(text)
        return _result(raw, codabar, symbology, None if codabar else NOTE_NOTHING)
    if symbology is not None and symbology[1] == "F":
        hits = _codabar_digits(token)
        if hits:
            return _result(raw, hits, symbology, None)
    hits, note = _payload(token)
    if not hits and note is None:
        hits = _codabar(token)
        if not hits and len(token) > 10 and token[0].isalpha():
            # Some scanners put a one-letter vendor code id (Symbol: D, K, ...) in front of the data.
            hit = identify(token[1:])
            if hit is not None and hit.strength == STRONG:
                hits = [hit]
    return _result(raw, hits, symbology, note if note is not None or hits else NOTE_NOTHING)


def _payload(token: str) -> tuple[list[Hit], str | None]:
    """A one-piece payload (no separators): a tracking number, or a routing barcode, or nothing."""
    if token.startswith("420") and token.isdigit():
        if len(token) in (8, 12):
            return [], NOTE_ROUTING
        hit = identify(token)
        if hit is None:
            hit = _after_routing(token, 3, (5, 9))
        return ([hit] if hit is not None else []), None
    hit = identify(token)
    if hit is None and token.startswith("421") and token[3:6].isdigit():
        hit = _after_routing(token, 6, range(9, 2, -1))
        if hit is None and len(token) <= 15:
            return [], NOTE_ROUTING_421
    return ([hit] if hit is not None else []), None


def _after_routing(token: str, head: int, postal_lengths: Iterable[int]) -> Hit | None:
    """`420`+ZIP or `421`+country+postal glued to a tracking number (separator lost): a checked number after it.

    Only a number with letters (1Z..., S10) is trusted here: an all-digit remainder, cut at a guessed ZIP length,
    passes some check digit too often. USPS PICs after 420 are read by the formats themselves.
    """
    for length in postal_lengths:
        rest = token[head + length :]
        if rest.isdigit():
            continue
        hit = identify(rest)
        if hit is not None and hit.strength == STRONG:
            return hit
    return None


def _gs1(elements: list[str]) -> tuple[list[Hit], str | None]:
    """GS1 element strings split at GS: routing (420/421) elements carry no number, the rest may."""
    hits: list[Hit] = []
    routing: str | None = None
    for element in elements:
        token = _clean_token(element)
        if not token:
            continue
        if token.isdigit() and token.startswith("420") and len(token) in (8, 12):
            routing = NOTE_ROUTING
            continue
        if token.startswith("421") and len(token) <= 15 and token[3:6].isdigit():
            routing = NOTE_ROUTING_421
            continue
        if token[:2] in ("01", "02") and len(token) >= 16 and token[:16].isdigit():
            routing = routing or NOTE_PRODUCT  # AI 01/02: a GTIN, the product in the box
            continue
        if token.startswith("00") and len(token) == 20 and token.isdigit():
            # AI 00: an SSCC; the 18 digits after the AI are the number.
            hit = identify(token[2:])
            found = [hit] if hit is not None else []
        else:
            found, _ = _payload(token)
            if not found and routing == NOTE_ROUTING:
                found = _impb_unchecked(token)
        hits.extend(h for h in found if h not in hits)
    if hits:
        return hits, None
    return hits, routing or NOTE_NOTHING


def _impb_unchecked(token: str) -> list[Hit]:
    """A PIC whose structure alone says IMpb (after 420+ZIP and a separator), even with a wrong check digit.

    A label printer's bug leaves the check digit wrong; the customer still sees and types those digits.
    """
    if len(token) in (22, 26) and token.isdigit() and token[0] == "9" and token[1] in "12345":
        note = "USPS IMpb whose check digit does not match (accepted: the barcode structure says IMpb)"
        return [Hit(token, "usps", "usps_impb_unchecked", (token,), STRONG, note)]
    return []


def _codabar(text: str) -> list[Hit]:
    """Codabar sent with its start/stop characters (a..d): a legacy FedEx label, 12 digits + form code."""
    if len(text) >= 12 and text[0] in _CODABAR_ENDS and text[-1] in _CODABAR_ENDS:
        inner = text[1:-1]
        if inner.isascii() and inner.isdigit():
            return _codabar_digits(inner)
    return []


def _codabar_digits(digits: str) -> list[Hit]:
    hits = list(readings(digits))
    for hit in hits:
        if hit.fmt == "fedex_codabar_16":
            return [hit]
    return hits[:1]


def _envelope(text: str, primary_class: str = "") -> list[Hit]:
    """ISO 15434 envelope (`[)>` RS 01 GS ...): UPS MaxiCode and FedEx PDF417 label data."""
    hits: list[Hit] = []
    loose: list[str] = []  # other long fields, read only when no field is named
    for segment in text[3:].split(RS):
        fields = segment.strip(_FRAMING).split(GS)
        for i, field in enumerate(fields):
            name = field.strip(_FRAMING).upper()
            hit: Hit | None = None
            if name in ("UPSN", "UPS") and i >= 2:
                service_class = fields[i - 2] if len(fields[i - 2]) == 3 or not primary_class else primary_class
                hit = _maxicode(service_class, fields[i - 1], fields[i + 1] if i + 1 < len(fields) else "")
            elif name in ("FDE", "FDEG", "FDX", "FXG") and i >= 1:
                # FedEx: the field before the operating company is the 12-digit number + a 4-digit form code.
                token = _clean_token(fields[i - 1]) or ""
                hit = identify(token[:12]) if len(token) >= 12 else None
            elif name.startswith("31Z"):
                hit = identify(_clean_token(name[3:]) or "")  # 31Z + the 34-digit 1D barcode's data
            elif len(name) >= 12:
                loose.append(name)
            if hit is not None and hit not in hits:
                hits.append(hit)
    if hits:
        return hits
    for name in loose:
        hit = identify(_clean_token(name) or "")
        if hit is not None and hit.strength == STRONG and hit not in hits:
            hits.append(hit)
    if hits:
        return hits
    glued = text.upper()
    match = _RE_MAXICODE_GLUED.search(glued)
    if match:
        hit = _maxicode(match[1], match[2], match[3])
        if hit is not None:
            hits.append(hit)
    match = _RE_FEDEX_PDF417_GLUED.search(glued)
    if match:
        hit = identify(match[1])
        if hit is not None:
            hits.append(hit)
    return hits


def _maxicode(service_class: str, field: str, shipper: str) -> Hit | None:
    """UPS MaxiCode: 1Z + shipper(6) + service (class without its leading 0) + the field after its 1Z."""
    field = _clean_token(field) or ""
    if len(field) == 18:
        return identify(field)
    shipper = _clean_token(shipper) or ""
    service = _clean_token(service_class) or ""
    if len(field) != 10 or not field.startswith("1Z") or len(shipper) != 6 or len(service) < 2:
        return None
    hit = identify("1Z" + shipper + service[-2:] + field[2:])
    if hit is None or hit.carrier != "ups":
        return None
    return Hit(hit.number, hit.carrier, "ups_maxicode", hit.keys, hit.strength, "UPS MaxiCode")


# ----------------------------------------------------------------------------------------------- typed


def parse_typed(typed: str) -> ParsedScan:
    """Read what a person typed: spaces, dashes, lower case, comments, several numbers. Never raises."""
    try:
        return _parse_typed(typed)
    except Exception:  # same contract as parse_scan; the tests call _parse_typed directly
        return ParsedScan(
            typed if isinstance(typed, str) else repr(typed), frozenset(), None, None, None, NOTE_UNREADABLE
        )


def registration_keys(typed: str) -> frozenset[str]:
    """The match keys of a registration's typed tracking field (== parse_typed(typed).keys)."""
    return parse_typed(typed).keys


def _parse_typed(typed: str) -> ParsedScan:
    head = typed[:_MAX_TYPED]
    if _RE_SCANNER_LIKE.search(head):
        # A scanner typed into the form (keyboard wedge): read it as the scan it is.
        scanned = _parse_scan(head, ())
        if scanned.keys:
            return ParsedScan(typed, scanned.keys, scanned.tracking_number, scanned.carrier, None, scanned.note)
    text = _normalise(head).upper().translate(CYRILLIC_LOOKALIKES)
    token = text.translate(_DROP_INSIDE).strip(_FRAMING)
    if token.isascii() and token.isalnum():
        # The common case: one number, maybe with spaces or dashes. Without a check digit to confirm
        # it, a reading of words glued together ("my parcel C1...") is not trusted: see _chunk_hits.
        hit = identify(token)
        if hit is not None and (hit.strength == STRONG or _plain(text, hit)):
            return _result(typed, [hit], None, None)
    hits: list[Hit] = []
    fallback: list[Hit] = []
    for chunk in _RE_CHUNK_SPLIT.split(text):
        groups = _RE_GROUP.findall(chunk)
        if not groups:
            continue
        found = _chunk_hits(groups, typo=False) or _chunk_hits(groups, typo=True)
        if found:
            hits.extend(h for h in found if h not in hits)
        else:
            unknown = _as_typed(groups)
            if unknown is not None:
                fallback.append(unknown)
    # Known numbers first (the first one is "the" number); a chunk in no known format still keeps its key.
    hits += fallback
    if len(hits) > 1:
        numbers = ", ".join(h.number for h in hits)
        return _result(typed, hits, None, f"{len(hits)} numbers typed: {numbers}")
    if hits:
        return _result(typed, hits, None, None)
    return ParsedScan(typed, frozenset(), None, None, None, NOTE_NOTHING if text.strip(_FRAMING) else NOTE_EMPTY)


def _plain(text: str, hit: Hit) -> bool:
    """Text that is only the number: every group carries digits, except a leading group of its own letters.

    A format whose body is letters as well as digits (LaserShip's `1LSCX VE005 BUEFX`, printed in groups of
    five) may have a group of letters only anywhere after its prefix: the whole text still matched the format.
    """
    groups = _RE_GROUP.findall(text)
    first = groups[0] if groups else ""
    if not _has_digit(first) and len(groups) > 1 and not _own_letters(first, hit.fmt):
        return False
    if hit.fmt in _LETTER_BODY and _has_digit(first):
        return True
    return all(_has_digit(g) for g in groups[1:])


def _own_letters(word: str, fmt: str) -> bool:
    """Whether a letters-only word typed apart can be the format's own letter prefix ("TBA 1234 ...").

    DHL eCommerce's prefixes include English words (IN, MY, TH): only its usual GM counts when typed apart.
    """
    if fmt == "dhl_ecommerce":
        return word == "GM"
    return len(word) <= _LETTER_PREFIX.get(fmt, 0)


def _chunk_hits(groups: list[str], *, typo: bool) -> list[Hit]:
    """Numbers in one comma-separated chunk, found as runs of whole groups (see _take).

    A run never splits a block of adjacent digit-bearing groups ("9400 1118 ... 45" is one number or none),
    unless the block then divides into known numbers ("1Z... 9400..."), or its numbers were each typed as one
    solid group ("1Z... 2 boxes"), or what is left over is a count before a word ("9400 ... 87 2 boxes").
    """
    if typo:
        groups = [g.translate(_TYPO_DIGITS) if _has_digit(g) else g for g in groups]
    has_digit = [_has_digit(g) for g in groups]
    if not any(has_digit):
        return []
    n = len(groups)
    first_digit = has_digit.index(True)
    last_digit = n - 1 - has_digit[::-1].index(True)
    used = [False] * n
    found: list[tuple[int, int, Hit]] = []
    if not typo:
        # A number typed as one solid group is that number, whatever short digits follow ("1Z... 2 boxes").
        for i, group in enumerate(groups):
            if len(group) >= 10 and has_digit[i]:
                hit = next((h for h in readings(group) if h.strength >= PREFIXED and h.fmt not in _SCAN_ONLY), None)
                if hit is not None:
                    found.append((i, i, hit))
                    used[i] = True
    _take(groups, has_digit, 0, n, used, found, typo=typo, split=False, whole=(first_digit, last_digit))
    i = 0
    while i < n:
        if not has_digit[i] or used[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and has_digit[j + 1]:
            j += 1
        trial_used = used[:]
        trial: list[tuple[int, int, Hit]] = []
        _take(groups, has_digit, i, j + 1, trial_used, trial, typo=typo, split=True, whole=(i, j))
        if trial and (
            all(trial_used[i : j + 1])
            or all(start == end for start, end, _ in trial)
            or all(trial_used[k] or _counted(groups, has_digit, k) for k in range(i, j + 1))
        ):
            used = trial_used
            found.extend(trial)
        i = j + 1
    found.sort(key=lambda item: item[0])
    return [hit for _, _, hit in found]


def _counted(groups: list[str], has_digit: list[bool], k: int) -> bool:
    """A short count before a word ("2 boxes", "3 pcs"): a comment, not the tail of a number."""
    return len(groups[k]) <= 3 and k + 1 < len(groups) and not has_digit[k + 1]


def _has_digit(group: str) -> bool:
    return any(c.isdigit() for c in group)


def _take(
    groups: list[str],
    has_digit: list[bool],
    lo: int,
    hi: int,
    used: list[bool],
    found: list[tuple[int, int, Hit]],
    *,
    typo: bool,
    split: bool,
    whole: tuple[int, int],
) -> None:
    """Accept the runs of groups[lo:hi] that read as numbers: checked formats first, then longest first.

    A format without a check digit is taken only when its run holds every digit-bearing group of the chunk,
    or (with a letter prefix) stands on its own; a run that starts with a comment-like word is not glued to it.
    """
    candidates: list[tuple[int, int, int, int, Hit]] = []  # (-strength, -length, start, end, hit)
    for i in range(lo, hi):
        if not split and has_digit[i] and i > 0 and has_digit[i - 1]:
            continue  # would start inside a digit block
        length = 0
        for j in range(i, hi):
            if not has_digit[j] and len(groups[j]) > _MAX_LETTER_GROUP:
                break  # a word like TRACKING or SHOES is a comment, never part of a number
            length += len(groups[j])
            if length > _MAX_RUN:
                break
            if length < 10 or not (split or not has_digit[j] or j + 1 >= len(groups) or not has_digit[j + 1]):
                continue
            hit = _allowed(groups, has_digit, i, j, typo=typo, split=split, whole=whole)
            if hit is not None:
                candidates.append((-_rank(hit, groups, has_digit, i, j), -length, i, j, hit))
    candidates.sort(key=lambda c: c[:4])
    for _, _, i, j, hit in candidates:
        if any(used[i : j + 1]):
            continue
        found.append((i, j, hit))
        for k in range(i, j + 1):
            used[k] = True


def _rank(hit: Hit, groups: list[str], has_digit: list[bool], i: int, j: int) -> int:
    """How sure a run's reading is: a check digit, or a letter prefix typed apart ("TBA 778 ..."), beats the rest.

    DHL eCommerce's prefixes are English words (IN, MY, TH), so for it only a solid token counts.
    """
    if hit.strength == STRONG:
        return 2
    if hit.strength == PREFIXED:
        if i == j:
            return 2
        if not has_digit[i] and _own_letters(groups[i], hit.fmt):
            return 2
        return 1
    return 0


def _allowed(
    groups: list[str], has_digit: list[bool], i: int, j: int, *, typo: bool, split: bool, whole: tuple[int, int]
) -> Hit | None:
    token = "".join(groups[i : j + 1])
    covers_all = i <= whole[0] and j >= whole[1]
    glued_word = j > i and not has_digit[i]
    for hit in readings(token):
        if hit.fmt in _SCAN_ONLY:
            continue
        if typo and hit.strength != STRONG:
            continue
        if split and hit.strength != STRONG and (i != j or hit.strength < PREFIXED):
            continue  # inside a digit block only a checked number, or a solid prefixed token, stands alone
        if glued_word and hit.strength != STRONG and not _own_letters(groups[i], hit.fmt):
            continue  # "THE TBA..." is not DHL eCommerce "THETBA...": the word must be the format's own letters
        if hit.strength >= PREFIXED or covers_all:
            return hit
    return None


def _as_typed(groups: list[str]) -> Hit | None:
    """A chunk with no known number: keep its digit-bearing span as typed, so the same typing matches."""
    has_digit = [any(c.isdigit() for c in g) for g in groups]
    if not any(has_digit):
        return None
    if all(d or len(g) <= _MAX_LETTER_GROUP for g, d in zip(groups, has_digit, strict=True)):
        token = "".join(groups)  # looks like one identifier: keep all of it
    else:
        first = has_digit.index(True)
        last = len(has_digit) - 1 - has_digit[::-1].index(True)
        token = "".join(groups[first : last + 1])
    digits = sum(c.isdigit() for c in token)
    if not 8 <= len(token) <= _MAX_RUN or digits < 6:
        return None
    impb = _impb_unchecked(token)
    if impb:
        return impb[0]
    return Hit(token, "", "unknown", (token,), 0, NOTE_TYPED_UNKNOWN)
