"""parse_scan: framing, AIM identifiers, GS1 separators, every carrier's barcode forms and the known traps."""

from __future__ import annotations

import pytest

from scanstation.tracking import ParsedScan, parse_scan, parse_typed
from scanstation.tracking.checks import mod10_right3
from tests.tracking.conftest import dhl10, fedex12, fedex15, ontrac, s10, sscc, ups, usps

GS = "\x1d"
RS = "\x1e"
EOT = "\x04"

PIC22 = usps("940011120620640626078")  # 9400111206206406260787
PIC26 = usps("9205590123456789012345678")
FEDEX12 = fedex12("77901797269")
FEDEX15 = fedex15("98765431234567")
UPS = ups("999AA1012345678")  # 1Z999AA10123456784, UPS's documentation example


def only(parsed: ParsedScan, number: str, carrier: str) -> None:
    assert parsed.tracking_number == number, parsed
    assert parsed.carrier == carrier, parsed
    assert number in parsed.keys
    assert all(k.isascii() and k.isalnum() and k == k.upper() for k in parsed.keys)


# ------------------------------------------------------------------------------------------ framing, AIM


@pytest.mark.parametrize(
    "raw",
    [
        UPS,
        UPS + "\r",
        UPS + "\n",
        UPS + "\r\n",
        UPS + "\t",
        "\x02" + UPS + "\x03",
        "\x02" + UPS + "\x03\r\n",
        "  " + UPS + "  ",
        "\x00" + UPS + "\x00",
        UPS + EOT,
        UPS.lower(),
    ],
)
def test_framing_is_stripped(raw: str) -> None:
    only(parse_scan(raw), UPS, "ups")


@pytest.mark.parametrize("aim", ["]C0", "]C1", "]C2", "]A0", "]d1", "]Q1", "]L0"])
def test_aim_identifier_is_reported_and_stripped(aim: str) -> None:
    parsed = parse_scan("\x02" + aim + UPS + "\r\n")
    only(parsed, UPS, "ups")
    assert parsed.symbology == aim


def test_no_aim_identifier_means_no_symbology() -> None:
    assert parse_scan(UPS).symbology is None


def test_full_width_digits_and_zero_width_characters_are_normalised() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in PIC22)
    only(parse_scan(wide), PIC22, "usps")
    only(parse_scan(PIC22[:5] + "\u200b" + PIC22[5:]), PIC22, "usps")


def test_vendor_code_id_letter_in_front_is_tolerated_for_checked_numbers() -> None:
    # Symbol scanners can prefix a one-letter code id (D = Code 128, K = EAN-128).
    only(parse_scan("K" + PIC22), PIC22, "usps")
    only(parse_scan("D" + UPS), UPS, "ups")


# ------------------------------------------------------------------------------------------ USPS IMpb


@pytest.mark.parametrize("zip_code", ["78745", "787451234"])
@pytest.mark.parametrize("pic", [PIC22, PIC26])
@pytest.mark.parametrize(
    "shape",
    [
        "]C1420{zip}\x1d{pic}",  # AIM on, FNC1 as GS
        "420{zip}\x1d{pic}",  # AIM off
        "\x1d420{zip}\x1d{pic}",  # leading FNC1 sent as GS
        "420{zip}{pic}",  # wedge lost the GS
        "]C1420{zip}{pic}",
        "420{zip}|{pic}",  # scanner programmed to send | for FNC1
        "]C1420{zip}<GS>{pic}\r",
        "\x02]C1420{zip}\x1d{pic}\x03",
    ],
)
def test_impb_with_routing_zip_in_every_transmission_form(zip_code: str, pic: str, shape: str) -> None:
    raw = shape.format(zip=zip_code, pic=pic)
    parsed = parse_scan(raw)
    only(parsed, pic, "usps")
    assert zip_code not in parsed.keys


def test_configured_fnc1_substitute() -> None:
    raw = "42078745~" + PIC22
    assert parse_scan(raw).keys == frozenset()  # "~" means nothing by default
    only(parse_scan(raw, fnc1_substitutes=["~"]), PIC22, "usps")


def test_impb_alone_and_its_20_digit_alias() -> None:
    parsed = parse_scan(PIC22)
    only(parsed, PIC22, "usps")
    assert PIC22[2:] in parsed.keys  # the same number without its channel digits


