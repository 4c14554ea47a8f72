"""Typing a number in groups (spaces or dashes, any group size) never loses a key, whatever the format."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from scanstation.tracking import parse_typed
from scanstation.tracking.samples import CARRIERS, sample_number

VECTORS = Path(__file__).parents[2].parent / "shared" / "data" / "tracking-vectors" / "vectors.json"
# Formats with letters inside the body, which a letters-only group must not cut off (LaserShip 1LSCX).
LETTER_BODIES = ("1LSCXAB123CDEFG", "1LSCX00000ZZZZZ", "1LSCXVE0Q5BUEFX")


def _groupings(number: str) -> list[str]:
    return [sep.join(number[i : i + size] for i in range(0, len(number), size)) for size in (3, 4, 5) for sep in " -"]


def _assert_grouping_keeps_keys(numbers: list[str]) -> None:
    lost = []
    for number in numbers:
        keys = parse_typed(number).keys
        if not keys:
            continue
        lost += [(typed, sorted(keys)) for typed in _groupings(number) if parse_typed(typed).keys != keys]
    assert lost == []


@pytest.mark.parametrize("number", LETTER_BODIES)
def test_a_number_with_letters_in_its_body_keeps_its_key_in_groups(number: str) -> None:
    assert parse_typed(number).keys == {number}
    _assert_grouping_keeps_keys([number])


def test_grouping_keeps_the_keys_of_every_sample_carrier() -> None:
    rng = random.Random(11)
    _assert_grouping_keeps_keys([sample_number(rng, c).tracking_number for c in CARRIERS for _ in range(50)])


def test_grouping_keeps_the_keys_of_every_public_vector() -> None:
    if not VECTORS.exists():
        pytest.skip(f"needs the carrier vectors at {VECTORS} (../shared beside the checkout)")
    numbers: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "valid" and isinstance(value, list):
                    numbers.extend(v.replace(" ", "") for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(VECTORS.read_text(encoding="utf-8")))
    assert len(numbers) > 100
    _assert_grouping_keeps_keys(numbers)
