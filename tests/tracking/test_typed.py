"""parse_typed / registration_keys: how people type numbers, and scans meeting what was typed."""

from __future__ import annotations

import pytest

from scanstation.tracking import parse_scan, parse_typed, registration_keys
from tests.tracking.conftest import dhl10, fedex12, fedex15, ontrac, s10, sscc, ups, usps

GS = "\x1d"
RS = "\x1e"
EOT = "\x04"

PIC22 = usps("940011120620640626078")
PIC26 = usps("9205590123456789012345678")
FEDEX12 = fedex12("77901797269")
FEDEX15 = fedex15("98765431234567")
UPS = ups("999AA1012345678")
DHL = dhl10("331881002")


@pytest.mark.parametrize(
    "typed",
    [
        UPS,
        UPS.lower(),
        "1Z 999 AA1 012 345 678 4",
        "1z-999aa1-0123-4567-84",
        f"{UPS} (shoes)",
        f"tracking: {UPS}",
        f"Tracking #{UPS}",
        f"UPS {UPS.lower()} - sweater",
        f"  {UPS}\t",
        f"{UPS} 2 boxes",
        f"the {UPS}",
        f"{UPS}.",
    ],
)
def test_ups_typed_in_every_usual_way(typed: str) -> None:
    parsed = parse_typed(typed)
    assert parsed.tracking_number == UPS
    assert parsed.carrier == "ups"
    assert parsed.keys == {UPS}
    assert parsed.symbology is None


def test_usps_grouped_in_fours() -> None:
    spaced = " ".join(PIC22[i : i + 4] for i in range(0, 22, 4))
    assert parse_typed(spaced).tracking_number == PIC22
    assert PIC22 in registration_keys(f"usps {spaced} (books)")


def test_several_numbers_with_commas_and_other_separators() -> None:
    text = f"{UPS}, {PIC22}; {FEDEX12} / TBA123456789012 and {DHL}\n{s10('LZ', '12345678', 'CN')}"
    parsed = parse_typed(text)
    assert parsed.tracking_number == UPS  # the first one
    assert parsed.note is not None
    assert parsed.note.startswith("6 numbers typed: " + UPS)
    assert {UPS, PIC22, FEDEX12, "TBA123456789012", DHL, s10("LZ", "12345678", "CN")} <= parsed.keys


def test_two_solid_numbers_separated_by_a_space() -> None:
    assert {UPS, PIC22} <= registration_keys(f"{UPS} {PIC22}")


@pytest.mark.parametrize("comment", ["(2 boxes)", "2 pcs", "- 3 items"])
def test_a_count_after_a_grouped_number_is_a_comment(comment: str) -> None:
    spaced = " ".join(PIC22[i : i + 4] for i in range(0, 22, 4))
    assert parse_typed(f"USPS: {spaced} {comment}").tracking_number == PIC22


def test_a_mistyped_number_is_not_read_as_a_shorter_one_inside_it() -> None:
    # "9400 1118 9922 3100 0123 45" has a wrong check digit; its first 20 digits must not become a key.
    parsed = parse_typed("9400 1118 9922 3100 0123 45")
    assert parsed.keys == {"9400111899223100012345"}
    assert parsed.carrier == "usps"
    assert "check digit" in (parsed.note or "")


def test_letter_o_and_i_typed_for_digits_are_fixed_when_a_check_digit_confirms() -> None:
    assert parse_typed(FEDEX12.replace("0", "O").replace("1", "l")).tracking_number == FEDEX12
    assert parse_typed(PIC22.replace("1", "I")).tracking_number == PIC22
    assert parse_typed("IZ999AA10123456784").tracking_number == UPS


def test_formats_without_a_check_digit_only_as_the_whole_field() -> None:
    assert parse_typed(DHL).carrier == "dhl"
    assert parse_typed(f"DHL express: {DHL}").keys == {DHL}
    # with other digits around it, a bare 10-digit number is not trusted
    assert parse_typed(f"order 12345 tracking {DHL}").tracking_number != DHL
    assert parse_typed("60120172242323").carrier == "dhl"  # DHL eCommerce 14, no check digit
    assert "60120172242323" not in registration_keys("call 60120172242323 after 5 pm 2 boxes")


def test_prefixed_formats_with_comments() -> None:
    assert registration_keys("tracking: tba 1234 5678 9012 (shoes)") == {"TBA123456789012"}
    assert registration_keys("the TBA123456789012") == {"TBA123456789012"}  # not DHL eCommerce "THETBA..."
    assert registration_keys("my parcel " + ontrac("C", "1103150000187")) == {ontrac("C", "1103150000187")}
    assert registration_keys("LX 176 35036") == {"LX17635036"}
    assert registration_keys("GM 2 9 5 117 32 25 1 7 44 9 4") == {"GM2951173225174494"}


def test_english_words_are_not_read_as_dhl_ecommerce_prefixes() -> None:
    assert parse_typed(f"in {' '.join(PIC22[i : i + 4] for i in range(0, 22, 4))}").tracking_number == PIC22