def test_impb_with_a_bad_check_digit_is_rejected_unless_its_structure_says_impb() -> None:
    bad = PIC22[:-1] + str((int(PIC22[-1]) + 1) % 10)
    assert parse_scan(bad).keys == frozenset()
    assert parse_scan("420" + "78745" + bad).keys == frozenset()
    # After 420+ZIP and a separator it can only be the IMpb: the customer types what is printed.
    parsed = parse_scan("]C142078745" + GS + bad)
    assert parsed.keys == {bad}
    assert parsed.carrier == "usps"
    assert "check digit" in (parsed.note or "")


def test_the_briefs_example_scan_and_typed_number_meet() -> None:
    scan = parse_scan("]C142078745<GS>9400111899223100012345")
    typed = parse_typed("9400 1118 9922 3100 0123 45")
    assert scan.keys & typed.keys


@pytest.mark.parametrize(
    "raw",
    [
        "]C142078745",
        "42078745",
        "420787451234",
        "]C1420787451234\r\n",
        "42078745\x1d",
        "]C1421826SW1A1AA",
        "421124M5V3L9",
    ],
)
def test_routing_only_barcode_has_no_keys(raw: str) -> None:
    parsed = parse_scan(raw)
    assert parsed.keys == frozenset()
    assert parsed.tracking_number is None
    assert "routing" in (parsed.note or "")


def test_421_routing_then_a_tracking_number() -> None:
    only(parse_scan("]C1421124M5V3L9" + GS + UPS), UPS, "ups")
    only(parse_scan("421840787451234" + GS + PIC22), PIC22, "usps")


# -------------------------------------------------------------------------------- the 34-digit trap


def test_34_digits_420_zip9_impb_is_usps_not_fedex() -> None:
    # tracking-formats.md: this string passes both the FedEx 34 and the USPS check digits.
    parsed = parse_scan("4201028200009261290113185417468510")
    only(parsed, "9261290113185417468510", "usps")
    assert "185417468510" not in parsed.keys  # the FedEx last-12 reading must not leak in as a key


def test_34_digits_420_zip5_with_a_26_digit_impb_is_usps() -> None:
    only(parse_scan("420" + "78745" + PIC26), PIC26, "usps")


def test_34_digits_starting_420_that_are_no_impb_are_fedex() -> None:
    lead = "420" + "11111" + "8" + "11" + "8" + "00000000"  # no 9 where an IMpb after ZIP5/ZIP9 would start
    raw = lead + "00" + FEDEX12
    assert len(raw) == 34
    only(parse_scan(raw), FEDEX12, "fedex")


def test_34_digits_where_zip5_and_zip9_readings_both_validate_keep_both_keys() -> None:
    for tail in range(100):
        zip9 = "78745" + "94" + f"{tail:02d}"
        raw = "420" + zip9 + PIC22
        rest26 = raw[8:]
        if int(rest26[-1]) == mod10_right3(rest26[:-1]):
            break
    else:
        pytest.fail("no ambiguous example found")
    parsed = parse_scan(raw)
    only(parsed, PIC22, "usps")  # the 22-digit PIC is the commoner reading
    assert rest26 in parsed.keys


# ------------------------------------------------------------------------------------------ FedEx


def test_fedex_express_34_digit_barcode_gives_the_last_12() -> None:
    raw = "1" + "00192133425" + "000" + "10003" + "00" + FEDEX12
    only(parse_scan(raw), FEDEX12, "fedex")


def test_fedex_ground_gsn_34_digit_barcode() -> None:
    raw = "9622" + "0015600012345671" + "00" + FEDEX12
    only(parse_scan(raw), FEDEX12, "fedex")


def test_fedex_34_with_a_wrong_check_digit_is_rejected() -> None:
    raw = "1" + "00192133425" + "000" + "10003" + "00" + FEDEX12[:-1] + str((int(FEDEX12[-1]) + 1) % 10)
    assert parse_scan(raw).keys == frozenset()


def test_fedex_ground_96_barcode_gives_the_15_digit_number_and_keeps_the_22() -> None:
    barcode = "96" + "11" + "020" + FEDEX15
    parsed = parse_scan("]C1" + barcode)
    only(parsed, FEDEX15, "fedex")
    assert barcode in parsed.keys
    assert parsed.symbology == "]C1"


