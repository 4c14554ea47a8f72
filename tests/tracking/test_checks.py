"""Check-digit algorithms against published examples (not against our own output)."""

from __future__ import annotations

import pytest

from scanstation.tracking.checks import (
    fedex_check,
    iso7064_mod37_36,
    luhn_valid,
    mod7_check,
    mod10_right3,
    s10_check,
    ups_check,
)


def test_mod10_right3_matches_the_gs1_examples() -> None:
    # EAN-13 4006381333931 and the GS1 General Specifications' SSCC 1 0614141 123456789 7
    assert mod10_right3("400638133393") == 1
    assert mod10_right3("10614141123456789") == 7
    assert mod10_right3("400638133394") != 1


def test_ups_check_digit_of_the_published_example_with_letters() -> None:
    # 1Z 999AA1 01 2345678 4 is UPS's own documentation example; letters count as (code - 3) mod 10.
    assert ups_check("999AA10123456784"[:-1]) == 4
    assert ups_check("0715X10190647079"[:-1]) == 9


def test_s10_check_digit_of_the_upu_example_and_its_special_cases() -> None:
    assert s10_check("47312482") == 9  # AA 47312482 9 GB, the UPU S10 example
    # 11 - (sum mod 11): a result of 11 (sum 0) becomes 5 and 10 (sum 1) becomes 0
    assert s10_check("00000000") == 5
    assert s10_check("00001010") == 0  # 1 * 3 + 1 * 9 = 12 = 1 mod 11


def test_luhn_of_the_canonical_example() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_iso7064_mod37_36_of_the_grid_example() -> None:
    # The ISO 7064 MOD 37,36 example used by the Global Release Identifier: A1-2425G-ABC1234002-M
    assert iso7064_mod37_36("A12425GABC1234002") == "M"


def test_fedex_check_weights_1_3_7_from_the_right_mod_11_mod_10() -> None:
    body = "12345678901"
    total = sum(int(c) * w for c, w in zip(reversed(body), (1, 3, 7) * 4, strict=False))
    assert fedex_check(body) == total % 11 % 10


@pytest.mark.parametrize(("body", "check"), [("331881002", 5), ("000000007", 0), ("000000008", 1)])
def test_dhl_mod7(body: str, check: int) -> None:
    assert mod7_check(body) == check
