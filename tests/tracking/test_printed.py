"""A number grouped as its carrier prints it: the same characters, in the carrier's groups, and read back alike."""

from __future__ import annotations

import random

import pytest

from scanstation.tracking import group_for_print, parse_typed
from scanstation.tracking.samples import CARRIERS, sample_number


@pytest.mark.parametrize(
    ("number", "carrier", "printed"),
    [
        ("1Z999AA10123456784", "ups", "1Z 999 AA1 01 2345 6784"),
        ("9400111899223197428490", "usps", "9400 1118 9922 3197 4284 90"),
        ("123456789012", "fedex", "1234 5678 9012"),
        ("RR123456785CN", "s10", "RR 123 456 785 CN"),
        ("RR123456785CN", None, "RR 123 456 785 CN"),
        ("1234567890", "dhl", "12 3456 7890"),
        ("TBA123456789012", "amazon", "TBA 1234 5678 9012"),
        ("GFUS01234567890123", "gofo", "GFUS 0123 4567 8901 23"),
        ("1Z999AA1012345678", "ups", "1Z99 9AA1 0123 4567 8"),  # one short: not a 1Z layout, so fours
        ("UN-01", None, "UN-01"),
        ("AB12", None, "AB12"),
        ("hello world", None, "hello world"),
        ("", None, ""),
    ],
)
def test_known_prints(number: str, carrier: str | None, printed: str) -> None:
    assert group_for_print(number, carrier) == printed


def test_grouping_keeps_every_character_and_the_keys() -> None:
    rng = random.Random(13)
    for carrier in CARRIERS:
        for _ in range(20):
            number = sample_number(rng, carrier).tracking_number
            printed = group_for_print(number, carrier)
            assert printed.replace(" ", "") == number
            assert all(printed.split(" ")), printed  # no empty group, no double space
            assert parse_typed(printed).keys == parse_typed(number).keys, (carrier, printed)