def test_fedex_astra_32() -> None:
    raw = "3" + "29715" + "145" + "6010244" + FEDEX12 + "2014"
    only(parse_scan(raw), FEDEX12, "fedex")


def test_fedex_pdf417_envelope() -> None:
    raw = (
        f"]L2[)>{RS}01{GS}0210001{GS}840{GS}01{GS}{FEDEX12}0201{GS}FDE{GS}123456789{GS}089{GS}{GS}1/1{GS}1.0LB"
        f"{GS}N{GS}123 MAIN ST{GS}NEW YORK{GS}NY{GS}JOHN SMITH{RS}06{GS}10ZGD004{GS}11ZJOHN{GS}31Z"
        f"1001921334250001000300{FEDEX12}{RS}09{GS}FDX{GS}z{GS}8{GS}@{RS}{EOT}"
    )
    parsed = parse_scan(raw)
    only(parsed, FEDEX12, "fedex")
    assert parsed.symbology == "]L2"


def test_fedex_pdf417_whose_separators_were_lost() -> None:
    raw = f"[)>010210001840 01{FEDEX12}0201FDE123456789089"
    only(parse_scan(raw), FEDEX12, "fedex")


@pytest.mark.parametrize("raw", ["d8077152042820402b", "A8077152042820402B", "]F08077152042820402"])
def test_fedex_codabar_16_gives_the_first_12(raw: str) -> None:
    only(parse_scan(raw), "807715204282", "fedex")


def test_sscc_18_after_ai_00() -> None:
    code = sscc("00061414112345678")
    only(parse_scan("]C100" + code), code, "fedex")
    only(parse_scan("00" + code), code, "fedex")
    assert parse_scan("]C100" + code[:-1] + str((int(code[-1]) + 1) % 10)).keys == frozenset()


# ------------------------------------------------------------------------------------------ UPS


def test_ups_1z_with_and_without_aim() -> None:
    only(parse_scan(UPS), UPS, "ups")
    only(parse_scan("]C0" + UPS), UPS, "ups")


def test_ups_1z_with_a_wrong_check_digit_is_rejected() -> None:
    assert parse_scan(UPS[:-1] + "5").keys == frozenset()


def _maxicode(shipper: str, service_class: str, field: str, *, trailer: str = "") -> str:
    return (
        f"[)>{RS}01{GS}96841706672{GS}840{GS}{service_class}{GS}{field}{GS}UPSN{GS}{shipper}{GS}089{GS}{GS}1/1{GS}10.1"
        f"{GS}Y{GS}{GS}{GS}UT{trailer}{RS}{EOT}"
    )


@pytest.mark.parametrize(
    ("number", "shipper", "service_class", "field"),
    [
        ("1Z0715X10190647079", "0715X1", "001", "1Z90647079"),
        ("1Z410E1W0214647438", "410E1W", "002", "1Z14647438"),
        ("1ZE77J066884355950", "E77J06", "068", "1Z84355950"),
    ],
)
def test_ups_maxicode_rebuilds_the_1z(number: str, shipper: str, service_class: str, field: str) -> None:
    parsed = parse_scan("]U" + "0" + _maxicode(shipper, service_class, field))
    only(parsed, number, "ups")
    assert parsed.symbology == "]U0"
    # a compressed RS 07 segment with CR and FS in it after the shipper field changes nothing
    only(parse_scan(_maxicode(shipper, service_class, field, trailer=f"{RS}07\r\x1cZ\x0b\x7f")), number, "ups")


def test_ups_maxicode_with_the_separators_lost_by_a_keyboard_wedge() -> None:
    raw = "[)>01968417066728400011Z90647079UPSN0715X10891/110.1YUT"
    only(parse_scan(raw), "1Z0715X10190647079", "ups")


def test_ups_maxicode_with_a_wrong_check_digit_has_no_keys() -> None:
    assert parse_scan(_maxicode("0715X1", "001", "1Z90647078")).keys == frozenset()


# ------------------------------------------------------------------------------------------ the rest