def test_unknown_format_is_kept_as_typed_so_the_same_typing_matches() -> None:
    parsed = parse_typed("abc-1234-5678-zz")
    assert parsed.keys == {"ABC12345678ZZ"}
    assert parsed.carrier is None
    assert parsed.note
    assert "not a known" in parsed.note
    assert registration_keys("ABC 1234 5678 ZZ") == parsed.keys


@pytest.mark.parametrize("typed", ["", "   ", "shoes", "n/a", "12345", "-", "\x00"])
def test_nothing_to_read(typed: str) -> None:
    parsed = parse_typed(typed)
    assert parsed.keys == frozenset()
    assert parsed.tracking_number is None


def test_a_chunk_in_no_known_format_keeps_its_key_next_to_known_numbers() -> None:
    parsed = parse_typed(f"abc-1234-5678-zz, {UPS}")
    assert parsed.tracking_number == UPS
    assert parsed.keys == {UPS, "ABC12345678ZZ"}


def test_registration_keys_equals_parse_typed_keys() -> None:
    for text in [UPS, f"{UPS}, {PIC22}", "nothing", "abc-1234-5678-zz"]:
        assert registration_keys(text) == parse_typed(text).keys


def _maxicode() -> str:
    return (
        f"[)>{RS}01{GS}96841706672{GS}840{GS}001{GS}1Z90647079{GS}UPSN{GS}0715X1{GS}089{GS}{GS}1/1{GS}10.1"
        f"{GS}Y{GS}{GS}{GS}UT{RS}{EOT}"
    )


@pytest.mark.parametrize(
    ("scan", "typed"),
    [
        ("]C142078745\x1d" + PIC22, " ".join(PIC22[i : i + 4] for i in range(0, 22, 4))),
        ("]C1420787451234\x1d" + PIC22, PIC22[2:]),  # customer left out the channel digits
        ("42078745" + PIC22, PIC22.lower()),
        ("420787451234" + PIC26, PIC26),
        ("\x02]C1420787451234\x1d" + PIC26 + "\x03", f"usps {PIC26}"),
        ("1001921334250001000300" + FEDEX12, FEDEX12),  # FedEx 34-digit vs 12 typed
        ("9622001560001234567100" + FEDEX12, f"fedex {FEDEX12[:4]} {FEDEX12[4:8]} {FEDEX12[8:]}"),
        ("]C19611020" + FEDEX15, FEDEX15),  # FedEx Ground 96 vs 15 typed
        ("]C19611020" + FEDEX15, "9611020" + FEDEX15),  # ... or the whole 22 typed
        ("3" + "29715" + "145" + "6010244" + FEDEX12 + "2014", FEDEX12),  # ASTRA
        ("d" + FEDEX12 + "0201b", FEDEX12),  # Codabar
        ("]C100" + sscc("00061414112345678"), sscc("00061414112345678")),
        ("]C100" + sscc("00061414112345678"), "00" + sscc("00061414112345678")),
        (_maxicode(), "1Z0715X10190647079"),  # MaxiCode vs 1Z typed
        ("]C0" + UPS, UPS.lower()),
        ("TBA123456789012\r\n", "tba-1234-5678-9012"),
        (DHL, f"DHL {DHL}"),
        (ontrac("D", "1001135445370"), ontrac("D", "1001135445370").lower()),
        ("1LS712345678901", "1LS7 1234 5678 901"),
        (s10("LZ", "12345678", "CN"), s10("LZ", "12345678", "CN").lower()),
        ("]C142078745\x1d9261290983497923666238", "6129 0983 4979 2366 6238"),  # Ground Economy, no 92
        ("]C142022153\x1d9101026837331000039521", "0102 6837 3310 0003 9521"),  # legacy, no 91
        ("9171969010756003077385", "7196 9010 7560 0307 7385"),  # legacy 20 typed, 91 scanned
    ],
)
def test_scan_and_typed_keys_meet(scan: str, typed: str) -> None:
    scanned = parse_scan(scan)
    keys = registration_keys(typed)
    assert scanned.keys, scanned
    assert scanned.keys & keys, (scanned, keys)


def test_different_numbers_do_not_meet() -> None:
    other = ups("999AA1012345679")
    assert not (parse_scan(UPS).keys & registration_keys(other))
    assert not (parse_scan("]C142078745\x1d" + PIC22).keys & registration_keys(PIC26))


def test_cyrillic_look_alike_letters_from_a_russian_keyboard() -> None:
    assert parse_typed("ТВА123456789012").keys == {"TBA123456789012"}  # Cyrillic Т, В, А
    assert parse_typed("1Z999АА10123456784").tracking_number == UPS  # Cyrillic А
    assert parse_typed("lz123456785сn".replace("lz", "LZ")).tracking_number == s10("LZ", "12345678", "CN")


def test_a_scanner_typing_into_the_form_is_read_as_a_scan() -> None:
    parsed = parse_typed("]C142078745\x1d" + PIC22)
    assert parsed.tracking_number == PIC22
    assert parsed.keys == parse_scan("]C142078745\x1d" + PIC22).keys
    parsed = parse_typed("[)>\x1e01\x1d96841706672\x1d840\x1d001\x1d1Z90647079\x1dUPSN\x1d0715X1\x1d089\x1e\x04")
    assert parsed.tracking_number == "1Z0715X10190647079"
