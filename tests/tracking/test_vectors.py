"""Cross-check against the public jkeen/tracking_number_data vectors in ../shared (read in place, never copied)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanstation.tracking import parse_scan, parse_typed
from scanstation.tracking.formats import readings

# Policy for the vectors:
# * current definitions: every valid vector is recognised (typed with its spaces, and scanned without them,
#   to the same keys) and one of its readings is that very format; its carrier is the definition's courier,
#   except where an equally valid reading of a commoner format shadows it (a 12-digit Purolator number that
#   also passes the FedEx check; a Purolator "3 letters + 9 digits" that is also a DHL piece id): the keys are
#   the same, only the carrier label differs. No invalid vector is accepted as its own format (it may be a
#   valid number of another format: "000000000000000" is not Amazon, but any string is checked per format).
# * "removed_in_v2.0.0" definitions (FedEx SmartPost, DHL eCommerce 30, USPS 22/34v2/91): their numbers now
#   decode as USPS IMpb, so every valid one must be recognised as USPS; an invalid one must not be accepted as
#   a USPS format unless a current definition lists the same string as valid. (The 20-digit channel-less
#   Ground Economy form, tracking-formats.md §2, is our own extra format and is allowed to read it.)

VECTORS = Path(__file__).parents[2].parent / "shared" / "data" / "tracking-vectors" / "vectors.json"

# Definitions the data set leaves without an id, named by us.
_UNNAMED = {
    "LaserShip 1LS7 (18)": "lasership_1ls7_18",
    "Old Dominion": "old_dominion",
    "Old Dominion Guaranteed Shipment": "old_dominion_guaranteed",
    "UPS Waybill": "ups_waybill",
}
# (format of the vector, commoner format whose reading comes first for the same string)
_SHADOWED = {("purolator_numeric", "fedex_12"), ("purolator_alpha", "dhl_express_piece_id")}
_USPS_FORMATS = {"usps_20", "usps_legacy", "usps_impb_c", "usps_impb_n"}


def _load() -> list[dict[str, Any]]:
    if not VECTORS.exists():
        return []
    data: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


_DEFINITIONS = _load()
needs_vectors = pytest.mark.skipif(not _DEFINITIONS, reason=f"public test vectors not found at {VECTORS}")


def _fmt(definition: dict[str, Any]) -> str:
    return str(definition["id"] or _UNNAMED[definition["name"]])


def _clean(vector: str) -> str:
    return "".join(c for c in vector.upper() if c.isalnum())


def _cases(kind: str, current: bool) -> list[Any]:
    return [
        pytest.param(d, v, id=f"{_fmt(d)}:{v.strip()}")
        for d in _DEFINITIONS
        if (d["status"] == "current") == current
        for v in d[kind]
    ]


_CURRENT_VALID = {_clean(v) for d in _DEFINITIONS if d["status"] == "current" for v in d["valid"]}


@needs_vectors
@pytest.mark.parametrize(("definition", "vector"), _cases("valid", current=True))
def test_current_valid_vector_is_recognised(definition: dict[str, Any], vector: str) -> None:
    fmt = _fmt(definition)
    typed = parse_typed(vector)
    scanned = parse_scan(_clean(vector))
    assert typed.keys, typed
    assert scanned.keys == typed.keys, (scanned, typed)
    found = list(readings(_clean(vector)))
    assert fmt in {h.fmt for h in found}, found
    if typed.carrier != definition["courier_code"]:
        assert (fmt, found[0].fmt) in _SHADOWED, (typed, found)
        assert found[0].keys == next(h for h in found if h.fmt == fmt).keys


@needs_vectors
@pytest.mark.parametrize(("definition", "vector"), _cases("invalid", current=True))
def test_current_invalid_vector_is_not_accepted_as_its_own_format(definition: dict[str, Any], vector: str) -> None:
    fmt = _fmt(definition)
    found = list(readings(_clean(vector)))
    assert fmt not in {h.fmt for h in found}, found
    if not found:
        assert parse_typed(vector).carrier != definition["courier_code"] or parse_typed(vector).note


@needs_vectors
@pytest.mark.parametrize(("definition", "vector"), _cases("valid", current=False))
def test_removed_format_valid_vector_reads_as_usps(definition: dict[str, Any], vector: str) -> None:
    typed = parse_typed(vector)
    scanned = parse_scan(_clean(vector))
    assert typed.carrier == "usps", typed
    assert scanned.carrier == "usps", scanned
    assert scanned.keys & typed.keys


@needs_vectors
@pytest.mark.parametrize(("definition", "vector"), _cases("invalid", current=False))
def test_removed_format_invalid_vector_is_not_accepted_as_usps(definition: dict[str, Any], vector: str) -> None:
    if _clean(vector) in _CURRENT_VALID:
        pytest.skip("a current definition lists this string as valid")
    found = list(readings(_clean(vector)))
    assert not (_USPS_FORMATS & {h.fmt for h in found}), found


@needs_vectors
def test_the_vectors_cover_what_we_claim() -> None:
    # Guard against a silently shrunken file: the snapshot described in tracking-formats.md.
    current = [d for d in _DEFINITIONS if d["status"] == "current"]
    assert len(current) >= 38
    assert sum(len(d["valid"]) for d in current) >= 150
