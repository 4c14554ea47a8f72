"""Property tests: parsing never raises, for any string, and keys are always upper-case ASCII alphanumerics."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanstation.tracking import ParsedScan, parse_scan, parse_typed, registration_keys
from scanstation.tracking.parsing import NOTE_UNREADABLE, _parse_scan, _parse_typed

# The public functions have a last-resort guard that turns an internal error into "could not read"; these tests
# call the unguarded internals, so a bug cannot hide behind that guard.

# Every code point, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, categories=None)
ANY_TEXT = st.text(ANY_CHAR, max_size=300)
# Pieces that steer into the deeper branches: AIM ids, separators, envelopes, routing, prefixes, digits.
FRAGMENTS = st.sampled_from(
    [
        "]C1",
        "]C0",
        "]F0",
        "]U0",
        "]L2",
        "\x1d",
        "\x1e",
        "\x04",
        "\r",
        "\n",
        "\x02",
        "\x03",
        "[)>",
        "01",
        "96",
        "420",
        "421",
        "00",
        "92",
        "94",
        "1Z",
        "UPSN",
        "FDE",
        "31Z",
        "TBA",
        "GM",
        "LX",
        "JJD",
        "C",
        "D",
        "d",
        "b",
        "|",
        "<GS>",
        "^]",
        " ",
        "-",
        ",",
        "and",
        "0",
        "9",
        "12345",
        "78745",
        "0000000000",
        "9999999999",
        "\u200b",
        "\uff11",
        "\ud800",
        "O",
        "I",
        "L",
        "tracking:",
    ]
)
STEERED = st.lists(st.one_of(FRAGMENTS, st.text(ANY_CHAR, max_size=5)), max_size=40).map("".join)


def _keys_ok(parsed: ParsedScan) -> None:
    assert isinstance(parsed.keys, frozenset)
    for key in parsed.keys:
        assert key
        assert key.isascii()
        assert key.isalnum()
        assert key == key.upper()
    assert (parsed.tracking_number is None) == (not parsed.keys)
    if parsed.tracking_number is not None:
        assert parsed.tracking_number in parsed.keys
    assert parsed.carrier is None or (parsed.carrier.islower() and parsed.carrier.isascii())


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANY_TEXT, STEERED))
def test_parse_scan_never_raises_and_keys_are_clean(raw: str) -> None:
    parsed = _parse_scan(raw, ())
    _keys_ok(parsed)
    assert parsed.raw == raw
    assert parse_scan(raw) == parsed


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANY_TEXT, STEERED), st.lists(st.text(ANY_CHAR, max_size=3), max_size=3))
def test_parse_scan_with_any_fnc1_substitutes(raw: str, substitutes: list[str]) -> None:
    _keys_ok(_parse_scan(raw, tuple(substitutes)))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(ANY_TEXT, STEERED))
def test_parse_typed_never_raises_and_keys_are_clean(typed: str) -> None:
    parsed = _parse_typed(typed)
    _keys_ok(parsed)
    assert parsed.symbology is None
    assert registration_keys(typed) == parsed.keys


@settings(max_examples=30, deadline=None)
@given(ANY_CHAR, st.sampled_from([1, 7, 1000]))
def test_100000_characters(char: str, chunk: int) -> None:
    text = (char * chunk + "1Z999AA10123456784 ")[:100_000] * (100_000 // (chunk + 19) + 1)
    text = text[:100_000]
    for parsed in (_parse_scan(text, ()), _parse_typed(text)):
        _keys_ok(parsed)
        assert parsed.note != NOTE_UNREADABLE


def test_100000_characters_of_digits_and_separators_stay_fast() -> None:
    for text in ("1" * 100_000, "1 " * 50_000, "1Z," * 33_333, "\x1d" * 100_000, "]C1" + "420" * 33_332):
        start = time.perf_counter()
        _keys_ok(_parse_scan(text, ()))
        _keys_ok(_parse_typed(text))
        # generous: a pathological (quadratic) parse would take minutes, not seconds
        assert time.perf_counter() - start < 10


def test_lone_surrogates_and_non_strings_never_raise() -> None:
    for raw in ("\ud800", "1Z999AA1\udc800123456784", "\udfff" * 10):
        _keys_ok(parse_scan(raw))
        _keys_ok(parse_typed(raw))
    # the guard: a wrong type from a careless caller still gets a verdict, not an exception
    assert parse_scan(None).keys == frozenset()  # type: ignore[arg-type]
    assert parse_typed(b"1Z999AA10123456784").keys == frozenset()  # type: ignore[arg-type]