@pytest.mark.parametrize(
    ("raw", "number", "carrier"),
    [
        ("TBA123456789012", "TBA123456789012", "amazon"),
        ("]C0TBC123456789012", "TBC123456789012", "amazon"),
        ("TBM123456789012\r", "TBM123456789012", "amazon"),
        (dhl10("331881002"), dhl10("331881002"), "dhl"),
        ("JJD0012345678", "JJD0012345678", "dhl"),
        ("JVGL0123456789", "JVGL0123456789", "dhl"),
        ("GM2951173225174494", "GM2951173225174494", "dhl"),
        (ontrac("C", "1103150000187"), ontrac("C", "1103150000187"), "ontrac"),
        (ontrac("D", "1001135445370"), ontrac("D", "1001135445370"), "ontrac"),
        ("1LS712345678901", "1LS712345678901", "lasership"),
        ("LX17635036", "LX17635036", "lasership"),
        (s10("LZ", "12345678", "CN"), s10("LZ", "12345678", "CN"), "s10"),
        ("AA473124829GB", "AA473124829GB", "s10"),
        ("GFUS01011884214464", "GFUS01011884214464", "gofo"),
        ("YT2229521272164446", "YT2229521272164446", "yunexpress"),
    ],
)
def test_other_carriers(raw: str, number: str, carrier: str) -> None:
    only(parse_scan(raw), number, carrier)


@pytest.mark.parametrize(
    "raw",
    [
        ontrac("C", "1103150000187")[:-1] + "0" if ontrac("C", "1103150000187")[-1] != "0" else "C11031500001871",
        s10("LZ", "12345678", "CN")[:-2] + "XX",  # not a country
        "LZ123456784CN",  # wrong S10 check digit
        "TBB123456789012",
        "TBA12345678901",  # one digit short
        dhl10("331881002")[:-1] + str((int(dhl10("331881002")[-1]) + 1) % 7),
        "0000000000000000000000",  # all zeros passes most check digits
        "000000000000",
    ],
)
def test_near_misses_are_rejected(raw: str) -> None:
    parsed = parse_scan(raw)
    assert parsed.keys == frozenset(), parsed
    assert parsed.note


@pytest.mark.parametrize("raw", ["", "\r\n", "\x02\x03", "]C1", "]C1\x1d", GS + GS, "NOREAD", "ERROR", "12345"])
def test_empty_and_garbage_reads_have_no_keys(raw: str) -> None:
    parsed = parse_scan(raw)
    assert parsed.keys == frozenset()
    assert parsed.tracking_number is None
    assert parsed.note


def test_raw_is_kept_exactly() -> None:
    raw = "\x02]C1420787451234\x1d" + PIC22 + "\x03\r\n"
    assert parse_scan(raw).raw == raw


@pytest.mark.parametrize(
    "raw", ["]E00012345678905", "]E04006381333931", "]I100012345678905", "]d2010950110153000317261231\x1d10AB12"]
)
def test_product_barcodes_are_no_tracking_numbers(raw: str) -> None:
    parsed = parse_scan(raw)
    assert parsed.keys == frozenset()
    assert "product" in (parsed.note or "")


def test_a_bracket_that_is_no_aim_identifier_is_not_taken_for_one() -> None:
    assert parse_scan("]12" + UPS).symbology is None


def test_envelope_separators_spelled_out_by_a_keyboard_wedge() -> None:
    raw = "[)><RS>01^]96841706672^]840^]001^]1Z90647079^]UPSN^]0715X1^]089<RS><EOT>"
    only(parse_scan(raw), "1Z0715X10190647079", "ups")


def test_maxicode_with_the_primary_message_sent_before_the_envelope() -> None:
    raw = f"841706672{GS}840{GS}001{GS}[)>{RS}01{GS}96{GS}1Z90647079{GS}UPSN{GS}0715X1{GS}089{RS}{EOT}"
    only(parse_scan(raw), "1Z0715X10190647079", "ups")


def test_ups_service_codes_are_not_a_lookup() -> None:
    # tracking-formats.md §4: a real label with service 86, which a service-code table would reject.
    only(parse_scan("1Z3F141E8695861181"), "1Z3F141E8695861181", "ups")


def test_fedex_pdf417_tracking_field_is_not_read_as_a_16_digit_number_of_its_own() -> None:
    # number + form code can pass the Canada Post 16 check; the field named by FDE decides.
    form = next(f"{n:04d}" for n in range(10_000) if mod10_right3((FEDEX12 + f"{n:04d}")[:15]) == n % 10)
    raw = f"[)>{RS}01{GS}0210001{GS}840{GS}01{GS}{FEDEX12}{form}{GS}FDE{GS}123456789{RS}{EOT}"
    only(parse_scan(raw), FEDEX12, "fedex")
